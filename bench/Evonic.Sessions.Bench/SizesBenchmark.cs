using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Evonic.Sessions.Bench;

/// <summary>
/// The cleanup against SQLite's floor at everyday sizes (issue 23): instances of 10 agents with 15 messages a session,
/// 3 000 and 30 000 sessions by default (500 000 when asked), each size's cmdlet/floor ratio from one run, the best of
/// the rounds. Also times, per size and round, the first and the second listing in one fresh process (cold and warm),
/// the first object, -WhatIf and the nightly shape (-Archive -Optimize). With <c>--busy</c>, two CPU-bound processes
/// run throughout, as on a small server that does other work.
/// </summary>
public static class SizesBenchmark
{
    public static int Run(string folder, IReadOnlyList<int> sizes, int rounds, bool busy)
    {
        var report = new StringBuilder();
        void Say(string line)
        {
            Console.WriteLine(line);
            report.AppendLine(line);
        }
        Say(
            $"sizes {string.Join(", ", sizes)}; best of {rounds} rounds; "
                + (busy ? "machine busy: 2 CPU-bound processes" : "quiet machine")
        );
        using CpuLoad? load = busy ? CpuLoad.Start(2) : null;
        foreach (int size in sizes)
            RunSize(Path.Combine(folder, size.ToString(CultureInfo.InvariantCulture)), size, rounds, Say);

        string name = "sizes" + (busy ? "-busy" : "");
        Directory.CreateDirectory(Path.Combine(Repository.Root, "artifacts", "bench"));
        string result = Path.Combine(Repository.Root, "artifacts", "bench", name + ".txt");
        File.WriteAllText(result, report.ToString());
        Console.WriteLine($"written to {result}");
        return 0;
    }

    private static void RunSize(string pristine, int size, int rounds, Action<string> say)
    {
        if (!File.Exists(Path.Combine(pristine, "bench-manifest.json")))
        {
            if (Directory.Exists(pristine))
                Directory.Delete(pristine, recursive: true);
            BenchInstance.Generate(pristine, agents: 10, size, messages: size * 15L, seed: 1, DateTime.UtcNow);
        }
        BenchInstance.Manifest manifest = BenchInstance.Read(pristine);
        string work = pristine + ".work";
        if (Directory.Exists(work))
            Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        void Say(string line) => say($"{size}: {line}");
        Say($"{manifest.Sessions} sessions, {manifest.Messages} messages; {manifest.Removable} old and unprotected");

        // Cold and warm in one process: the module imported first, then two listings, each to its last object. The
        // instance's files are read once before, so both listings find them in the page cache: what differs is the
        // process's first-call work (JIT, first loads), not the disk. A fresh process each round, the ratio of each
        // from its own process, the best of the rounds as for the removal.
        ReadEveryFile(pristine);
        string set = Path.Combine(work, "removable.tsv");
        var firstSecond = new List<double>();
        for (int round = 1; round <= rounds; round++)
        {
            Listings listings = TimeListings(pristine, set);
            if (listings.Count != manifest.Removable)
                throw new InvalidOperationException(
                    $"Get-EvonicOldSession listed {listings.Count}, the generator expects {manifest.Removable}."
                );
            double ratio = listings.First / listings.Second;
            firstSecond.Add(ratio);
            if (round == 1)
                Say(
                    $"Import-Module {listings.Import:0.000} s; Measure-EvonicSession (5 ages and the policy, after the "
                        + $"listings) {listings.Measure:0.000} s; at 90 days {listings.MeasuredAt90:0} sessions (the "
                        + $"listing: {listings.Count})"
                );
            Say(
                $"listing round {round}: Get-EvonicOldSession first call {listings.First:0.000} s (first object "
                    + $"{listings.FirstObject:0.000} s), second call {listings.Second:0.000} s: first/second "
                    + $"{ratio:0.00}; peak RSS {listings.RssMb} MB"
            );
        }
        firstSecond.Sort();
        Say(
            $"listing best of {rounds}: first/second of one process {firstSecond[0]:0.00} (median "
                + $"{firstSecond[firstSecond.Count / 2]:0.00})"
        );

        double floor = double.MaxValue,
            cmdlet = double.MaxValue,
            whatIf = double.MaxValue,
            nightly = double.MaxValue,
            bestRatio = double.MaxValue;
        for (int round = 1; round <= rounds; round++)
        {
            string floorCopy = Benchmark.Copy(pristine, Path.Combine(work, $"floor-{round}"));
            (double sql, double files) = Floor.Run(pristine, floorCopy, set, work);
            floor = Math.Min(floor, sql + files);

            double removal = Timed(pristine, work, $"cmdlet-{round}", "-Force");
            cmdlet = Math.Min(cmdlet, removal);
            // The issue's measure: a ratio from one round, floor and cmdlet back to back on the same disk state.
            bestRatio = Math.Min(bestRatio, removal / (sql + files));
            double preview = Timed(pristine, work, $"whatif-{round}", "-WhatIf");
            whatIf = Math.Min(whatIf, preview);
            double archived = Timed(pristine, work, $"nightly-{round}", "-Force -Archive -Optimize");
            nightly = Math.Min(nightly, archived);
            Say(
                $"round {round}: floor {sql + files:0.000} s ({sql:0.000} s sqlite3, {files:0.000} s rm); "
                    + $"Remove-EvonicOldSession -Force {removal:0.000} s ({removal / (sql + files):0.00}x); -WhatIf "
                    + $"{preview:0.000} s; -Archive -Optimize {archived:0.000} s"
            );
            foreach (string copy in Directory.EnumerateDirectories(work))
                Directory.Delete(copy, recursive: true);
        }
        Say(
            $"best of {rounds}: cmdlet/floor of one round {bestRatio:0.00}; fastest floor {floor:0.000} s, fastest "
                + $"cmdlet {cmdlet:0.000} s ({cmdlet / floor:0.00}); "
                + $"-WhatIf {whatIf:0.000} s ({whatIf / cmdlet:0.00} of the removal); -Archive -Optimize "
                + $"{nightly:0.000} s ({nightly / floor:0.00}x the floor)"
        );
        Directory.Delete(work, recursive: true);
    }

    private sealed record Listings(
        double Import,
        double First,
        double FirstObject,
        double Second,
        long Count,
        double Measure,
        double MeasuredAt90,
        long RssMb
    );

    /// <summary>One process: Import-Module, two listings of the same instance (each session written to
    /// <paramref name="set"/>, the removable set the floor deletes), then Measure-EvonicSession.</summary>
    private static Listings TimeListings(string pristine, string set)
    {
        Benchmark.Measured listing = Benchmark.Host(
            pristine,
            $@"$sw = [Diagnostics.Stopwatch]::StartNew(); Import-Module Evonic.Sessions
$import = $sw.Elapsed.TotalSeconds
$list = {{ param($file) $w = [IO.StreamWriter]::new($file); $script:first = $null; $script:n = 0; $sw.Restart()
    Get-EvonicOldSession -Path '{pristine}' -MaxAgeDays 90 | ForEach-Object {{
        if ($null -eq $script:first) {{ $script:first = $sw.Elapsed.TotalSeconds }}
        $script:n++; $w.WriteLine($_.AgentId + ""`t"" + $_.SessionId + ""`t"" + $_.JsonlPath)
    }}
    $w.Close(); $sw.Elapsed.TotalSeconds }}
$cold = & $list '{set}'; $firstCold = $first; $n = $script:n
$warm = & $list '{set}.warm'; $first = $firstCold
$sw.Restart(); $measures = Measure-EvonicSession -Path '{pristine}'; $measured = $sw.Elapsed.TotalSeconds
$at90 = ($measures | Where-Object {{ $_.AgentId -eq '(all)' -and $_.MaxAgeDays -eq 90 }}).Sessions
""IMPORT $import""; ""FIRST $first""; ""SECONDS $cold""; ""WARM $warm""; ""COUNT $n""; ""MEASURE $measured""
""MEASURED90 $at90"""
        );
        double Value(string key) =>
            double.Parse(
                listing.Lines.First(l => l.StartsWith(key + " ", StringComparison.Ordinal))[(key.Length + 1)..],
                CultureInfo.InvariantCulture
            );
        return new Listings(
            Value("IMPORT"),
            listing.Seconds,
            listing.First,
            Value("WARM"),
            listing.Count,
            Value("MEASURE"),
            Value("MEASURED90"),
            listing.RssMb
        );
    }

    private static void ReadEveryFile(string folder)
    {
        var buffer = new byte[1 << 16];
        foreach (string file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            using FileStream stream = File.OpenRead(file);
            while (stream.Read(buffer, 0, buffer.Length) > 0) { }
        }
    }

    /// <summary>
    /// One Remove-EvonicOldSession on a fresh copy, timed in the engine after Import-Module (as the nightly job and an
    /// admin's session both run it); the process start and the import are not part of it.
    /// </summary>
    private static double Timed(string pristine, string work, string name, string switches)
    {
        string copy = Benchmark.Copy(pristine, Path.Combine(work, name));
        Benchmark.Measured run = Benchmark.Host(
            copy,
            $@"Import-Module Evonic.Sessions; $sw = [Diagnostics.Stopwatch]::StartNew()
$null = Remove-EvonicOldSession -Path '{copy}' -MaxAgeDays 90 {switches} -InformationVariable info 6>$null
""SECONDS $($sw.Elapsed.TotalSeconds)"""
        );
        return run.Seconds;
    }
}
