using System.Globalization;
using Xunit.Abstractions;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>
/// The numbers the reliability tests measure (writer rate, lock waits, kill points, inputs tried), appended to
/// <c>artifacts/reliability-figures.txt</c> so docs/reliability.md can quote one run.
/// </summary>
public static class ReliabilityFigures
{
    private static readonly object Gate = new();

    public static string FilePath => Path.Combine(Repository.Root, "artifacts", "reliability-figures.txt");

    public static void Record(string test, string figure, IFormattable value, ITestOutputHelper? output = null)
    {
        string line = string.Create(
            CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {test}: {figure} = {value}"
        );
        output?.WriteLine(line);
        lock (Gate)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            File.AppendAllText(FilePath, line + Environment.NewLine);
        }
    }
}
