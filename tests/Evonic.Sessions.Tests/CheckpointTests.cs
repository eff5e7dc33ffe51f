using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Tests;

/// <summary>
/// The cleanup checkpoints an Evonic database once its commits have grown the WAL by SQLite's own auto-checkpoint
/// threshold, not after every batch: small commits leave their frames in the WAL (the closing truncation takes them),
/// and a WAL that grew is copied into the database. A run's agents share one connection to the main database, whose WAL
/// is truncated once, at the end.
/// </summary>
public sealed class CheckpointTests : SampleInstanceTest
{
    [Fact]
    public void A_small_commit_is_not_checkpointed_and_a_grown_WAL_is()
    {
        EvonicInstance instance = EvonicInstance.Open(Sample.Root);
        string wal = instance.MainDatabasePath + "-wal";
        using MainDatabase main = MainDatabase.Open(instance, writable: true);
        SqliteDatabase.Execute(main.Connection, "CREATE TABLE padding (content BLOB)");
        long databaseBefore = new FileInfo(instance.MainDatabasePath).Length;

        Assert.False(main.CheckpointWhenGrown());
        Assert.True(new FileInfo(wal).Length > 0, "the small commit's frames stay in the WAL");
        Assert.Equal(databaseBefore, new FileInfo(instance.MainDatabasePath).Length);

        long rows = EvonicDatabaseFile.CheckpointGrowthBytes / 4000 + 10;
        SqliteDatabase.Execute(
            main.Connection,
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
                + rows
                + ") "
                + "INSERT INTO padding SELECT randomblob(4000) FROM n"
        );
        Assert.True(main.CheckpointWhenGrown());
        Assert.True(
            new FileInfo(instance.MainDatabasePath).Length >= databaseBefore + EvonicDatabaseFile.CheckpointGrowthBytes,
            "the grown WAL's pages are in the database file"
        );

        // The WAL is rewritten from its start after that checkpoint: another small commit does not grow it.
        SqliteDatabase.Execute(main.Connection, "INSERT INTO padding VALUES (randomblob(10))");
        Assert.False(main.CheckpointWhenGrown());
    }

    private (RecordingHost Host, SessionStore Store) RunCleanup()
    {
        var host = new RecordingHost();
        var store = new SessionStore(EvonicInstance.Open(Sample.Root), CleanupPolicy.FromParameter(90), Now);
        using (var run = new CleanupRun(host, logPath: null, preview: false))
            run.RemoveOld(store, store.GetAgents());
        return (host, store);
    }

    [Fact]
    public void A_run_over_several_agents_leaves_every_WAL_it_wrote_empty()
    {
        var (host, store) = RunCleanup();

        Assert.Empty(host.Errors);
        Assert.True(host.Removed.Select(r => r.Session.AgentId).Distinct().Count() > 1);
        Assert.Equal(0, WalBytes(store.Instance.MainDatabasePath));
        foreach (string agent in host.Removed.Select(r => r.Session.AgentId).Distinct())
            Assert.Equal(0, WalBytes(store.Instance.ChatDatabasePath(agent)!));
    }

    /// <summary>A WAL truncated, or removed by SQLite when its last connection closed: nothing of it on disk.</summary>
    private static long WalBytes(string database) =>
        File.Exists(database + "-wal") ? new FileInfo(database + "-wal").Length : 0;

    [Fact]
    public void A_main_WAL_the_app_keeps_busy_is_reported_once_when_the_run_ends()
    {
        using SqliteConnection app = InstanceBuilder.Connect(Sample.Builder.MainDatabasePath);
        using SqliteCommand scan = app.CreateCommand();
        // The app reads in a long statement begun before the cleanup: the WAL cannot be checkpointed past it.
        scan.CommandText = "SELECT id FROM agents";
        using SqliteDataReader reading = scan.ExecuteReader();
        Assert.True(reading.Read());

        var (host, store) = RunCleanup();

        Assert.Empty(host.Errors);
        Assert.True(host.Removed.Select(r => r.Session.AgentId).Distinct().Count() > 1);
        string busy = Assert.Single(host.Warnings, w => w.Contains("kept the WAL", StringComparison.Ordinal));
        Assert.Contains(store.Instance.MainDatabasePath, busy);
    }
}
