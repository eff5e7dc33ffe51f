using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Storage;

/// <summary>
/// Gives a database's free pages back to the file system without making Evonic's writers fail. In
/// <c>auto_vacuum = INCREMENTAL</c>: <c>PRAGMA incremental_vacuum(N)</c> in steps sized, like the removal's batches, to
/// hold the write lock about 50 ms each. Otherwise one <c>VACUUM</c>, which holds the write lock for its whole
/// duration: only when its estimate is under the lock budget, or when forced ("stop Evonic first");
/// <c>enableIncremental</c> switches the database to INCREMENTAL in that one VACUUM. A database another process reads
/// in a long transaction (its WAL cannot be checkpointed in 100 ms) is skipped. Only a VACUUM clears what SQLite's
/// page rebalancing leaves of removed rows in unused page space: asked for with <c>vacuum</c>.
/// </summary>
internal static class SpaceOptimizer
{
    internal static readonly TimeSpan TargetStep = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// What a VACUUM would take: it reads every page and writes every page twice (the new copy, then through the WAL
    /// back into the file), so three times a measured read of the whole file, at the least.
    /// </summary>
    public static TimeSpan EstimateVacuum(string path)
    {
        var clock = Stopwatch.StartNew();
        var buffer = new byte[1 << 20];
        using (
            var stream = new FileStream(
                path,
                FileMode.Open,
                FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete,
                1 << 16,
                FileOptions.SequentialScan
            )
        )
            while (stream.Read(buffer, 0, buffer.Length) > 0) { }
        return TimeSpan.FromTicks(clock.Elapsed.Ticks * 3);
    }

    /// <summary>
    /// Only the incremental part, as a cleanup's -Optimize runs it: never a VACUUM, whatever its estimate, so a
    /// database not in <c>auto_vacuum = INCREMENTAL</c> is skipped and says how to switch it.
    /// </summary>
    public static SpaceReturned OptimizeIncrementally(DatabaseSpace space, CancellationToken stop) =>
        space.AutoVacuum == AutoVacuumMode.Incremental
            ? Optimize(space, TimeSpan.Zero, force: false, enableIncremental: false, vacuum: false, stop)
            : Skip(Unchanged(space), NotIncremental);

    internal const string NotIncremental =
        "it is not in auto_vacuum = INCREMENTAL, so only a VACUUM can return its free pages: run "
        + "Optimize-EvonicSessionStore -EnableIncrementalVacuum once (with Evonic stopped and -Force when the "
        + "VACUUM is over the lock budget)";

    /// <param name="space">The database, as measured.</param>
    /// <param name="lockBudget">The longest a VACUUM may hold the write lock, by its estimate.</param>
    /// <param name="force">A VACUUM over the budget too ("stop Evonic first").</param>
    /// <param name="enableIncremental">Switch to <c>auto_vacuum = INCREMENTAL</c> in that VACUUM.</param>
    /// <param name="vacuum">
    /// A VACUUM also where incremental steps would do: it writes every page anew, which also clears the copies of rows
    /// that SQLite's page rebalancing leaves in the unused space of pages (secure_delete zeroes a row only where it is
    /// when deleted; incremental steps move pages whole).
    /// </param>
    /// <param name="stop">Ends the incremental steps between two steps (Ctrl+C); a VACUUM, once started, runs to its
    /// end.</param>
    public static SpaceReturned Optimize(
        DatabaseSpace space,
        TimeSpan lockBudget,
        bool force,
        bool enableIncremental,
        bool vacuum,
        CancellationToken stop = default
    )
    {
        SpaceReturned result = Unchanged(space);
        bool incremental = space.AutoVacuum == AutoVacuumMode.Incremental && !vacuum;
        using SqliteConnection connection = SqliteDatabase.Open(space.Path, writable: true, space.InstanceRoot);
        try
        {
            if (!SqliteDatabase.TryTruncateWal(connection))
                return Skip(
                    result,
                    "another process holds it in a long read or write (its WAL could not be checkpointed in 100 ms)"
                );
            if (incremental)
                IncrementalVacuum(connection, result, stop);
            else
            {
                TimeSpan estimate = EstimateVacuum(space.Path);
                if (estimate > lockBudget && !force)
                    return Skip(
                        result,
                        string.Format(
                            CultureInfo.InvariantCulture,
                            "a VACUUM would hold its write lock about {0:0.0} s (estimated), over the budget of "
                                + "{1:0.0} s (-MaxLockSeconds); stop Evonic first and use -Force",
                            estimate.TotalSeconds,
                            lockBudget.TotalSeconds
                        )
                    );
                var clock = Stopwatch.StartNew();
                if (enableIncremental)
                    SqliteDatabase.Execute(connection, "PRAGMA auto_vacuum = INCREMENTAL;");
                SqliteDatabase.Execute(connection, "VACUUM;");
                result.LongestLockMilliseconds = clock.Elapsed.TotalMilliseconds;
                result.Method = OptimizeMethod.Vacuum;
            }
            SqliteDatabase.TryTruncateWal(connection);
            result.AutoVacuum = SpaceReader.AutoVacuum(connection);
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, space.Path);
        }
        result.BytesAfter = new FileInfo(space.Path).Length;
        return result;
    }

    private static void IncrementalVacuum(SqliteConnection connection, SpaceReturned result, CancellationToken stop)
    {
        long pages = 64;
        while (SqliteDatabase.Pragma(connection, "freelist_count") > 0)
        {
            if (stop.IsCancellationRequested)
            {
                result.Reason = "stopped before every free page was returned";
                break;
            }
            var clock = Stopwatch.StartNew();
            // Each call is its own short write transaction: the app's writers wait at most one step.
            SqliteDatabase.Execute(connection, $"PRAGMA incremental_vacuum({pages});");
            TimeSpan took = clock.Elapsed;
            result.LongestLockMilliseconds = Math.Max(result.LongestLockMilliseconds, took.TotalMilliseconds);
            pages = (long)
                Math.Max(
                    16,
                    Math.Min(pages * 2.0, pages * TargetStep.TotalMilliseconds / Math.Max(1, took.TotalMilliseconds))
                );
            SqliteDatabase.Checkpoint(connection);
        }
        result.Method = OptimizeMethod.IncrementalVacuum;
    }

    private static SpaceReturned Unchanged(DatabaseSpace space) =>
        new()
        {
            InstanceRoot = space.InstanceRoot,
            Database = space.Database,
            AgentId = space.AgentId,
            Path = space.Path,
            BytesBefore = space.FileBytes,
            BytesAfter = space.FileBytes,
            AutoVacuum = space.AutoVacuum,
        };

    private static SpaceReturned Skip(SpaceReturned result, string reason)
    {
        result.Method = OptimizeMethod.Skipped;
        result.Reason = reason;
        return result;
    }
}
