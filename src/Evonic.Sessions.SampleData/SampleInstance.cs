namespace Evonic.Sessions.SampleData;

/// <summary>
/// A realistic instance: four agents, sessions aged 0..400 days, every session kind and every protection case,
/// logs (one torn, one with an open turn), attachments, memories and an orphan log. Each session records what a
/// 90-day cleanup must do with it and why, decided here by construction rather than by the code under test.
/// </summary>
public sealed class SampleInstance
{
    public const int MaxAgeDays = 90;

    private readonly Dictionary<string, string> _expectations = new(StringComparer.Ordinal);

    private SampleInstance(InstanceBuilder builder) => Builder = builder;

    public InstanceBuilder Builder { get; }
    public string Root => Builder.Root;

    /// <summary>"agent/session" → "remove" or the reason it stays.</summary>
    public IReadOnlyDictionary<string, string> Expectations => _expectations;

    public IEnumerable<string> ExpectedRemoved => _expectations.Where(e => e.Value == "remove").Select(e => e.Key).OrderBy(k => k, StringComparer.Ordinal);

    public static SampleInstance Create(string root, DateTime nowUtc, bool releaseLayout = false)
    {
        var sample = new SampleInstance(new InstanceBuilder(root, releaseLayout));
        sample.Build(new DateTime(nowUtc.Ticks - nowUtc.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc));
        return sample;
    }

    private void Expect(string agent, string session, string what) => _expectations[agent + "/" + session] = what;

    private void Build(DateTime now)
    {
        DateTime Ago(double days) => now.AddDays(-days);

        // siwa: current schema (user_id, session_state), every kind and most protection cases.
        AgentBuilder siwa = Builder.Agent("siwa");
        siwa.AgentState("{\"focus\": false, \"mood\": \"calm\"}");
        siwa.Session("siwa-3f1a", "alice", Ago(5), channelId: "telegram").Log("siwa-3f1a", Ago(5));
        Expect("siwa", "siwa-3f1a", "recent");
        siwa.Session("siwa-7b2c", "bob", Ago(200), messages: 12, channelId: "telegram").Log("siwa-7b2c", Ago(200));
        siwa.Attachment("siwa-7b2c", "photo.jpg", 4096);
        siwa.Attachment("siwa-7b2c", "notes.pdf", 2048);
        siwa.Memory("Bob prefers short answers", "siwa-7b2c");
        Expect("siwa", "siwa-7b2c", "remove");
        siwa.Session("siwa-9d4e", "carol", Ago(150), channelId: "whatsapp");
        Expect("siwa", "siwa-9d4e", "NewestChannelSession");
        siwa.Session("siwa-9d4f", "dave", Ago(300), channelId: "whatsapp").Log("siwa-9d4f", Ago(300));
        Expect("siwa", "siwa-9d4f", "remove");
        siwa.Session("siwa-web-1", "web-user-1", Ago(120), archived: true);
        Expect("siwa", "siwa-web-1", "remove");
        siwa.Session("siwa-a001", "erin", Ago(250), channelId: "telegram", botEnabled: false);
        Expect("siwa", "siwa-a001", "HumanTakeover");
        siwa.Session("siwa-a002", "frank", Ago(180), channelId: "telegram")
            .SessionState("siwa-a002", "{\"mode\": \"plan\", \"tasks\": [{\"status\": \"done\"}, {\"status\": \"pending\"}], \"plan_file\": null}");
        Expect("siwa", "siwa-a002", "OpenTasks");
        siwa.Session("siwa-a003", "gina", Ago(170), channelId: "telegram")
            .SessionState("siwa-a003", "{\"mode\": \"chat\", \"tasks\": [{\"status\": \"done\"}]}");
        Expect("siwa", "siwa-a003", "remove");
        siwa.Session("siwa-a004", "hank", Ago(160), channelId: "telegram").Log("siwa-a004", Ago(160), openTurn: true);
        Expect("siwa", "siwa-a004", "TurnInProgress");
        siwa.Session("siwa-a005", "ivan", Ago(140), channelId: "telegram", updatedAtText: "last tuesday");
        Expect("siwa", "siwa-a005", "UnreadableTimestamp");
        siwa.Session("siwa-a006", "judy", Ago(100), channelId: "telegram");
        string judyLog = siwa.Log("siwa-a006", Ago(10));
        File.SetLastWriteTimeUtc(judyLog, Ago(100)); // only the last ts inside says it is recent
        Expect("siwa", "siwa-a006", "recent (JSONL ts)");
        siwa.Session("siwa-a007", "kim", Ago(100), channelId: "telegram", updatedAtText: InstanceBuilder.Timestamp(Ago(100)));
        AddLateMessage(siwa, "siwa-a007", Ago(20));
        Expect("siwa", "siwa-a007", "recent (newest message)");
        siwa.Session("siwa-a008", "__scheduler__daily_digest", Ago(365), messages: 2, withAgentState: true);
        Expect("siwa", "siwa-a008", "remove");
        siwa.Session("siwa-a009", "__system__", Ago(95)).Log("siwa-a009", Ago(95), tornLastLine: true);
        Expect("siwa", "siwa-a009", "remove");
        siwa.Session("siwa_sub_1-3d89d735", "__agent__siwa", Ago(130), sessionAgentId: "siwa_sub_1").Log("siwa_sub_1-3d89d735", Ago(130));
        siwa.Attachment("siwa_sub_1-3d89d735", "draft.md", 512, sessionAgentId: "siwa_sub_1");
        Expect("siwa", "siwa_sub_1-3d89d735", "remove");
        siwa.Session("siwa-b001", "__agent__nova", Ago(60));
        Expect("siwa", "siwa-b001", "recent");
        siwa.Log("siwa-0rphan01", Ago(200));
        Expect("siwa", "siwa-0rphan01", "remove");
        siwa.Log("siwa-0rphan02", Ago(10));
        Expect("siwa", "siwa-0rphan02", "recent");
        siwa.Memory("The team meets on Mondays", null);

        // nova: an older schema without user_id and session_state.
        AgentBuilder nova = Builder.Agent("nova", new ChatSchemaOptions(WithUserId: false, WithSessionState: false));
        nova.Session("nova-1", "web-user-2", Ago(30));
        Expect("nova", "nova-1", "recent");
        nova.Session("nova-2", "web-user-3", Ago(400), messages: 40).Log("nova-2", Ago(400));
        nova.Attachment("nova-2", "report.csv", 8192);
        Expect("nova", "nova-2", "remove");
        nova.Session("nova-3", "lena", Ago(95), channelId: "telegram");
        Expect("nova", "nova-3", "NewestChannelSession");
        nova.Session("nova-4", "mike", Ago(390), channelId: "telegram");
        Expect("nova", "nova-4", "remove");
        nova.Session("nova-5", "nina", Ago(89), channelId: "discord");
        Expect("nova", "nova-5", "recent");

        // atlas: in focus, so every session stays.
        AgentBuilder atlas = Builder.Agent("atlas");
        atlas.AgentState("{\"focus\": true}");
        atlas.Session("atlas-1", "web-user-4", Ago(300));
        Expect("atlas", "atlas-1", "AgentInFocus");
        atlas.Session("atlas-2", "omar", Ago(200), channelId: "slack");
        Expect("atlas", "atlas-2", "AgentInFocus");

        // echo: all human sessions are old; the newest one stays for reminders.
        AgentBuilder echo = Builder.Agent("echo");
        echo.Session("echo-1", "web-user-5", Ago(100));
        Expect("echo", "echo-1", "NewestHumanSession");
        echo.Session("echo-2", "web-user-6", Ago(200)).Log("echo-2", Ago(200));
        Expect("echo", "echo-2", "remove");

        Builder.UpdateSessionCounts();
    }

    private static void AddLateMessage(AgentBuilder agent, string sessionId, DateTime at)
    {
        using var chat = InstanceBuilder.Connect(agent.ChatDatabasePath);
        InstanceBuilder.Exec(chat, "INSERT INTO chat_messages (session_id, role, content, created_at) VALUES ($s, 'user', 'late', $at)",
            ("$s", sessionId), ("$at", InstanceBuilder.Timestamp(at)));
    }
}
