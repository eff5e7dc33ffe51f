using Evonic.Sessions.SampleData;

namespace Evonic.Sessions.Tests;

/// <summary>
/// The newest human and newest channel session are kept when old. Listing streams each session as soon as it is
/// decided, so these rules must come out exactly as if every session were read first, including when a JSONL log
/// makes a session newer than its row says.
/// </summary>
public sealed class NewestSessionTests : IDisposable
{
    private static readonly DateTime Now = new(2026, 11, 24, 4, 0, 0, DateTimeKind.Utc);
    private readonly TempFolder _temp = new();
    private readonly InstanceBuilder _builder;
    private readonly AgentBuilder _agent;

    public NewestSessionTests()
    {
        _builder = new InstanceBuilder(_temp.Combine("evonic"));
        _agent = _builder.Agent("zora");
    }

    public void Dispose() => _temp.Dispose();

    private SessionStore Store() => new(EvonicInstance.Open(_builder.Root), CleanupPolicy.FromParameter(90), Now);

    private Dictionary<string, EvonicSession> Sessions()
    {
        SessionStore store = Store();
        return store.StreamSessions(store.GetAgents().Single()).ToDictionary(s => s.SessionId);
    }

    [Fact]
    public void A_log_newer_than_every_row_makes_its_session_the_newest_human_and_channel_session()
    {
        _agent.Session("zora-a", "alice", Now.AddDays(-300), channelId: "tg");
        _agent.Session("zora-b", "bob", Now.AddDays(-200), channelId: "tg");
        _agent.Log("zora-a", Now.AddDays(-150));
        _agent.Session("zora-w1", "web-1", Now.AddDays(-250));
        _agent.Session("zora-w2", "web-2", Now.AddDays(-240));
        _agent.Log("zora-w1", Now.AddDays(-120));

        Dictionary<string, EvonicSession> sessions = Sessions();

        // zora-w1's log makes it the newest human session of all; zora-a's makes it the newest of channel tg.
        Assert.Equal(SessionProtection.NewestHumanSession, sessions["zora-w1"].Protection);
        Assert.Equal(SessionProtection.NewestChannelSession, sessions["zora-a"].Protection);
        Assert.True(sessions["zora-b"].IsRemovable, sessions["zora-b"].Protection.ToString());
        Assert.True(sessions["zora-w2"].IsRemovable, sessions["zora-w2"].Protection.ToString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Streamed_listing_protects_exactly_the_newest_session_of_each_group(int seed)
    {
        var random = new Random(seed);
        var activity = new Dictionary<string, DateTime>();
        var kind = new Dictionary<string, (bool Human, string? Channel, string SessionAgent)>();
        for (int i = 0; i < 80; i++)
        {
            string id = $"zora-{i:D3}";
            // Whole seconds, and a few shared instants: ties are broken by session id.
            DateTime row = Now.AddDays(-random.Next(95, 400)).AddSeconds(-random.Next(0, 3) * 3600);
            string? channel = random.Next(3) switch { 0 => null, 1 => "tg", _ => "wa" };
            string user = random.Next(6) switch { 0 => "__system__", 1 => "__scheduler__x", _ => "user" + i };
            string sessionAgent = random.Next(8) == 0 ? "zora_sub_1" : "zora";
            _agent.Session(id, user, row, messages: random.Next(0, 4), channelId: channel, sessionAgentId: sessionAgent);
            DateTime last = row;
            if (random.Next(3) == 0)
            {
                DateTime log = row.AddDays(random.Next(-30, 60));
                if (log > Now.AddDays(-91)) log = Now.AddDays(-91);
                _agent.Log(id, log);
                if (log > last) last = log;
            }
            activity[id] = last;
            bool subAgent = sessionAgent != "zora";
            bool special = user.StartsWith("__", StringComparison.Ordinal);
            kind[id] = (!subAgent && !special, channel, sessionAgent);
        }

        Dictionary<string, EvonicSession> sessions = Sessions();

        string NewestOf(IEnumerable<string> ids) => ids.OrderByDescending(id => activity[id]).ThenBy(id => id, StringComparer.Ordinal).First();
        string newestHuman = NewestOf(kind.Where(k => k.Value.Human).Select(k => k.Key));
        var newestPerChannel = kind.Where(k => k.Value.Channel != null)
            .GroupBy(k => (k.Value.SessionAgent, k.Value.Channel)).Select(g => NewestOf(g.Select(k => k.Key))).ToHashSet();
        foreach ((string id, EvonicSession session) in sessions)
        {
            Assert.Equal(activity[id], session.LastActivity);
            Assert.True(session.IsOld);
            Assert.Equal(id == newestHuman, (session.Protection & SessionProtection.NewestHumanSession) != 0);
            Assert.Equal(newestPerChannel.Contains(id), (session.Protection & SessionProtection.NewestChannelSession) != 0);
        }
        Assert.Equal(80, sessions.Count);
    }

    [Fact]
    public void A_listing_streams_from_one_snapshot_while_the_app_writes()
    {
        for (int i = 0; i < 50; i++) _agent.Session($"zora-{i:D2}", "__system__", Now.AddDays(-200 - i));
        SessionStore store = Store();

        var listed = new List<string>();
        using (IEnumerator<EvonicSession> sessions = store.StreamSessions(store.GetAgents().Single()).GetEnumerator())
        {
            Assert.True(sessions.MoveNext());
            listed.Add(sessions.Current.SessionId);

            // The app goes on writing while the listing is open: WAL lets it, and the listing does not see it.
            using (var chat = InstanceBuilder.Connect(_agent.ChatDatabasePath))
            {
                InstanceBuilder.Exec(chat, "PRAGMA busy_timeout = 0");
                InstanceBuilder.Exec(chat, "DELETE FROM chat_messages WHERE session_id = 'zora-49'");
                InstanceBuilder.Exec(chat, "DELETE FROM chat_sessions WHERE id = 'zora-49'");
                InstanceBuilder.Exec(chat, "INSERT INTO chat_sessions (id, agent_id, external_user_id, updated_at) VALUES ('zora-new', 'zora', '__system__', '2020-01-01 00:00:00')");
            }
            while (sessions.MoveNext()) listed.Add(sessions.Current.SessionId);
        }

        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"zora-{i:D2}"), listed.OrderBy(id => id, StringComparer.Ordinal));
        Assert.Contains("zora-new", store.GetSessions(store.GetAgents().Single()).Select(s => s.SessionId));
    }

    [Fact]
    public void Reading_agents_ahead_keeps_their_order_and_reports_an_unreadable_agent_as_its_own_error()
    {
        _agent.Session("zora-1", "__system__", Now.AddDays(-200));
        _builder.Agent("yuki").Session("yuki-1", "__system__", Now.AddDays(-200));
        _builder.Agent("xena").Session("xena-1", "__system__", Now.AddDays(-200));
        File.Delete(Path.Combine(_builder.DataRoot, "agents", "yuki", "chat.db"));
        SessionStore store = Store();

        List<AgentSessions> read = store.GetSessionsOfEach(store.GetAgents()).ToList();

        Assert.Equal(store.GetAgents().Select(a => a.Id), read.Select(r => r.Agent.Id));
        AgentSessions yuki = read.Single(r => r.Agent.Id == "yuki");
        Assert.Null(yuki.Sessions);
        Assert.Equal(EvonicErrorKind.AgentDatabaseMissing, yuki.Error!.Kind);
        Assert.Equal(new[] { "xena-1" }, read.Single(r => r.Agent.Id == "xena").Sessions!.Select(s => s.SessionId));
        Assert.Equal(new[] { "zora-1" }, read.Single(r => r.Agent.Id == "zora").Sessions!.Select(s => s.SessionId));
    }
}
