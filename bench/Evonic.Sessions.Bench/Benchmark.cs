using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Evonic.Sessions.Bench;

/// <summary>
/// Times, in one run and on copies of one instance: SQLite's floor (the sqlite3 CLI running the minimal DELETEs per
/// agent, then rm of the same files), Remove-EvonicOldSession in the engine, -WhatIf, and a naive per-session loop;
/// plus Get-EvonicOldSession's time to its first object and the peak memory (RSS) of each cmdlet run. With
/// <c>busy</c>, two CPU-bound processes run through the rounds (not the listing, -WhatIf or the naive loop), as
/// <c>sizes --busy</c> runs them.
/// </summary>
public static class Benchmark
{
    public static int Run(string pristine, int naiveSeconds, int rounds, bool archive = false, bool busy = false)
    {
        var report = new BenchReport(pristine, ".work");
        BenchInstance.Manifest manifest = report.Manifest;
        string work = report.Work;
        void Say(string line) => report.Say(line);
        Say(
            $"instance: {manifest.Sessions} sessions, {manifest.Messages} messages, {manifest.Agents} agents, "
                + $"{manifest.Logs} logs, {manifest.Attachments} attachments; removable at 90 days: "
                + $"{manifest.Removable} sessions, {manifest.RemovableMessages} messages"
        );

        // The set every method removes: what Get-EvonicOldSession lists (read-only, on the pristine instance).
        string set = Path.Combine(work, "removable.tsv");
        Settle();
        Measured listing = Host(
            pristine,
            $@"$w = [IO.StreamWriter]::new('{set}'); $first = $null; $n = 0; $sw = [Diagnostics.Stopwatch]::StartNew()
Get-EvonicOldSession -Path '{pristine}' -MaxAgeDays 90 | ForEach-Object {{
    if ($null -eq $first) {{ $first = $sw.Elapsed.TotalSeconds }}
    $n++; $w.WriteLine($_.AgentId + ""`t"" + $_.SessionId + ""`t"" + $_.JsonlPath)
}}
$w.Close(); ""FIRST $first""; ""SECONDS $($sw.Elapsed.TotalSeconds)""; ""COUNT $n"""
        );
        Say(
            $"Get-EvonicOldSession: {listing.Count} sessions listed in {listing.Seconds:0.0} s; first object after "
                + $"{listing.First:0.000} s; peak RSS {listing.RssMb} MB"
        );
        if (listing.Count != manifest.Removable)
            throw new InvalidOperationException(
                $"Get-EvonicOldSession listed {listing.Count}, the generator expects {manifest.Removable}."
            );

        // Rounds alternate the methods on fresh copies, each started on a quiet disk; the best time of each counts,
        // as the one least disturbed by the disk's own background work.
        double floor = double.MaxValue,
            parallelFloor = double.MaxValue;
        Measured? cmdlet = null,
            archived = null;
        if (busy)
            Say("rounds with the machine busy: 2 CPU-bound processes");
        CpuLoad? load = busy ? CpuLoad.Start(2) : null;
        for (int round = 1; round <= rounds; round++)
        {
            string floorCopy = Copy(pristine, Path.Combine(work, $"floor-{round}"));
            (double floorSql, double floorFiles) = Floor.Run(pristine, floorCopy, set, work);
            floor = Math.Min(floor, floorSql + floorFiles);
            Say(
                $"round {round}: 1. floor (sqlite3 CLI + rm): {floorSql + floorFiles:0.0} s ({floorSql:0.0} s "
                    + $"sqlite3, {floorFiles:0.0} s rm)"
            );

            // For reference: the same floor with 4 rm processes at once, as the cmdlet deletes up to 4 files at once.
            string parallelCopy = Copy(pristine, Path.Combine(work, $"floor-parallel-{round}"));
            (double parallelSql, double parallelFiles) = Floor.Run(pristine, parallelCopy, set, work, parallelRm: 4);
            parallelFloor = Math.Min(parallelFloor, parallelSql + parallelFiles);
            Say(
                $"round {round}:    floor with 4 rm at once (xargs -P 4): {parallelSql + parallelFiles:0.0} s "
                    + $"({parallelSql:0.0} s sqlite3, {parallelFiles:0.0} s rm)"
            );

            string cmdletCopy = Copy(pristine, Path.Combine(work, $"cmdlet-{round}"));
            Measured run = Host(
                cmdletCopy,
                $@"$sw = [Diagnostics.Stopwatch]::StartNew()
Remove-EvonicOldSession -Path '{cmdletCopy}' -MaxAgeDays 90 -Force -InformationVariable info
""SECONDS $($sw.Elapsed.TotalSeconds)""; ""$($info[-1].MessageData)"""
            );
            Say(
                $"round {round}: 2. Remove-EvonicOldSession -MaxAgeDays 90 -Force: {run.Seconds:0.0} s; peak RSS "
                    + $"{run.RssMb} MB; longest write transaction {run.LongestWriteMs} ms"
            );
            Say($"   {run.Closing}");
            int left = Floor.CountSessions(cmdletCopy),
                leftFloor = Floor.CountSessions(floorCopy);
            if (left != manifest.Sessions - manifest.Removable || leftFloor != left)
                throw new InvalidOperationException(
                    $"sessions left: cmdlet {left}, floor {leftFloor}, expected "
                        + $"{manifest.Sessions - manifest.Removable}."
                );
            Say($"round {round}: cmdlet/floor = {run.Seconds / (floorSql + floorFiles):0.00} (this round's pair)");
            if (cmdlet == null || run.Seconds < cmdlet.Seconds)
                cmdlet = run;

            if (archive)
            {
                // The same removal archiving every session first into shared/db/session_archive.db (issue 13: <= 2x).
                string archiveCopy = Copy(pristine, Path.Combine(work, $"archive-{round}"));
                Measured withArchive = Host(
                    archiveCopy,
                    $@"$sw = [Diagnostics.Stopwatch]::StartNew()
Remove-EvonicOldSession -Path '{archiveCopy}' -MaxAgeDays 90 -Force -Archive -InformationVariable info
""SECONDS $($sw.Elapsed.TotalSeconds)""; ""$($info[-1].MessageData)"""
                );
                long archiveMb =
                    new FileInfo(Path.Combine(archiveCopy, "shared", "db", "session_archive.db")).Length / 1048576;
                Say(
                    $"round {round}: 2a. Remove-EvonicOldSession -MaxAgeDays 90 -Force -Archive: "
                        + $"{withArchive.Seconds:0.0} s; peak RSS {withArchive.RssMb} MB; longest write transaction "
                        + $"{withArchive.LongestWriteMs} ms; archive {archiveMb} MB"
                );
                Say($"   {withArchive.Closing}");
                int archivedSessions = Floor.CountArchived(archiveCopy),
                    leftArchive = Floor.CountSessions(archiveCopy);
                if (leftArchive != manifest.Sessions - manifest.Removable || archivedSessions != manifest.Removable)
                    throw new InvalidOperationException(
                        $"-Archive left {leftArchive} sessions and archived {archivedSessions}; expected "
                            + $"{manifest.Sessions - manifest.Removable} left, {manifest.Removable} archived."
                    );
                Say(
                    $"round {round}:    -Archive / without = {withArchive.Seconds / run.Seconds:0.00} (target <= 2); "
                        + $"{archivedSessions} sessions archived"
                );
                if (archived == null || withArchive.Seconds < archived.Seconds)
                    archived = withArchive;
                Directory.Delete(archiveCopy, recursive: true);
            }
        }
        load?.Dispose();

        string whatIfCopy = Copy(pristine, Path.Combine(work, "naive"));
        Measured whatIf = Host(
            whatIfCopy,
            $@"$sw = [Diagnostics.Stopwatch]::StartNew()
Remove-EvonicOldSession -Path '{whatIfCopy}' -MaxAgeDays 90 -WhatIf
""SECONDS $($sw.Elapsed.TotalSeconds)"""
        );
        Say($"Remove-EvonicOldSession -WhatIf: {whatIf.Seconds:0.0} s (what-if lines printed and discarded)");

        Settle();
        (double loop, int naiveDone) = Naive.Run(pristine, whatIfCopy, set, TimeSpan.FromSeconds(naiveSeconds));
        // The naive script lists first (here with Get-EvonicOldSession, timed above), then loops.
        double naive = listing.Seconds + loop / naiveDone * listing.Count;
        Say(
            naiveDone == listing.Count
                ? $"3. naive: list ({listing.Seconds:0.0} s) then a per-session loop ({loop:0.0} s): {naive:0.0} s"
                : $"3. naive: list ({listing.Seconds:0.0} s) then a per-session loop: {naiveDone} sessions in "
                    + $"{loop:0.0} s, so at least {naive:0} s in all (linear extrapolation; its per-session attachment "
                    + $"scans grow faster)"
        );

        Say(
            $"best of {rounds}: floor {floor:0.0} s, floor with 4 rm {parallelFloor:0.0} s, cmdlet "
                + $"{cmdlet!.Seconds:0.0} s (peak RSS {cmdlet.RssMb} MB, longest write transaction "
                + $"{cmdlet.LongestWriteMs} ms)"
        );
        if (archived != null)
            Say(
                $"-Archive: best {archived.Seconds:0.0} s against {cmdlet.Seconds:0.0} s without: ratio "
                    + $"{archived.Seconds / cmdlet.Seconds:0.00} (target <= 2; longest write transaction "
                    + $"{archived.LongestWriteMs} ms against {cmdlet.LongestWriteMs} ms)"
            );
        Say(
            $"ratios: 2/1 = {cmdlet.Seconds / floor:0.00} (target <= 1.5; against the floor with 4 rm: "
                + $"{cmdlet.Seconds / parallelFloor:0.00}); 3/2 = {naive / cmdlet.Seconds:0.0} (target >= 10); "
                + $"-WhatIf/2 = {whatIf.Seconds / cmdlet.Seconds:0.00} (target <= 1)"
        );
        report.Save($"{manifest.Sessions}-sessions" + (busy ? "-busy" : ""));
        return 0;
    }

    /// <summary>
    /// Waits until the disk is idle: a fresh copy's writeback, or the discards that follow a large deletion, would
    /// otherwise slow whatever is timed next. Idle means under 2% busy (io_ticks) for two seconds running.
    /// </summary>
    private static void Settle()
    {
        using (Process sync = Process.Start("sync")!)
            sync.WaitForExit();
        static long BusyMs() =>
            Directory
                .EnumerateDirectories("/sys/block")
                .Where(d =>
                    !Path.GetFileName(d).StartsWith("loop", StringComparison.Ordinal)
                    && !Path.GetFileName(d).StartsWith("zram", StringComparison.Ordinal)
                )
                .Select(d =>
                    File.ReadAllText(Path.Combine(d, "stat")).Split(' ', StringSplitOptions.RemoveEmptyEntries)
                )
                .Sum(fields => fields.Length > 9 ? long.Parse(fields[9], CultureInfo.InvariantCulture) : 0);
        if (!Directory.Exists("/sys/block"))
            return;
        int quiet = 0;
        var clock = Stopwatch.StartNew();
        for (long before = BusyMs(); quiet < 2 && clock.Elapsed < TimeSpan.FromMinutes(3); )
        {
            Thread.Sleep(1000);
            long now = BusyMs();
            quiet = now - before < 20 ? quiet + 1 : 0;
            before = now;
        }
    }

    internal static string Copy(string from, string to)
    {
        using Process cp = Process.Start("cp", new[] { "-a", from, to })!;
        cp.WaitForExit();
        if (cp.ExitCode != 0)
            throw new InvalidOperationException($"cp -a {from} {to} failed");
        // Write the copy out now: its writeback would otherwise compete with the timed run's commits (fsync).
        Settle();
        return to;
    }

    public sealed record Measured(
        double Seconds,
        double First,
        int Count,
        long RssMb,
        long LongestWriteMs,
        string Closing,
        IReadOnlyList<string> Lines
    );

    /// <summary>Runs a script in the pinned pwsh (a fresh process), and reads what it printed and its peak
    /// RSS.</summary>
    internal static Measured Host(string instance, string script)
    {
        // `dotnet pwsh`: the PowerShell tool of .config/dotnet-tools.json, with the staged module on PSModulePath.
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repository.Root,
        };
        start.Environment["PSModulePath"] = Path.Combine(Repository.Root, "artifacts", "module");
        start.ArgumentList.Add("pwsh");
        start.ArgumentList.Add("-NoProfile");
        start.ArgumentList.Add("-NonInteractive");
        start.ArgumentList.Add("-Command");
        start.ArgumentList.Add(
            script
                + "\n\"RSS \" + (([IO.File]::ReadAllLines('/proc/self/status') | Where-Object { $_ -like 'VmHWM*' }) "
                + "-replace '\\D', '')"
        );
        using Process host = Process.Start(start)!;
        var error = new StringBuilder();
        host.ErrorDataReceived += (_, e) =>
        {
            lock (error)
                error.AppendLine(e.Data);
        };
        host.BeginErrorReadLine();
        var lines = new List<string>();
        string? line;
        while ((line = host.StandardOutput.ReadLine()) != null)
            if (!line.StartsWith("What if:", StringComparison.Ordinal))
                lines.Add(line);
        host.WaitForExit();
        if (host.ExitCode != 0)
            throw new InvalidOperationException(
                $"the host failed ({host.ExitCode}): {string.Join("\n", lines)}\n{error}"
            );
        double Number(string key) =>
            lines.FirstOrDefault(l => l.StartsWith(key + " ", StringComparison.Ordinal)) is { } found
            && double.TryParse(
                found[(key.Length + 1)..],
                NumberStyles.Float,
                CultureInfo.InvariantCulture,
                out double value
            )
                ? value
                : double.NaN;
        string closing = lines.FirstOrDefault(l => l.Contains("[SESSION_CLEANUP] done:")) ?? "";
        Match longest = Regex.Match(closing, @"longest write transaction (\d+) ms");
        return new Measured(
            Number("SECONDS"),
            Number("FIRST"),
            (int)(Number("COUNT") is var c && double.IsNaN(c) ? 0 : c),
            (long)(Number("RSS") / 1024),
            longest.Success ? long.Parse(longest.Groups[1].Value, CultureInfo.InvariantCulture) : -1,
            closing,
            lines
        );
    }
}

/// <summary>Where the repository's build puts things.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Evonic.Sessions.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Evonic.Sessions.sln not found above " + AppContext.BaseDirectory);
    }
}
