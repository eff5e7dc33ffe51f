using System.Diagnostics;
using System.Text;
using Evonic.Sessions.SampleData;

namespace Evonic.Sessions.Bench;

/// <summary>
/// SQLite's own limit for the same work: per agent, the sqlite3 CLI deletes the sessions' rows with one set-based
/// DELETE per table in one transaction; then one run for the main database; then rm of the same files.
/// </summary>
public static class Floor
{
    /// <summary>
    /// Returns the seconds of the sqlite3 runs and of rm, timed separately. With <paramref name="parallelRm"/> above 1,
    /// that many rm processes run at once (xargs -P), as the cmdlet deletes several files at once.
    /// </summary>
    public static (double Sql, double Files) Run(
        string pristine,
        string instance,
        string setFile,
        string work,
        int parallelRm = 1
    )
    {
        var byAgent = File.ReadLines(setFile).Select(l => l.Split('\t')).GroupBy(f => f[0]).ToList();
        var scripts = new List<(string Database, string Script)>();
        foreach (var agent in byAgent)
            scripts.Add(
                (
                    Path.Combine(instance, "agents", agent.Key, "chat.db"),
                    Write(
                        work,
                        agent.Key,
                        agent.Select(f => f[1]),
                        """
                        BEGIN IMMEDIATE;
                        DELETE FROM chat_messages WHERE session_id IN ids;
                        DELETE FROM chat_summaries WHERE session_id IN ids;
                        DELETE FROM session_state WHERE session_id IN ids;
                        DELETE FROM agent_state WHERE session_id IN ids;
                        DELETE FROM chat_sessions WHERE id IN ids;
                        COMMIT;
                        """
                    )
                )
            );
        scripts.Add(
            (
                Path.Combine(instance, "shared", "db", "evonic.db"),
                Write(
                    work,
                    "main",
                    byAgent.SelectMany(a => a.Select(f => f[1])),
                    """
                    BEGIN IMMEDIATE;
                    DELETE FROM attachments WHERE session_id IN ids;
                    DELETE FROM session_index WHERE session_id IN ids;
                    COMMIT;
                    """
                )
            )
        );
        var files = new StringBuilder();
        foreach (string[] fields in byAgent.SelectMany(a => a))
        {
            // The set was listed on the pristine instance: the same file in this copy.
            if (fields[2].Length > 0)
                files
                    .Append(instance)
                    .Append(fields[2], pristine.Length, fields[2].Length - pristine.Length)
                    .Append('\0');
            string folder = Path.Combine(instance, "data", "attachments", fields[0], fields[1]);
            if (Directory.Exists(folder))
                files.Append(folder).Append('\0');
        }
        string list = Path.Combine(work, "floor-files.list");
        File.WriteAllText(list, files.ToString());

        var clock = Stopwatch.StartNew();
        foreach (var (database, script) in scripts)
            Shell("sqlite3", $"'{database}' < '{script}' > /dev/null");
        double sql = clock.Elapsed.TotalSeconds;
        clock.Restart();
        Shell("xargs", parallelRm > 1 ? $"-0 -n 500 -P {parallelRm} rm -rf -- < '{list}'" : $"-0 rm -rf -- < '{list}'");
        return (sql, clock.Elapsed.TotalSeconds);
    }

    private static string Write(string work, string name, IEnumerable<string> ids, string deletes)
    {
        var sql = new StringBuilder("PRAGMA busy_timeout = 10000;\nCREATE TEMP TABLE ids (id TEXT PRIMARY KEY);\n");
        foreach (string[] chunk in ids.Chunk(500))
            sql.Append("INSERT INTO ids VALUES ")
                .Append(string.Join(",", chunk.Select(id => "('" + id.Replace("'", "''") + "')")))
                .Append(";\n");
        sql.Append(deletes).Append('\n');
        string path = Path.Combine(work, name + ".sql");
        File.WriteAllText(path, sql.ToString());
        return path;
    }

    private static void Shell(string tool, string arguments)
    {
        using Process process = Process.Start("/bin/sh", new[] { "-c", tool + " " + arguments })!;
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {arguments} failed ({process.ExitCode})");
    }

    public static int CountSessions(string instance) =>
        Directory
            .EnumerateDirectories(Path.Combine(instance, "agents"))
            .Sum(agent =>
            {
                using var chat = InstanceBuilder.Connect(Path.Combine(agent, "chat.db"));
                return (int)(long)InstanceBuilder.Query(chat, "SELECT COUNT(*) FROM chat_sessions")[0][0]!;
            });

    /// <summary>Sessions in the instance's archive, shared/db/session_archive.db (0 when there is none).</summary>
    public static int CountArchived(string instance)
    {
        string path = Path.Combine(instance, "shared", "db", "session_archive.db");
        if (!File.Exists(path))
            return 0;
        using var archive = InstanceBuilder.Connect(path);
        return (int)(long)InstanceBuilder.Query(archive, "SELECT COUNT(*) FROM archive_sessions")[0][0]!;
    }
}
