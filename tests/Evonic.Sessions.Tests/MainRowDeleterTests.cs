using Evonic.Sessions.Cleanup;
using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Tests;

/// <summary>
/// The main database's rows of removed sessions, deleted off the removal's thread with a connection of their own: a
/// failure there stops the run with its error, as one on the removal's thread does, and leaves nothing the next run
/// cannot finish; an attachment row that stays keeps its file.
/// </summary>
public sealed class MainRowDeleterTests : TempFolderTest
{
    private const string FullDisk = "SELECT RAISE(ABORT, 'database or disk is full')";

    private (BulkInstance Bulk, SessionStore Store, AgentInfo Agent) OneAgent(int sessions)
    {
        var bulk = BulkInstance.Create(Temp.Combine("bulk"), Now, agents: 1, sessionsPerAgent: sessions, seed: 17);
        var store = new SessionStore(EvonicInstance.Open(bulk.Root), CleanupPolicy.FromParameter(90), Now);
        return (bulk, store, store.GetAgents().Single());
    }

    private static void Exec(BulkInstance bulk, string sql)
    {
        using SqliteConnection main = InstanceBuilder.Connect(bulk.Builder.MainDatabasePath);
        InstanceBuilder.Exec(main, sql);
    }

    private static List<string> Column(string database, string sql)
    {
        using SqliteConnection connection = InstanceBuilder.Connect(database);
        return InstanceBuilder.Query(connection, sql).Select(r => (string)r[0]!).ToList();
    }

    private static string ChatDatabase(BulkInstance bulk, AgentInfo agent) =>
        Path.Combine(bulk.Builder.DataRoot, "agents", agent.Id, "chat.db");

    /// <summary>Index rows whose session has no chat rows left.</summary>
    private static List<string> IndexRowsWithoutSession(BulkInstance bulk, AgentInfo agent)
    {
        var live = Column(ChatDatabase(bulk, agent), "SELECT id FROM chat_sessions").ToHashSet(StringComparer.Ordinal);
        return Column(bulk.Builder.MainDatabasePath, "SELECT session_id FROM session_index")
            .Where(id => !live.Contains(id))
            .ToList();
    }

    /// <summary>Runs the removal to its end or its failure; returns the failure and the results reported.</summary>
    private static (EvonicException? Failure, List<SessionRemovalResult> Results) RemoveAll(
        SessionStore store,
        AgentInfo agent
    )
    {
        var results = new List<SessionRemovalResult>();
        try
        {
            foreach (SessionRemovalResult result in store.Remove(agent, store.GetSessions(agent)))
                results.Add(result);
            return (null, results);
        }
        catch (EvonicException e)
        {
            return (e, results);
        }
    }

    [Fact]
    public void The_index_rows_left_at_an_agents_end_go_once_started_without_waiting_for_Finish()
    {
        // Fewer sessions than a first index transaction takes: adding them starts none.
        var (bulk, store, agent) = OneAgent(60);
        List<EvonicSession> old = store.GetSessions(agent).Where(s => s.IsRemovable).ToList();
        Assert.True(old.Count >= 10, $"{old.Count} old sessions");
        List<EvonicSession> unstarted = old.Take(old.Count / 2).ToList();
        List<EvonicSession> started = old.Skip(old.Count / 2).ToList();
        HashSet<string> Indexed() =>
            Column(bulk.Builder.MainDatabasePath, "SELECT session_id FROM session_index")
                .ToHashSet(StringComparer.Ordinal);
        Assert.All(old, s => Assert.Contains(s.SessionId, Indexed()));

        using (var rows = new MainRowDeleter(store.Instance, null, _ => Now, _ => { }))
            rows.AddIndexRows(unstarted);
        using (var rows = new MainRowDeleter(store.Instance, null, _ => Now, _ => { }))
        {
            rows.AddIndexRows(started);
            rows.StartRest();
        }

        // Disposing waits for the transaction running and starts none: only StartRest deleted rows.
        HashSet<string> left = Indexed();
        Assert.All(unstarted, s => Assert.Contains(s.SessionId, left));
        Assert.All(started, s => Assert.DoesNotContain(s.SessionId, left));
    }

    [Fact]
    public void A_failed_index_transaction_is_left_to_Finish_to_report_not_to_the_start_of_the_rest()
    {
        // A first transaction of 500 rows that fails, and rows left due after it.
        var (bulk, store, agent) = OneAgent(900);
        List<EvonicSession> old = store.GetSessions(agent).Where(s => s.IsRemovable).ToList();
        Assert.True(old.Count > MainRowDeleter.FirstIndexBatch, $"{old.Count} old sessions");
        Exec(bulk, $"CREATE TRIGGER full_disk BEFORE DELETE ON session_index BEGIN {FullDisk}; END");
        using var rows = new MainRowDeleter(store.Instance, null, _ => Now, _ => { });
        rows.AddIndexRows(old);
        Thread.Sleep(1000); // the failing transaction has ended

        // Thrown here, it would stop the removal before the agent's last results were reported.
        rows.StartRest();

        EvonicException failure = Assert.Throws<EvonicException>(rows.Finish);
        Assert.Equal(EvonicErrorKind.DatabaseWriteFailed, failure.Kind);
    }

    [Fact]
    public void A_failed_index_transaction_stops_the_removal_with_its_error_and_the_next_run_deletes_the_rows()
    {
        // More sessions than the first index transaction takes: it fails while chat batches are still to come.
        var (bulk, store, agent) = OneAgent(2500);
        Exec(bulk, $"CREATE TRIGGER full_disk BEFORE DELETE ON session_index BEGIN {FullDisk}; END");

        var (failure, results) = RemoveAll(store, agent);

        Assert.NotNull(failure);
        Assert.Equal(EvonicErrorKind.DatabaseWriteFailed, failure.Kind);
        Assert.Equal(bulk.Builder.MainDatabasePath, failure.Target);
        // Every session reported removed lost its chat rows; their index rows are what the failure left.
        List<string> left = IndexRowsWithoutSession(bulk, agent);
        HashSet<string> removed = results
            .Where(r => r.Status == RemovalStatus.Removed)
            .Select(r => r.SessionId)
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(removed);
        Assert.Subset(left.ToHashSet(StringComparer.Ordinal), removed);

        Exec(bulk, "DROP TRIGGER full_disk");
        var store2 = new SessionStore(EvonicInstance.Open(bulk.Root), CleanupPolicy.FromParameter(90), Now);
        var (again, _) = RemoveAll(store2, agent);

        Assert.Null(again);
        Assert.Empty(IndexRowsWithoutSession(bulk, agent));
        List<string> live = Column(ChatDatabase(bulk, agent), "SELECT id FROM chat_sessions");
        Assert.DoesNotContain(bulk.ExpectedRemoved, live.Contains);
    }

    [Fact]
    public void An_attachment_row_that_cannot_be_deleted_keeps_its_file_and_fails_its_sessions()
    {
        var (bulk, store, agent) = OneAgent(1500);
        List<string> named = Column(bulk.Builder.MainDatabasePath, "SELECT file_path FROM attachments");
        Assert.True(named.Count > 20, $"{named.Count} attachment rows");
        Exec(bulk, $"CREATE TRIGGER full_disk BEFORE DELETE ON attachments BEGIN {FullDisk}; END");
        List<string> sessionsBefore = Column(ChatDatabase(bulk, agent), "SELECT id FROM chat_sessions");

        var (failure, results) = RemoveAll(store, agent);

        Assert.NotNull(failure);
        Assert.Equal(EvonicErrorKind.DatabaseWriteFailed, failure.Kind);
        Assert.Equal(bulk.Builder.MainDatabasePath, failure.Target);
        // Every row still names its file: none was deleted under a row the app may still serve.
        List<string> stillNamed = Column(bulk.Builder.MainDatabasePath, "SELECT file_path FROM attachments");
        Assert.Equal(named.Count, stillNamed.Count);
        Assert.All(stillNamed, p => Assert.True(File.Exists(Path.Combine(bulk.Builder.DataRoot, p)), p));
        // The sessions whose rows stayed are reported failed with that error, not removed.
        SessionRemovalResult[] failed = results.Where(r => r.Status == RemovalStatus.Failed).ToArray();
        Assert.NotEmpty(failed);
        Assert.All(failed, r => Assert.Same(failure, r.Error));
        Assert.DoesNotContain(results, r => r.Status == RemovalStatus.Removed && r.Session.AttachmentRows.Count > 0);
        // Every session whose chat rows went is reported, removed or failed: the batches committed after the failed
        // one, whose files stay, too.
        var live = Column(ChatDatabase(bulk, agent), "SELECT id FROM chat_sessions").ToHashSet(StringComparer.Ordinal);
        var reported = results
            .Where(r => r.Status is RemovalStatus.Removed or RemovalStatus.Failed)
            .Select(r => r.SessionId)
            .ToHashSet(StringComparer.Ordinal);
        List<string> gone = sessionsBefore.Where(id => !live.Contains(id)).ToList();
        Assert.NotEmpty(gone);
        Assert.All(gone, id => Assert.Contains(id, reported));
    }
}
