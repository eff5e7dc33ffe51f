using System.Text.Json;
using Evonic.Sessions.SampleData;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Bench;

/// <summary>
/// A large realistic instance written fast (prepared statements, one transaction per agent): Evonic's exact DDL, WAL,
/// ages spread over 0..730 days, messages, summaries, session states, JSONL logs, attachments and session_index rows.
/// Every agent's first session is a recent human one, so the "newest session" rules never keep an old one; 2% of
/// sessions are taken over by a human and 2% have an open task. The manifest records what a 90-day cleanup removes.
/// </summary>
public static class BenchInstance
{
    public sealed record Manifest(
        int Agents,
        int Sessions,
        long Messages,
        int Logs,
        int Attachments,
        int Removable,
        long RemovableMessages,
        int Seed
    );

    public static Manifest Generate(string root, int agents, int sessions, long messages, int seed, DateTime nowUtc)
    {
        var random = new Random(seed);
        var builder = new InstanceBuilder(root);
        double average = (double)messages / sessions;
        int logs = 0,
            attachments = 0,
            removable = 0;
        long written = 0,
            removableMessages = 0;
        using SqliteConnection main = InstanceBuilder.Connect(builder.MainDatabasePath);
        for (int a = 0; a < agents; a++)
        {
            AgentBuilder agent = builder.Agent($"agent{a:00}");
            int count = sessions / agents + (a < sessions % agents ? 1 : 0);
            using SqliteConnection chat = InstanceBuilder.Connect(agent.ChatDatabasePath);
            using SqliteTransaction chatTx = chat.BeginTransaction();
            using SqliteTransaction mainTx = main.BeginTransaction();
            SqliteCommand session = Prepare(
                chat,
                chatTx,
                "INSERT INTO chat_sessions (id, agent_id, channel_id, external_user_id, bot_enabled, created_at, "
                    + "updated_at, user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, 'u1')",
                7
            );
            SqliteCommand message = Prepare(
                chat,
                chatTx,
                "INSERT INTO chat_messages (session_id, role, content, created_at) VALUES ($1, $2, $3, $4)",
                4
            );
            SqliteCommand summary = Prepare(
                chat,
                chatTx,
                "INSERT INTO chat_summaries (session_id, summary, last_message_id, message_count) VALUES ($1, "
                    + "'summary of the conversation so far', 0, $2)",
                2
            );
            SqliteCommand state = Prepare(
                chat,
                chatTx,
                "INSERT INTO session_state (session_id, content) VALUES ($1, $2)",
                2
            );
            SqliteCommand index = Prepare(
                main,
                mainTx,
                "INSERT INTO session_index (session_id, agent_id, external_user_id, channel_id, updated_at) VALUES "
                    + "($1, $2, $3, $4, $5)",
                5
            );
            SqliteCommand attachment = Prepare(
                main,
                mainTx,
                "INSERT INTO attachments (agent_id, session_id, filename, size_bytes, file_path, created_at) VALUES "
                    + "($1, $2, 'file.bin', 512, $3, $4)",
                4
            );
            for (int i = 0; i < count; i++)
            {
                string id = $"{agent.Id}-{i:x8}";
                // The first session is a recent channel one and the next two recent web ones, so Evonic's lookups
                // (latest human, the two newest web, each channel's newest) never return an old one.
                double age = i < 3 ? 1 : random.NextDouble() * 730;
                if (Math.Abs(age - 90) < 1)
                    age += 2; // nothing on the edge: a run minutes later must agree
                DateTime last = Second(nowUtc.AddDays(-age));
                int kind =
                    i == 0 ? 0
                    : i < 3 ? 2
                    : random.Next(5);
                string user = kind switch
                {
                    0 or 1 => $"user{random.Next(5000)}",
                    2 => $"web-user-{i}",
                    3 => "__scheduler__",
                    _ => "__system__",
                };
                string? channel = kind <= 1 ? "telegram" : null;
                bool takeover = i >= 3 && random.Next(50) == 0,
                    openTask = i >= 3 && random.Next(50) == 0;
                int n = Math.Max(1, (int)Math.Round(average * (0.5 + random.NextDouble())));
                Run(
                    session,
                    id,
                    agent.Id,
                    channel,
                    user,
                    takeover ? 0 : 1,
                    InstanceBuilder.Timestamp(last.AddDays(-5)),
                    InstanceBuilder.Timestamp(last)
                );
                for (int m = 0; m < n; m++)
                    Run(
                        message,
                        id,
                        m % 2 == 0 ? "user" : "assistant",
                        "A message of a realistic length, about sixty characters.",
                        InstanceBuilder.Timestamp(last.AddMinutes(m - n + 1))
                    );
                written += n;
                if (random.Next(2) == 0)
                    Run(summary, id, n);
                if (openTask || random.Next(10) < 3)
                    Run(
                        state,
                        id,
                        openTask ? "{\"tasks\": [{\"status\": \"pending\"}]}" : "{\"tasks\": [{\"status\": \"done\"}]}"
                    );
                Run(index, id, agent.Id, user, channel, InstanceBuilder.Timestamp(last));
                if (random.Next(10) < 3)
                {
                    string log = agent.LogPath(id);
                    long ts = new DateTimeOffset(last).ToUnixTimeMilliseconds();
                    File.WriteAllText(
                        log,
                        $"{{\"type\":\"user\",\"session_id\":\"{id}\",\"ts\":{ts - 2000},\"content\":\"hello\"}}\n"
                            + $"{{\"type\":\"turn_begin\",\"ts\":{ts - 1000}}}\n{{\"type\":\"final\",\"ts\":"
                            + $"{ts - 500},\"content\":\"done\"}}\n{{\"type\":\"turn_end\",\"ts\":{ts}}}\n"
                    );
                    File.SetLastWriteTimeUtc(log, last);
                    logs++;
                }
                if (random.Next(100) < 3)
                {
                    string relative = $"data/attachments/{agent.Id}/{id}/file.bin";
                    string path = Path.Combine(builder.DataRoot, relative);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.WriteAllBytes(path, new byte[512]);
                    File.SetLastWriteTimeUtc(path, last);
                    Run(attachment, agent.Id, id, relative, InstanceBuilder.Timestamp(last));
                    attachments++;
                }
                if (last < nowUtc.AddDays(-90) && !takeover && !openTask)
                {
                    removable++;
                    removableMessages += n;
                }
            }
            chatTx.Commit();
            mainTx.Commit();
            InstanceBuilder.Exec(chat, "PRAGMA wal_checkpoint(TRUNCATE)");
        }
        builder.UpdateSessionCounts();
        InstanceBuilder.Exec(main, "PRAGMA wal_checkpoint(TRUNCATE)");
        var manifest = new Manifest(agents, sessions, written, logs, attachments, removable, removableMessages, seed);
        File.WriteAllText(Path.Combine(root, "bench-manifest.json"), JsonSerializer.Serialize(manifest));
        return manifest;
    }

    public static Manifest Read(string root) =>
        JsonSerializer.Deserialize<Manifest>(File.ReadAllText(Path.Combine(root, "bench-manifest.json")))!;

    private static DateTime Second(DateTime at) => new(at.Ticks - at.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    private static SqliteCommand Prepare(
        SqliteConnection connection,
        SqliteTransaction transaction,
        string sql,
        int parameters
    )
    {
        SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        for (int i = 1; i <= parameters; i++)
            command.Parameters.Add(new SqliteParameter("$" + i, null));
        command.Prepare();
        return command;
    }

    private static void Run(SqliteCommand command, params object?[] values)
    {
        for (int i = 0; i < values.Length; i++)
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        command.ExecuteNonQuery();
    }
}
