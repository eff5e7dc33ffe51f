namespace Evonic.Sessions.SampleData;

/// <summary>
/// A realistic instance: eight agents, sessions aged 0..400 days, every session kind and every protection case,
/// logs (one torn, one with an open turn), attachments, memories and an orphan log. Each session records what a
/// 90-day cleanup must do with it and why, decided here by construction rather than by the code under test: the
/// lookup cases follow Evonic's own SQL (<c>ORDER BY updated_at DESC</c> on the text, archived rows only for the
/// notifier), worked out by hand in the comments.
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

    public IEnumerable<string> ExpectedRemoved =>
        _expectations.Where(e => e.Value == "remove").Select(e => e.Key).OrderBy(k => k, StringComparer.Ordinal);

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

        // siwa: current schema (user_id, session_state), every kind and most protection cases. Its 'last tuesday'
        // updated_at sorts above every date text, so Evonic's human lookups and its telegram recipient all return
        // siwa-a005 (kept anyway: it cannot be dated).
        AgentBuilder siwa = Builder.Agent("siwa");
        siwa.AgentState("{\"focus\": false, \"mood\": \"calm\"}");
        siwa.Session("siwa-3f1a", "alice", Ago(5), channelId: "telegram").Log("siwa-3f1a", Ago(5));
        siwa.Attachment("siwa-3f1a", "avatar.png", 256);
        siwa.Trace("siwa-3f1a", Ago(5));
        Expect("siwa", "siwa-3f1a", "recent");
        // Named like a log of siwa-3f1a's id, but not by Evonic's rule (that is 3f1a.jsonl): neither its log nor a
        // orphan.
        siwa.StrayLog("siwa-3f1a.jsonl", "siwa-3f1a", Ago(300));
        siwa.Session("siwa-7b2c", "bob", Ago(200), messages: 12, channelId: "telegram").Log("siwa-7b2c", Ago(200));
        siwa.Attachment("siwa-7b2c", "photo.jpg", 4096);
        siwa.Attachment("siwa-7b2c", "notes.pdf", 2048);
        siwa.Memory("Bob prefers short answers", "siwa-7b2c");
        Expect("siwa", "siwa-7b2c", "remove");
        // whatsapp: the archived siwa-9d50 is the newest of the channel, which is what the notifier returns.
        siwa.Session("siwa-9d4e", "carol", Ago(150), channelId: "whatsapp");
        Expect("siwa", "siwa-9d4e", "remove");
        siwa.Session("siwa-9d50", "oscar", Ago(110), channelId: "whatsapp", archived: true);
        Expect("siwa", "siwa-9d50", "ChannelRecipient");
        siwa.Session("siwa-9d4f", "dave", Ago(300), channelId: "whatsapp").Log("siwa-9d4f", Ago(300));
        siwa.Trace("siwa-9d4f", Ago(300));
        // Rows that point at files the session does not own: another session's, and one outside the attachments.
        siwa.AttachmentRow("siwa-9d4f", "data/attachments/siwa/siwa-3f1a/avatar.png");
        siwa.AttachmentRow("siwa-9d4f", "data/shared-assets/logo.png");
        Directory.CreateDirectory(Path.Combine(Builder.DataRoot, "data", "shared-assets"));
        File.WriteAllText(Path.Combine(Builder.DataRoot, "data", "shared-assets", "logo.png"), "logo");
        Expect("siwa", "siwa-9d4f", "remove");
        siwa.Session("siwa-web-1", "web-user-1", Ago(120), archived: true);
        Expect("siwa", "siwa-web-1", "remove");
        siwa.Session("siwa-a001", "erin", Ago(250), channelId: "telegram", botEnabled: false);
        Expect("siwa", "siwa-a001", "HumanTakeover");
        siwa.Session("siwa-a002", "frank", Ago(180), channelId: "telegram")
            .SessionState(
                "siwa-a002",
                "{\"mode\": \"plan\", \"tasks\": [{\"status\": \"done\"}, {\"status\": \"pending\"}], \"plan_file\": "
                    + "null}"
            );
        Expect("siwa", "siwa-a002", "OpenTasks");
        siwa.Session("siwa-a003", "gina", Ago(170), channelId: "telegram")
            .SessionState("siwa-a003", "{\"mode\": \"chat\", \"tasks\": [{\"status\": \"done\"}]}");
        Builder.Schedule(
            "sched-old",
            "poll_background_job",
            "{\"session_id\": \"siwa-a003\"}",
            "{\"session_id\": \"siwa-a003\"}",
            enabled: false
        );
        Expect("siwa", "siwa-a003", "remove");
        siwa.Session("siwa-a004", "hank", Ago(160), channelId: "telegram").Log("siwa-a004", Ago(160), openTurn: true);
        Expect("siwa", "siwa-a004", "TurnInProgress");
        siwa.Session("siwa-a005", "ivan", Ago(140), channelId: "telegram", updatedAtText: "last tuesday");
        Expect("siwa", "siwa-a005", "UnreadableTimestamp");
        siwa.Session("siwa-a006", "judy", Ago(100), channelId: "telegram");
        string judyLog = siwa.Log("siwa-a006", Ago(10));
        File.SetLastWriteTimeUtc(judyLog, Ago(100)); // only the last ts inside says it is recent
        Expect("siwa", "siwa-a006", "recent (JSONL ts)");
        siwa.Session(
            "siwa-a007",
            "kim",
            Ago(100),
            channelId: "telegram",
            updatedAtText: InstanceBuilder.Timestamp(Ago(100))
        );
        AddLateMessage(siwa, "siwa-a007", Ago(20));
        Expect("siwa", "siwa-a007", "recent (newest message)");
        siwa.Session("siwa-a008", "__scheduler__", Ago(365), messages: 2, withAgentState: true);
        Expect("siwa", "siwa-a008", "remove");
        siwa.Session("siwa-a009", "__system__", Ago(95)).Log("siwa-a009", Ago(95), tornLastLine: true);
        Expect("siwa", "siwa-a009", "remove");
        siwa.Session("siwa-a010", "paul", Ago(175), channelId: "telegram")
            .SessionState("siwa-a010", "{\"mode\": \"plan\", \"tasks\": [], \"plan_file\": \"plans/launch.md\"}");
        Expect("siwa", "siwa-a010", "PlanFile");
        siwa.Session("siwa-a011", "rita", Ago(190), channelId: "telegram");
        Builder.Schedule(
            "sched-bgjob",
            "poll_background_job",
            "{\"command\": \"make release\", \"session_id\": \"siwa-a011\", \"agent_id\": \"siwa\"}",
            "{\"session_id\": \"siwa-a011\"}"
        );
        Expect("siwa", "siwa-a011", "ScheduledWork");
        siwa.Session("siwa-a012", "sam", Ago(185), channelId: "telegram");
        Builder.TransferJob("transfer-1", "siwa", "siwa-a012", "running");
        Builder.TransferJob("transfer-2", "siwa", "siwa-a003", "completed");
        Expect("siwa", "siwa-a012", "TransferInProgress");
        siwa.Session("siwa_sub_1-3d89d735", "__agent__siwa", Ago(130), sessionAgentId: "siwa_sub_1")
            .Log("siwa_sub_1-3d89d735", Ago(130));
        siwa.Attachment("siwa_sub_1-3d89d735", "draft.md", 512, sessionAgentId: "siwa_sub_1");
        Expect("siwa", "siwa_sub_1-3d89d735", "remove");
        siwa.Session("siwa-b001", "__agent__nova", Ago(60));
        Expect("siwa", "siwa-b001", "recent");
        // Evonic leaves the log of an agent-to-agent session empty: a 0-byte log dates by its time, and goes.
        siwa.Session("siwa-b002", "__agent__nova", Ago(210));
        File.WriteAllText(siwa.LogPath("siwa-b002"), "");
        File.SetLastWriteTimeUtc(siwa.LogPath("siwa-b002"), Ago(210));
        Expect("siwa", "siwa-b002", "remove");
        siwa.Log("siwa-0rphan01", Ago(200));
        Expect("siwa", "siwa-0rphan01", "remove");
        siwa.Log("siwa-0rphan02", Ago(10));
        Expect("siwa", "siwa-0rphan02", "recent");
        siwa.Memory("The team meets on Mondays", null);

        // siwa_sub_team: a real agent whose name looks like a sub-agent of siwa. Its attachment (uploaded long ago)
        // is its own recent session's, never a orphan of siwa's.
        AgentBuilder team = Builder.Agent("siwa_sub_team");
        team.Session("siwa_sub_team-1", "tina", Ago(20), channelId: "telegram");
        team.Attachment("siwa_sub_team-1", "roster.xlsx", 1024, uploadedAt: Ago(200));
        Expect("siwa_sub_team", "siwa_sub_team-1", "recent");

        // nova: an older schema without user_id and session_state. Web: nova-0 and nova-1 are the two newest.
        AgentBuilder nova = Builder.Agent("nova", new ChatSchemaOptions(WithUserId: false, WithSessionState: false));
        nova.Session("nova-0", "web-user-7", Ago(10));
        Expect("nova", "nova-0", "recent");
        nova.Session("nova-1", "web-user-2", Ago(30));
        Expect("nova", "nova-1", "recent");
        nova.Session("nova-2", "web-user-3", Ago(400), messages: 40).Log("nova-2", Ago(400));
        nova.Attachment("nova-2", "report.csv", 8192);
        Expect("nova", "nova-2", "remove");
        nova.Session("nova-3", "lena", Ago(95), channelId: "telegram");
        Expect("nova", "nova-3", "ChannelRecipient");
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

        // echo: web sessions only, all old. The newest is get_latest_human_session's fallback; it and the next are
        // the two get_web_fallback_session can return.
        AgentBuilder echo = Builder.Agent("echo");
        echo.Session("echo-1", "web-user-5", Ago(100));
        Expect("echo", "echo-1", "LatestHumanSession");
        echo.Session("echo-2", "web-user-6", Ago(200));
        Expect("echo", "echo-2", "WebFallbackSession");
        echo.Session("echo-3", "web-user-8", Ago(300)).Log("echo-3", Ago(300));
        Expect("echo", "echo-3", "remove");

        // juno: web and channel sessions compete. Channel query: juno-1 (the archived juno-6 is newer, but skipped),
        // so get_latest_human_session never reaches its fallback; escalate_to_user's web fallback (juno-1 excluded) is
        // the newest web session, juno-3 (web_test counts); juno-2, the second newest, no lookup returns.
        // Notifier: telegram's newest is the archived juno-6; discord's two newest share one updated_at.
        AgentBuilder juno = Builder.Agent("juno");
        juno.Session("juno-1", "tess", Ago(150), channelId: "telegram");
        Expect("juno", "juno-1", "LatestHumanSession");
        juno.Session("juno-2", "uma", Ago(120));
        Expect("juno", "juno-2", "remove");
        juno.Session("juno-3", "web_test", Ago(100));
        Expect("juno", "juno-3", "WebFallbackSession");
        juno.Session("juno-4", "vic", Ago(200)).Log("juno-4", Ago(200));
        Expect("juno", "juno-4", "remove");
        juno.Session("juno-5", "walt", Ago(300), channelId: "telegram");
        Expect("juno", "juno-5", "remove");
        juno.Session("juno-6", "xena", Ago(130), channelId: "telegram", archived: true);
        Expect("juno", "juno-6", "ChannelRecipient");
        juno.Session("juno-7", "yara", Ago(160), channelId: "discord");
        Expect("juno", "juno-7", "ChannelRecipient");
        juno.Session(
            "juno-8",
            "zack",
            Ago(170),
            channelId: "discord",
            updatedAtText: InstanceBuilder.Timestamp(Ago(160))
        );
        Expect("juno", "juno-8", "ChannelRecipient");

        // lyra: a release before the '__agent__' key. Evonic promotes the newest per-session state (lyra-3's,
        // not in focus): the agent is not in focus, and that row stays when lyra-3 goes.
        AgentBuilder lyra = Builder.Agent("lyra");
        lyra.Session("lyra-1", "pia", Ago(10), channelId: "telegram");
        Expect("lyra", "lyra-1", "recent");
        lyra.Session("lyra-2", "web-user-9", Ago(12));
        Expect("lyra", "lyra-2", "recent");
        lyra.Session("lyra-5", "web-user-10", Ago(14));
        Expect("lyra", "lyra-5", "recent");
        lyra.Session("lyra-3", "quinn", Ago(200), channelId: "telegram")
            .LegacyAgentState("lyra-3", "{\"focus\": false}", Ago(3));
        Expect("lyra", "lyra-3", "remove");
        lyra.Session("lyra-4", "rosa", Ago(260), channelId: "telegram")
            .LegacyAgentState("lyra-4", "{\"focus\": true}", Ago(250));
        Expect("lyra", "lyra-4", "remove");

        // mira: the same, but the newest per-session state is in focus, so the agent is.
        AgentBuilder mira = Builder.Agent("mira");
        mira.Session("mira-1", "uli", Ago(200), channelId: "telegram")
            .LegacyAgentState("mira-1", "{\"focus\": true}", Ago(2));
        Expect("mira", "mira-1", "AgentInFocus");
        mira.Session("mira-2", "web-user-11", Ago(300)).LegacyAgentState("mira-2", "{\"focus\": false}", Ago(300));
        Expect("mira", "mira-2", "AgentInFocus");

        Builder.UpdateSessionCounts();
    }

    private static void AddLateMessage(AgentBuilder agent, string sessionId, DateTime at)
    {
        using var chat = InstanceBuilder.Connect(agent.ChatDatabasePath);
        InstanceBuilder.Exec(
            chat,
            "INSERT INTO chat_messages (session_id, role, content, created_at) VALUES ($s, 'user', 'late', $at)",
            ("$s", sessionId),
            ("$at", InstanceBuilder.Timestamp(at))
        );
    }
}
