using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Tests;

/// <summary>
/// The main database's <c>session_index</c> rows of removed sessions, deleted after the chat rows: all of them, also
/// when the caller stops early, and never the row Evonic writes for a session created again under the same id.
/// </summary>
public sealed class SessionIndexTests : TempFolderTest
{
    private (BulkInstance Bulk, SessionStore Store, AgentInfo Agent) OneAgent(int sessions)
    {
        var bulk = BulkInstance.Create(Temp.Combine("bulk"), Now, agents: 1, sessionsPerAgent: sessions, seed: 11);
        var store = new SessionStore(EvonicInstance.Open(bulk.Root), CleanupPolicy.FromParameter(90), Now);
        return (bulk, store, store.GetAgents().Single());
    }

    private static HashSet<string> Column(string database, string sql)
    {
        using SqliteConnection connection = InstanceBuilder.Connect(database);
        return InstanceBuilder.Query(connection, sql).Select(r => (string)r[0]!).ToHashSet(StringComparer.Ordinal);
    }

    private static string MainDatabase(BulkInstance bulk) => Path.Combine(bulk.Root, "shared", "db", "evonic.db");

    private static string ChatDatabase(BulkInstance bulk, AgentInfo agent) =>
        Path.Combine(bulk.Root, "agents", agent.Id, "chat.db");

    /// <summary>Index rows whose session has no chat rows left.</summary>
    private static List<string> IndexRowsWithoutSession(BulkInstance bulk, AgentInfo agent)
    {
        HashSet<string> live = Column(ChatDatabase(bulk, agent), "SELECT id FROM chat_sessions");
        return Column(MainDatabase(bulk), "SELECT session_id FROM session_index")
            .Where(id => !live.Contains(id))
            .ToList();
    }

    [Fact]
    public void The_index_row_Evonic_writes_for_a_session_created_again_under_the_same_id_stays()
    {
        var (bulk, store, agent) = OneAgent(600);
        List<EvonicSession> removable = store.GetSessions(agent).Where(s => s.IsRemovable).ToList();
        Assert.True(removable.Count > 100, $"{removable.Count} removable sessions");
        // The user wrote again under the slug of a session listed as old: Evonic created the session again, and
        // _sync_session_index wrote its row (INSERT OR REPLACE) with the new session's updated_at. Its chat rows are
        // still the old ones here, so that the chat batch removes them: what the race leaves for the index delete.
        string again = removable[removable.Count / 2].SessionId;
        using (SqliteConnection main = InstanceBuilder.Connect(MainDatabase(bulk)))
            InstanceBuilder.Exec(
                main,
                "UPDATE session_index SET updated_at = $now WHERE session_id = $id",
                ("$now", InstanceBuilder.Timestamp(Now.AddMinutes(-1))),
                ("$id", again)
            );

        List<SessionRemovalResult> results = store.Remove(agent, removable).ToList();

        Assert.Equal(removable.Count, results.Count(r => r.Status == RemovalStatus.Removed));
        HashSet<string> indexed = Column(MainDatabase(bulk), "SELECT session_id FROM session_index");
        Assert.Contains(again, indexed);
        // Every other removed session's row is gone: the guard keeps nothing else.
        Assert.Equal(new[] { again }, removable.Select(s => s.SessionId).Where(indexed.Contains));
    }

    [Fact]
    public void A_removal_stopped_early_still_deletes_the_index_rows_of_every_session_it_removed()
    {
        // Several chat batches before the first result (results come a batch late), fewer sessions than the first
        // index transaction takes: the index rows are all still due when the caller stops.
        var (bulk, store, agent) = OneAgent(2500);
        Assert.Empty(IndexRowsWithoutSession(bulk, agent));

        foreach (SessionRemovalResult result in store.Remove(agent, store.GetSessions(agent).Where(s => s.IsRemovable)))
        {
            Assert.Equal(RemovalStatus.Removed, result.Status);
            break;
        }

        HashSet<string> live = Column(ChatDatabase(bulk, agent), "SELECT id FROM chat_sessions");
        Assert.True(live.Count < 2500 - 200, $"{2500 - live.Count} sessions removed before the stop");
        Assert.Empty(IndexRowsWithoutSession(bulk, agent));
    }
}
