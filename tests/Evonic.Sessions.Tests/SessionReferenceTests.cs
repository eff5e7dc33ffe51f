using Evonic.Sessions.Cleanup;
using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Tests;

/// <summary>
/// Tables that name sessions: a table the module does not know keeps the sessions it names (UnknownTable, one warning
/// per table), a live escalation of timothybrush/evonic's <c>user_escalations</c> keeps the sessions it routes through
/// (PendingEscalation), and the tables Evonic itself creates are handled by name (memories outlive their session).
/// Each was removed by the code before (the seen case: a plugin's <c>message_feedback</c> kept the text of removed
/// sessions).
/// </summary>
public sealed class SessionReferenceTests : SampleInstanceTest
{
    private string ChatDb(string agent) => Path.Combine(Sample.Builder.DataRoot, "agents", agent, "chat.db");

    private SessionStore Store() => new(EvonicInstance.Open(Sample.Root), CleanupPolicy.FromParameter(90), Now);

    private static EvonicSession Listed(SessionStore store, string agent, string id) =>
        store.GetSessions(store.GetAgents().Single(a => a.Id == agent)).Single(s => s.SessionId == id);

    private static SessionRemovalResult Remove(SessionStore store, string agent, string id)
    {
        AgentInfo info = store.GetAgents().Single(a => a.Id == agent);
        return store.Remove(info, store.GetSessions(info).Where(s => s.SessionId == id)).Single();
    }

    [Fact]
    public void A_plugin_table_in_chat_db_keeps_the_sessions_it_names_with_one_warning_per_table()
    {
        using (SqliteConnection chat = InstanceBuilder.Connect(ChatDb("siwa")))
        {
            InstanceBuilder.Exec(
                chat,
                "CREATE TABLE message_feedback (id INTEGER PRIMARY KEY, session_id TEXT, message_id INTEGER, note TEXT)"
            );
            InstanceBuilder.Exec(
                chat,
                "INSERT INTO message_feedback (session_id, message_id, note) VALUES ('siwa-7b2c', 1, 'helpful')"
            );
        }
        using (SqliteConnection chat = InstanceBuilder.Connect(ChatDb("nova")))
            InstanceBuilder.Exec(
                chat,
                "CREATE TABLE message_feedback (id INTEGER PRIMARY KEY, session_id TEXT, message_id INTEGER, note TEXT)"
            );
        SessionStore store = Store();

        var sessions = store.GetAgents().SelectMany(store.GetSessions).ToList();

        EvonicSession named = sessions.Single(s => s.SessionId == "siwa-7b2c");
        Assert.True(named.IsOld);
        Assert.Equal(SessionProtection.UnknownTable, named.Protection);
        string warning = Assert.Single(store.TakeUnknownTableWarnings());
        Assert.Contains("'message_feedback'", warning);
        Assert.Empty(store.TakeUnknownTableWarnings());
        // Every other session is judged as before.
        Assert.Equal(
            Sample.ExpectedRemoved.Where(k => k != "siwa/siwa-7b2c"),
            sessions
                .Where(s => s.IsRemovable)
                .Select(s => $"{s.AgentId}/{s.SessionId}")
                .OrderBy(k => k, StringComparer.Ordinal)
        );
    }

    [Fact]
    public void A_row_an_unknown_table_gains_after_listing_keeps_the_session_inside_the_deleting_transaction()
    {
        using (SqliteConnection chat = InstanceBuilder.Connect(ChatDb("siwa")))
            InstanceBuilder.Exec(
                chat,
                "CREATE TABLE message_feedback (id INTEGER PRIMARY KEY, session_id TEXT, note TEXT)"
            );
        SessionStore store = Store();
        AgentInfo siwa = store.GetAgents().Single(a => a.Id == "siwa");
        List<EvonicSession> listed = store.GetSessions(siwa).Where(s => s.SessionId == "siwa-7b2c").ToList();
        Assert.True(Assert.Single(listed).IsRemovable);
        using (SqliteConnection chat = InstanceBuilder.Connect(ChatDb("siwa")))
            InstanceBuilder.Exec(
                chat,
                "INSERT INTO message_feedback (session_id, note) VALUES ('siwa-7b2c', 'written meanwhile')"
            );

        SessionRemovalResult result = store.Remove(siwa, listed).Single();

        Assert.Equal(RemovalStatus.KeptProtected, result.Status);
        using SqliteConnection after = InstanceBuilder.Connect(ChatDb("siwa"));
        Assert.Equal(
            1L,
            InstanceBuilder.Query(after, "SELECT COUNT(*) FROM chat_sessions WHERE id = 'siwa-7b2c'")[0][0]
        );
    }

    [Theory]
    [InlineData("session_id")]
    [InlineData("origin_session_id")]
    public void A_main_database_table_the_module_does_not_know_keeps_the_sessions_it_names(string column)
    {
        using (SqliteConnection main = InstanceBuilder.Connect(Sample.Builder.MainDatabasePath))
        {
            InstanceBuilder.Exec(main, $"CREATE TABLE plugin_notes (id INTEGER PRIMARY KEY, {column} TEXT, note TEXT)");
            InstanceBuilder.Exec(main, $"INSERT INTO plugin_notes ({column}, note) VALUES ('nova-2', 'x')");
        }
        SessionStore store = Store();

        Assert.Equal(SessionProtection.UnknownTable, Listed(store, "nova", "nova-2").Protection);
        Assert.Contains(store.TakeUnknownTableWarnings(), w => w.Contains("'plugin_notes'"));
        Assert.Equal(RemovalStatus.KeptProtected, Remove(store, "nova", "nova-2").Status);
    }

    [Fact]
    public void A_memory_outlives_its_session_by_Evonic_design_and_keeps_nothing()
    {
        using (SqliteConnection chat = InstanceBuilder.Connect(ChatDb("siwa")))
        {
            if (InstanceBuilder.Query(chat, "SELECT name FROM sqlite_master WHERE name = 'memories'").Count == 0)
                InstanceBuilder.Exec(
                    chat,
                    "CREATE TABLE memories (id INTEGER PRIMARY KEY AUTOINCREMENT, content TEXT NOT NULL, "
                        + "source_session_id TEXT)"
                );
            InstanceBuilder.Exec(
                chat,
                "INSERT INTO memories (content, source_session_id) VALUES ('likes tea', 'siwa-7b2c')"
            );
        }
        SessionStore store = Store();

        Assert.Equal(RemovalStatus.Removed, Remove(store, "siwa", "siwa-7b2c").Status);
        Assert.Empty(store.TakeUnknownTableWarnings());
        using SqliteConnection after = InstanceBuilder.Connect(ChatDb("siwa"));
        Assert.Equal(
            1L,
            InstanceBuilder.Query(
                after,
                "SELECT COUNT(*) FROM memories WHERE content = 'likes tea' AND source_session_id = 'siwa-7b2c'"
            )[0][0]
        );
    }

    /// <summary>timothybrush/evonic <c>models/schema.py</c>: the table as that fork creates it.</summary>
    private void AddEscalation(
        string status,
        double expiresInSeconds,
        string requesting,
        string originating,
        string delivery
    )
    {
        using SqliteConnection main = InstanceBuilder.Connect(Sample.Builder.MainDatabasePath);
        InstanceBuilder.Exec(
            main,
            @"CREATE TABLE IF NOT EXISTS user_escalations (
                    id TEXT PRIMARY KEY, requesting_agent_id TEXT NOT NULL, requesting_session_id TEXT NOT NULL,
                    originating_agent_id TEXT NOT NULL, originating_session_id TEXT NOT NULL, delivery_session_id TEXT
                    NOT NULL,
                    external_user_id TEXT NOT NULL, channel_id TEXT, status TEXT NOT NULL DEFAULT 'pending', metadata
                    TEXT DEFAULT '{}',
                    created_at REAL NOT NULL, updated_at REAL NOT NULL, expires_at REAL NOT NULL, answered_at REAL)"
        );
        double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        InstanceBuilder.Exec(
            main,
            @"INSERT INTO user_escalations (id, requesting_agent_id, requesting_session_id, originating_agent_id,
                originating_session_id, delivery_session_id, external_user_id, status, created_at, updated_at,
                expires_at)
            VALUES (lower(hex(randomblob(8))), 'siwa', $r, 'nova', $o, $d, 'kim', $s, $now, $now, $e)",
            ("$r", requesting),
            ("$o", originating),
            ("$d", delivery),
            ("$s", status),
            ("$now", now),
            ("$e", now + expiresInSeconds)
        );
    }

    [Theory]
    [InlineData("pending")]
    [InlineData("delivering")]
    public void A_live_escalation_keeps_each_session_it_routes_through(string status)
    {
        AddEscalation(status, 3600, requesting: "siwa-7b2c", originating: "nova-2", delivery: "nova-4");
        SessionStore store = Store();

        Assert.Equal(SessionProtection.PendingEscalation, Listed(store, "siwa", "siwa-7b2c").Protection);
        Assert.Equal(SessionProtection.PendingEscalation, Listed(store, "nova", "nova-2").Protection);
        Assert.Equal(SessionProtection.PendingEscalation, Listed(store, "nova", "nova-4").Protection);
        Assert.Equal(RemovalStatus.KeptProtected, Remove(store, "nova", "nova-2").Status);
        Assert.Empty(store.TakeUnknownTableWarnings());
    }

    [Theory]
    [InlineData("pending", -60)]
    [InlineData("answered", 3600)]
    [InlineData("cancelled", 3600)]
    [InlineData("expired", 3600)]
    public void An_escalation_that_can_no_longer_route_a_reply_keeps_nothing(string status, double expiresInSeconds)
    {
        AddEscalation(status, expiresInSeconds, requesting: "siwa-7b2c", originating: "nova-2", delivery: "nova-4");
        SessionStore store = Store();

        Assert.True(Listed(store, "nova", "nova-2").IsRemovable);
        Assert.Equal(RemovalStatus.Removed, Remove(store, "nova", "nova-2").Status);
    }

    [Fact]
    public void An_escalation_created_after_listing_keeps_the_session_inside_the_deleting_batch()
    {
        SessionStore store = Store();
        AgentInfo nova = store.GetAgents().Single(a => a.Id == "nova");
        List<EvonicSession> listed = store.GetSessions(nova).Where(s => s.SessionId == "nova-2").ToList();
        AddEscalation("pending", 3600, requesting: "siwa-3f1a", originating: "nova-2", delivery: "nova-1");

        Assert.Equal(RemovalStatus.KeptProtected, store.Remove(nova, listed).Single().Status);
    }

    [Fact]
    public void A_tool_call_waiting_for_approval_is_a_turn_in_progress()
    {
        using (SqliteConnection main = InstanceBuilder.Connect(Sample.Builder.MainDatabasePath))
        {
            // timothybrush/evonic models/schema.py
            InstanceBuilder.Exec(
                main,
                @"CREATE TABLE pending_tool_approvals (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, agent_id TEXT
                NOT NULL,
                tool_name TEXT NOT NULL, tool_args TEXT NOT NULL DEFAULT '{}', approval_info TEXT NOT NULL DEFAULT
                '{}', reasons TEXT NOT NULL DEFAULT '[]',
                score INTEGER, source_agent_id TEXT, source_agent_name TEXT, created_at TIMESTAMP DEFAULT
                CURRENT_TIMESTAMP)"
            );
            InstanceBuilder.Exec(
                main,
                "INSERT INTO pending_tool_approvals (id, session_id, agent_id, tool_name) VALUES ('a1', 'nova-2', "
                    + "'nova', 'bash')"
            );
        }
        SessionStore store = Store();

        Assert.Equal(SessionProtection.TurnInProgress, Listed(store, "nova", "nova-2").Protection);
        Assert.Empty(store.TakeUnknownTableWarnings());
        Assert.Equal(RemovalStatus.KeptProtected, Remove(store, "nova", "nova-2").Status);
    }

    [Theory]
    [InlineData("no")]
    [InlineData("OFF")]
    [InlineData(" disabled ")]
    [InlineData("false")]
    [InlineData("0")]
    public void A_bot_enabled_that_either_Evonic_release_reads_as_false_is_a_takeover(string value)
    {
        using (SqliteConnection chat = InstanceBuilder.Connect(ChatDb("nova")))
            InstanceBuilder.Exec(chat, "UPDATE chat_sessions SET bot_enabled = $v WHERE id = 'nova-2'", ("$v", value));

        Assert.Equal(SessionProtection.HumanTakeover, Listed(Store(), "nova", "nova-2").Protection);
    }
}
