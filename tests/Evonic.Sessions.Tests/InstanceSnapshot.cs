using System.Globalization;
using System.Security.Cryptography;
using Evonic.Sessions.SampleData;

namespace Evonic.Sessions.Tests;

/// <summary>
/// Every row of every table of every SQLite file of an instance, and the hash of every other file, as lines
/// "file | table | row" and "file | sha256". Two snapshots tell exactly what a cleanup changed.
/// </summary>
public static class InstanceSnapshot
{
    public static HashSet<string> Take(string root)
    {
        var lines = new HashSet<string>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (
                relative.EndsWith("-wal", StringComparison.Ordinal)
                || relative.EndsWith("-shm", StringComparison.Ordinal)
            )
                continue;
            if (relative.EndsWith(".db", StringComparison.Ordinal))
            {
                using var db = InstanceBuilder.Connect(file);
                foreach (
                    string table in InstanceBuilder
                        .Query(db, "SELECT name FROM sqlite_master WHERE type = 'table'")
                        .Select(r => (string)r[0]!)
                )
                foreach (object?[] row in InstanceBuilder.Query(db, $"SELECT * FROM \"{table}\""))
                    lines.Add($"{relative} | {table} | {string.Join(" , ", row.Select(Render))}");
            }
            else
            {
                lines.Add($"{relative} | {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)))}");
            }
        }
        return lines;
    }

    private static string Render(object? value) =>
        value switch
        {
            null => "NULL",
            byte[] bytes => Convert.ToHexString(bytes),
            _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
        };
}
