using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Bench;

/// <summary>
/// Issue 14's space figures, on copies of one instance: the bytes on disk before a cleanup, after it, and after
/// Optimize-EvonicSessionStore -EnableIncrementalVacuum (first within its lock budget, then -Force for what it
/// refused), each step timed; against them, what a plain VACUUM of every database of the stopped instance returns.
/// Then a second, later cleanup with -Optimize on the now incremental databases.
/// </summary>
public static class SpaceBenchmark
{
    public static int Run(string pristine)
    {
        var report = new BenchReport(pristine, ".space");
        BenchInstance.Manifest manifest = report.Manifest;
        string work = report.Work;
        void Say(string line) => report.Say(line);
        Say(
            $"instance: {manifest.Sessions} sessions, {manifest.Messages} messages, {manifest.Agents} agents; "
                + $"removable at 90 days: {manifest.Removable} sessions"
        );

        string live = Benchmark.Copy(pristine, Path.Combine(work, "live"));
        Disk before = Disk.Measure(live);
        Say($"0. before the cleanup: {before}");

        Benchmark.Measured cleanup = Benchmark.Host(
            live,
            $@"$sw = [Diagnostics.Stopwatch]::StartNew()
Remove-EvonicOldSession -Path '{live}' -MaxAgeDays 90 -Force -InformationVariable info
""SECONDS $($sw.Elapsed.TotalSeconds)""; ""$($info[-1].MessageData)"""
        );
        Disk afterCleanup = Disk.Measure(live);
        Say($"1. Remove-EvonicOldSession -MaxAgeDays 90 -Force: {cleanup.Seconds:0.0} s; after: {afterCleanup}");
        Say($"   {cleanup.Closing}");

        // The reference: the same cleaned instance, stopped, every database vacuumed by SQLite itself.
        string stopped = Benchmark.Copy(live, Path.Combine(work, "stopped"));

        // Within the lock budget first (what a run beside a live Evonic would do), then -Force for what it refused.
        Benchmark.Measured budget = Benchmark.Host(
            live,
            $@"$sw = [Diagnostics.Stopwatch]::StartNew()
$r = Optimize-EvonicSessionStore -Path '{live}' -EnableIncrementalVacuum -Confirm:$false -WarningAction SilentlyContinue
""SECONDS $($sw.Elapsed.TotalSeconds)""
$r | ForEach-Object {{
    $estimate = $_.Reason -replace '.*about ([\d.]+) s.*', '$1'
    ""DB $($_.Method) $($_.LongestLockMilliseconds) $($_.BytesReturned) $estimate""
}}"
        );
        Disk afterBudget = Disk.Measure(live);
        List<double> refused = Field(budget, "DB Skipped ", 4);
        List<double> vacuumed = Field(budget, "DB Vacuum ", 2);
        Say(
            $"2a. Optimize-EvonicSessionStore -EnableIncrementalVacuum (lock budget 2 s): {budget.Seconds:0.0} s; "
                + $"{vacuumed.Count} database(s) vacuumed"
                + (vacuumed.Count > 0 ? $" (longest VACUUM {vacuumed.Max():0} ms)" : "")
                + $", {refused.Count} refused"
                + (refused.Count > 0 ? $" (estimates {refused.Min():0.0}-{refused.Max():0.0} s)" : "")
                + $"; after: {afterBudget}"
        );

        Benchmark.Measured forced = Benchmark.Host(
            live,
            $@"$sw = [Diagnostics.Stopwatch]::StartNew()
$r = Optimize-EvonicSessionStore -Path '{live}' -EnableIncrementalVacuum -Force -Confirm:$false
""SECONDS $($sw.Elapsed.TotalSeconds)""
$r | ForEach-Object {{ ""DB $($_.Method) $($_.LongestLockMilliseconds) $($_.BytesReturned)"" }}"
        );
        Disk afterOptimize = Disk.Measure(live);
        List<double> forcedVacuums = Field(forced, "DB Vacuum ", 2);
        Say(
            $"2b. the same with -Force (Evonic stopped): {forced.Seconds:0.0} s; {forcedVacuums.Count} database(s) "
                + $"vacuumed"
                + (
                    forcedVacuums.Count > 0
                        ? $" ({forcedVacuums.Min():0}-{forcedVacuums.Max():0} ms each, measured against the "
                            + $"estimates above)"
                        : ""
                )
                + $"; after: {afterOptimize}"
        );

        var clock = Stopwatch.StartNew();
        foreach (DatabaseSpace database in Disk.Databases(stopped))
            Sqlite3(database.Path, "PRAGMA journal_mode; VACUUM; PRAGMA wal_checkpoint(TRUNCATE);");
        double vacuumSeconds = clock.Elapsed.TotalSeconds;
        Disk afterVacuum = Disk.Measure(stopped);
        Say(
            $"3. reference: sqlite3 VACUUM of every database of the stopped instance: {vacuumSeconds:0.0} s; after: "
                + $"{afterVacuum}"
        );

        long byOptimize = afterCleanup.DatabaseBytes - afterOptimize.DatabaseBytes,
            byVacuum = afterCleanup.DatabaseBytes - afterVacuum.DatabaseBytes;
        Say(
            $"share of database space returned: Optimize {byOptimize / (double)afterCleanup.DatabaseBytes:P1} "
                + $"({Mb(byOptimize)}), VACUUM {byVacuum / (double)afterCleanup.DatabaseBytes:P1} ({Mb(byVacuum)}); "
                + $"Optimize/VACUUM = {byOptimize / (double)byVacuum:0.000} (target within 5 %)"
        );

        // A later cleanup on the incremental databases: -Optimize gives back what it frees, in small steps.
        Benchmark.Measured later = Benchmark.Host(
            live,
            $@"$sw = [Diagnostics.Stopwatch]::StartNew()
Remove-EvonicOldSession -Path '{live}' -MaxAgeDays 30 -Force -Optimize -InformationVariable info
""SECONDS $($sw.Elapsed.TotalSeconds)""; ""$($info[-1].MessageData)"""
        );
        Disk afterLater = Disk.Measure(live);
        Say(
            $"4. Remove-EvonicOldSession -MaxAgeDays 30 -Force -Optimize (incremental databases): "
                + $"{later.Seconds:0.0} s; longest write transaction {later.LongestWriteMs} ms; after: {afterLater}"
        );
        Say($"   {later.Closing}");

        report.Save($"{manifest.Sessions}-sessions-space");
        return 0;
    }

    /// <summary>Field <paramref name="index"/> (space-separated) of each line the run printed that starts with
    /// <paramref name="prefix"/>, as a number.</summary>
    private static List<double> Field(Benchmark.Measured run, string prefix, int index) =>
        run
            .Lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ')[index], CultureInfo.InvariantCulture))
            .ToList();

    private static string Mb(long bytes) => $"{bytes / 1048576.0:0.0} MB";

    private static void Sqlite3(string database, string sql)
    {
        var start = new ProcessStartInfo("sqlite3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(database);
        start.ArgumentList.Add(sql);
        using Process process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"sqlite3 {database} failed: {error}");
    }

    /// <summary>What an instance takes on disk: its databases (with WAL), and everything (logs, attachments, ...) as du
    /// counts it.</summary>
    private sealed record Disk(long DatabaseBytes, long FreeBytes, long TotalBytes)
    {
        /// <summary>Every chat.db, the main database and the archive, as Get-EvonicSessionStore measures
        /// them.</summary>
        public static List<DatabaseSpace> Databases(string root)
        {
            var store = new SessionStore(EvonicInstance.Open(root));
            return store
                .GetAgents()
                .Select(a => store.GetSpace(a, withFiles: false))
                .OfType<DatabaseSpace>()
                .Concat(store.GetSharedSpace())
                .ToList();
        }

        public static Disk Measure(string root)
        {
            List<DatabaseSpace> databases = Databases(root);
            return new Disk(
                databases.Sum(d => d.FileBytes + d.WalBytes),
                databases.Sum(d => d.FreeBytes),
                DiskUsage(root)
            );
        }

        /// <summary>Bytes allocated on disk under <paramref name="root"/> (du -s -B1), as an admin's df would see them
        /// go.</summary>
        private static long DiskUsage(string root)
        {
            var start = new ProcessStartInfo("du") { RedirectStandardOutput = true };
            start.ArgumentList.Add("-s");
            start.ArgumentList.Add("-B1");
            start.ArgumentList.Add(root);
            using Process du = Process.Start(start)!;
            string output = du.StandardOutput.ReadToEnd();
            du.WaitForExit();
            return long.Parse(Regex.Match(output, @"^\d+").Value, CultureInfo.InvariantCulture);
        }

        public override string ToString() =>
            $"databases {DatabaseBytes / 1048576.0:0.0} MB ({FreeBytes / 1048576.0:0.0} MB of it free pages), "
            + $"instance on disk {TotalBytes / 1048576.0:0.0} MB";
    }
}
