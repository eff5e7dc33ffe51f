using System.Diagnostics;
using Evonic.Sessions.SampleData;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Bench;

/// <summary>
/// The way a quick script does it: for each listed session, its own transaction of per-session DELETEs, then its
/// main-database rows by session id (a full scan of attachments each time: Evonic has no index there), then its files.
/// Stops after a time budget; the caller extrapolates.
/// </summary>
public static class Naive
{
    public static (double Seconds, int Sessions) Run(string pristine, string instance, string setFile, TimeSpan budget)
    {
        var connections = new Dictionary<string, SqliteConnection>();
        using SqliteConnection main = InstanceBuilder.Connect(Path.Combine(instance, "shared", "db", "evonic.db"));
        int done = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            foreach (string[] fields in File.ReadLines(setFile).Select(l => l.Split('\t')))
            {
                if (clock.Elapsed > budget)
                    break;
                if (!connections.TryGetValue(fields[0], out SqliteConnection? chat))
                    connections[fields[0]] = chat = InstanceBuilder.Connect(
                        Path.Combine(instance, "agents", fields[0], "chat.db")
                    );
                using (SqliteTransaction tx = chat.BeginTransaction())
                {
                    foreach (
                        string sql in new[]
                        {
                            "DELETE FROM chat_messages WHERE session_id = $s",
                            "DELETE FROM chat_summaries WHERE session_id = $s",
                            "DELETE FROM session_state WHERE session_id = $s",
                            "DELETE FROM agent_state WHERE session_id = $s",
                            "DELETE FROM chat_sessions WHERE id = $s",
                        }
                    )
                        InstanceBuilder.Exec(chat, sql, ("$s", fields[1]));
                    tx.Commit();
                }
                InstanceBuilder.Exec(main, "DELETE FROM attachments WHERE session_id = $s", ("$s", fields[1]));
                InstanceBuilder.Exec(main, "DELETE FROM session_index WHERE session_id = $s", ("$s", fields[1]));
                if (fields[2].Length > 0)
                    File.Delete(instance + fields[2][pristine.Length..]);
                string folder = Path.Combine(instance, "data", "attachments", fields[0], fields[1]);
                if (Directory.Exists(folder))
                    Directory.Delete(folder, recursive: true);
                done++;
            }
            return (clock.Elapsed.TotalSeconds, done);
        }
        finally
        {
            foreach (SqliteConnection connection in connections.Values)
                connection.Dispose();
        }
    }
}
