using Evonic.Sessions.SampleData;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>
/// One <see cref="BulkInstance"/> per test class, built once and copied for every run that changes it, so each
/// kill point or stop point starts from the same instance.
/// </summary>
public sealed class BulkTemplate : IDisposable
{
    public const int Agents = 3;
    public const int SessionsPerAgent = 1500;
    public const int Seed = 20261124;

    private readonly TempFolder _temp = new();
    private int _copies;

    public BulkTemplate()
    {
        Instance = BulkInstance.Create(_temp.Combine("template"), DateTime.UtcNow, Agents, SessionsPerAgent, Seed);
        Before = SessionCensus.Take(Instance.Root, AgentIds);
    }

    public BulkInstance Instance { get; }
    public IReadOnlyList<string> AgentIds { get; } = Enumerable.Range(0, Agents).Select(a => $"agent{a:00}").ToList();

    /// <summary>The census of the untouched instance.</summary>
    public SessionCensus Before { get; }

    /// <summary>A fresh copy of the instance; removed with the template.</summary>
    public string Copy()
    {
        string target = _temp.Combine("copy" + Interlocked.Increment(ref _copies));
        CopyFolder(Instance.Root, target);
        return target;
    }

    private static void CopyFolder(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (string file in Directory.EnumerateFiles(source))
        {
            string copy = Path.Combine(target, Path.GetFileName(file));
            File.Copy(file, copy);
            File.SetLastWriteTimeUtc(copy, File.GetLastWriteTimeUtc(file));
        }
        foreach (string folder in Directory.EnumerateDirectories(source))
            CopyFolder(folder, Path.Combine(target, Path.GetFileName(folder)));
    }

    /// <summary>Every file of an instance, relative, without SQLite's -wal and -shm.</summary>
    public static SortedSet<string> Files(string root) =>
        new(
            Directory
                .EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .Where(f =>
                    !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal)
                )
                .Select(f => Path.GetRelativePath(root, f)),
            StringComparer.Ordinal
        );

    public void Dispose() => _temp.Dispose();
}
