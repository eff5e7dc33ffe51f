using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Tests;

/// <summary>
/// Free pages go back to the file system: in small incremental steps once a database is INCREMENTAL, by one VACUUM only
/// under the lock budget or when forced, never on a database another process holds in a long read.
/// </summary>
public sealed class OptimizeTests : TempFolderTest
{
    private readonly BulkInstance _bulk;
    private readonly SessionStore _store;

    public OptimizeTests()
    {
        _bulk = BulkInstance.Create(Temp.Combine("bulk"), Now, agents: 1, sessionsPerAgent: 600, seed: 3);
        _store = new SessionStore(EvonicInstance.Open(_bulk.Root), CleanupPolicy.FromParameter(90), Now);
    }

    private AgentInfo Agent => _store.GetAgents().Single();

    private void RemoveOld() =>
        Assert.NotEmpty(_store.Remove(Agent, _store.GetSessions(Agent).Where(s => s.IsRemovable)).ToList());

    [Fact]
    public void A_VACUUM_over_the_lock_budget_is_refused_naming_Force_and_the_estimate()
    {
        RemoveOld();
        DatabaseSpace space = _store.GetSpace(Agent)!;
        Assert.True(space.FreeBytes > 0, "the removal left no free pages");

        SpaceReturned refused = _store.Optimize(
            space,
            TimeSpan.FromTicks(1),
            force: false,
            enableIncrementalVacuum: false
        );

        Assert.Equal(OptimizeMethod.Skipped, refused.Method);
        Assert.Contains("-Force", refused.Reason);
        Assert.Contains("estimated", refused.Reason);
        Assert.Equal(space.FileBytes, new FileInfo(space.Path).Length);
    }

    [Fact]
    public void Forced_VACUUM_returns_the_free_pages_and_can_switch_to_incremental_then_steps_return_the_rest()
    {
        RemoveOld();
        DatabaseSpace space = _store.GetSpace(Agent)!;
        SpaceReturned vacuum = _store.Optimize(
            space,
            TimeSpan.FromSeconds(2),
            force: true,
            enableIncrementalVacuum: true
        );
        Assert.Equal(OptimizeMethod.Vacuum, vacuum.Method);
        Assert.Equal(AutoVacuumMode.Incremental, vacuum.AutoVacuum);
        Assert.True(
            vacuum.BytesReturned >= space.FreeBytes * 0.95,
            $"{vacuum.BytesReturned} returned of {space.FreeBytes} free"
        );
        Assert.Equal(0, _store.GetSpace(Agent)!.FreeBytes);

        // Free pages again (every session's messages go), then the incremental steps give them back.
        using (SqliteConnection chat = InstanceBuilder.Connect(space.Path))
            InstanceBuilder.Exec(chat, "DELETE FROM chat_messages");
        DatabaseSpace freed = _store.GetSpace(Agent)!;
        Assert.True(freed.FreeBytes > 0);
        // Stopped (Ctrl+C) before its first step: nothing returned, and it says so.
        SpaceReturned stopped = _store.Optimize(
            freed,
            TimeSpan.FromSeconds(2),
            force: false,
            enableIncrementalVacuum: false,
            stop: new CancellationToken(canceled: true)
        );
        Assert.Equal(
            (OptimizeMethod.IncrementalVacuum, 0L, "stopped before every free page was returned"),
            (stopped.Method, stopped.BytesReturned, stopped.Reason)
        );
        Assert.Equal(freed.FreeBytes, _store.GetSpace(Agent)!.FreeBytes);
        SpaceReturned steps = _store.Optimize(
            freed,
            TimeSpan.FromSeconds(2),
            force: false,
            enableIncrementalVacuum: false
        );
        Assert.Equal(OptimizeMethod.IncrementalVacuum, steps.Method);
        Assert.Equal(freed.FreeBytes, steps.BytesReturned);
        Assert.Equal(0, _store.GetSpace(Agent)!.FreeBytes);
    }

    [Fact]
    public void A_database_held_in_a_long_read_is_skipped()
    {
        RemoveOld();
        DatabaseSpace space = _store.GetSpace(Agent)!;
        using SqliteConnection writer = InstanceBuilder.Connect(space.Path);
        Assert.Equal("wal", InstanceBuilder.Query(writer, "PRAGMA journal_mode = WAL")[0][0]);
        using SqliteConnection reader = InstanceBuilder.Connect(space.Path);
        // The app reads in a long statement, its snapshot older than the write below: the WAL cannot be reset.
        using SqliteCommand scan = reader.CreateCommand();
        scan.CommandText = "SELECT id FROM chat_sessions";
        using SqliteDataReader reading = scan.ExecuteReader();
        Assert.True(reading.Read());
        InstanceBuilder.Exec(
            writer,
            "INSERT INTO chat_messages (session_id, role, content) VALUES ('someone', 'user', 'hello')"
        );

        SpaceReturned skipped = _store.Optimize(
            space,
            TimeSpan.FromSeconds(2),
            force: true,
            enableIncrementalVacuum: false
        );

        Assert.Equal(OptimizeMethod.Skipped, skipped.Method);
        Assert.Contains("long read", skipped.Reason);
    }
}
