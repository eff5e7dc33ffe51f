using System.Text;

namespace Evonic.Sessions.Bench;

/// <summary>
/// One benchmark run's work folder beside the pristine instance (made empty first, deleted at the end) and its report:
/// each line printed as it is measured, and all of them written to <c>artifacts/bench/&lt;name&gt;.txt</c>.
/// </summary>
public sealed class BenchReport
{
    private readonly StringBuilder _lines = new();

    public BenchReport(string pristine, string workSuffix)
    {
        Manifest = BenchInstance.Read(pristine);
        Work = pristine + workSuffix;
        if (Directory.Exists(Work))
            Directory.Delete(Work, recursive: true);
        Directory.CreateDirectory(Work);
    }

    public BenchInstance.Manifest Manifest { get; }
    public string Work { get; }

    public void Say(string line)
    {
        Console.WriteLine(line);
        _lines.AppendLine(line);
    }

    /// <summary>Writes the report, and deletes the work folder.</summary>
    public void Save(string name)
    {
        Directory.CreateDirectory(Path.Combine(Repository.Root, "artifacts", "bench"));
        string result = Path.Combine(Repository.Root, "artifacts", "bench", name + ".txt");
        File.WriteAllText(result, _lines.ToString());
        Console.WriteLine($"written to {result}");
        Directory.Delete(Work, recursive: true);
    }
}
