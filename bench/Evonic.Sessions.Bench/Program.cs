using System.Diagnostics;
using System.Globalization;
using System.Text;
using Evonic.Sessions.Bench;

// dotnet run -c Release --project bench/Evonic.Sessions.Bench -- <command> <folder> [options]:
//   generate <folder> [--sessions N] [--agents N] [--messages N] [--seed N]
//   run <folder> [--naive-seconds N] [--rounds N] [--archive] [--busy]
//   sizes <folder> [--sizes 3000,30000] [--rounds 3] [--busy]
//   plans <folder>
//   space <folder>
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (args.Length < 2)
{
    Console.Error.WriteLine(
        "usage: generate <folder> [--sessions 500000] [--agents 20] [--messages 10000000] [--seed 1] | run <folder> "
            + "[--naive-seconds 120] [--rounds 2] [--archive] [--busy] | sizes <folder> [--sizes 3000,30000] "
            + "[--rounds 3] [--busy] | plans <folder> | space <folder>"
    );
    return 2;
}
string Option(string name, string fallback) =>
    Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
string folder = Path.GetFullPath(args[1]);

switch (args[0])
{
    case "generate":
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
        var clock = Stopwatch.StartNew();
        var manifest = BenchInstance.Generate(
            folder,
            int.Parse(Option("--agents", "20"), CultureInfo.InvariantCulture),
            int.Parse(Option("--sessions", "500000"), CultureInfo.InvariantCulture),
            long.Parse(Option("--messages", "10000000"), CultureInfo.InvariantCulture),
            int.Parse(Option("--seed", "1"), CultureInfo.InvariantCulture),
            DateTime.UtcNow
        );
        Console.WriteLine($"{manifest} written to {folder} in {clock.Elapsed.TotalSeconds:0} s");
        return 0;
    case "run":
        return Benchmark.Run(
            folder,
            int.Parse(Option("--naive-seconds", "120"), CultureInfo.InvariantCulture),
            int.Parse(Option("--rounds", "2"), CultureInfo.InvariantCulture),
            args.Contains("--archive"),
            args.Contains("--busy")
        );
    case "sizes":
        return SizesBenchmark.Run(
            folder,
            Option("--sizes", "3000,30000").Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToList(),
            int.Parse(Option("--rounds", "3"), CultureInfo.InvariantCulture),
            args.Contains("--busy")
        );
    case "space":
        return SpaceBenchmark.Run(folder);
    case "plans":
        Console.Write(QueryPlans.Markdown(folder));
        return 0;
    default:
        Console.Error.WriteLine($"unknown command '{args[0]}'");
        return 2;
}
