namespace Evonic.Sessions.Tests;

/// <summary>
/// The code reads without scrolling: no line of a C# file of the repository is over 120 characters (CSharpier lays the
/// code out at that width; comments, strings and names are kept within it by hand).
/// </summary>
public sealed class SourceLayoutTests
{
    private const int Width = 120;

    [Fact]
    public void No_line_of_the_code_is_over_120_characters()
    {
        string root = RepositoryRoot();
        string[] skipped = { "bin", "obj", "artifacts", ".git" };
        var files = Directory
            .EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Any(skipped.Contains))
            .ToList();
        List<string> over = files
            .SelectMany(f =>
                File.ReadLines(f)
                    .Select((line, i) => (line, i))
                    .Where(l => l.line.Length > Width)
                    .Select(l => $"{Path.GetRelativePath(root, f)}:{l.i + 1} ({l.line.Length})")
            )
            .ToList();

        Assert.True(files.Count > 100, $"only {files.Count} C# files found under {root}");
        Assert.True(over.Count == 0, "Lines over 120 characters:\n" + string.Join("\n", over));
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder != null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Evonic.Sessions.sln")))
                return folder.FullName;
        throw new InvalidOperationException("Evonic.Sessions.sln was not found above " + AppContext.BaseDirectory);
    }
}
