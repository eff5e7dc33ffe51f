using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.SampleData;

/// <summary>
/// A larger instance for the reliability tests: agents × sessions with seeded ages (0..400 days), messages,
/// summaries, JSONL logs, attachments, session_index rows, and some sessions protected (a human took over, an open
/// task). Which sessions a 90-day cleanup removes is decided here, by construction.
/// </summary>
public sealed class BulkInstance
{
    public const int MaxAgeDays = 90;

    private BulkInstance(InstanceBuilder builder, List<BulkSession> sessions)
    {
        Builder = builder;
        Sessions = sessions.ToDictionary(s => s.AgentId + "/" + s.SessionId, StringComparer.Ordinal);
    }

    public InstanceBuilder Builder { get; }
    public string Root => Builder.Root;

    /// <summary>"agent/session" → the session.</summary>
    public IReadOnlyDictionary<string, BulkSession> Sessions { get; }

    /// <summary>
    /// What a live writer should aim at beside a cleanup: mostly sessions that are old when the cleanup lists them
    /// (every one it would remove), and a tenth as many of the others.
    /// </summary>
    public IReadOnlyList<BulkSession> SessionsAtRisk()
    {
        var sessions = Sessions.Values.ToList();
        return sessions
            .Where(s => s.ExpectedRemoved)
            .Concat(sessions.Where(s => !s.ExpectedRemoved).Take(sessions.Count / 10))
            .ToList();
    }

    public IEnumerable<string> ExpectedRemoved =>
        Sessions.Where(s => s.Value.ExpectedRemoved).Select(s => s.Key).OrderBy(k => k, StringComparer.Ordinal);

    public static BulkInstance Create(string root, DateTime nowUtc, int agents, int sessionsPerAgent, int seed)
    {
        var random = new Random(seed);
        var builder = new InstanceBuilder(root);
        var sessions = new List<BulkSession>();
        DateTime now = new(nowUtc.Ticks - nowUtc.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        for (int a = 0; a < agents; a++)
        {
            AgentBuilder agent = builder.Agent($"agent{a:00}");
            var attachments = new List<(string Session, string File, DateTime At)>();
            using (SqliteConnection chat = InstanceBuilder.Connect(agent.ChatDatabasePath))
            using (SqliteTransaction tx = chat.BeginTransaction())
            {
                for (int i = 0; i < sessionsPerAgent; i++)
                {
                    string id = $"{agent.Id}-{i:x6}";
                    // The first session is a recent channel one and the next two recent web ones, so Evonic's lookups
                    // (the latest human session, the two newest web sessions, each channel's newest) never return an
                    // old one here; the sample instance covers those rules.
                    double age = i < 3 ? 1 : random.NextDouble() * 400;
                    // Nothing within a day of the age limit: a run minutes later must see the same sessions as old.
                    if (Math.Abs(age - MaxAgeDays) < 1)
                        age += 2;
                    DateTime last = now.AddDays(-age).AddSeconds(-random.Next(86_400));
                    last = new DateTime(last.Ticks - last.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
                    int kind =
                        i == 0 ? 0
                        : i < 3 ? 2
                        : random.Next(5);
                    (string user, string? channel) = kind switch
                    {
                        0 or 1 => ($"user{random.Next(1000)}", "telegram"),
                        2 => ($"web-user-{i}", (string?)null),
                        3 => ("__scheduler__", null),
                        _ => ("__system__", null),
                    };
                    bool takeover = i >= 3 && random.Next(20) == 0;
                    bool openTask = i >= 3 && random.Next(20) == 0;
                    int messages = 3 + random.Next(6);
                    bool hasLog = random.Next(2) == 0;
                    int files = random.Next(10) == 0 ? 1 + random.Next(2) : 0;

                    InstanceBuilder.Exec(
                        chat,
                        @"INSERT INTO chat_sessions (id, agent_id, channel_id, external_user_id, bot_enabled,
                        created_at, updated_at, user_id)
                        VALUES ($id, $agent, $channel, $user, $bot, $created, $updated, 'u1')",
                        ("$id", id),
                        ("$agent", agent.Id),
                        ("$channel", channel),
                        ("$user", user),
                        ("$bot", takeover ? 0 : 1),
                        ("$created", InstanceBuilder.Timestamp(last.AddDays(-3))),
                        ("$updated", InstanceBuilder.Timestamp(last))
                    );
                    for (int m = 0; m < messages; m++)
                        InstanceBuilder.Exec(
                            chat,
                            "INSERT INTO chat_messages (session_id, role, content, created_at) VALUES ($s, $r, $c, $t)",
                            ("$s", id),
                            ("$r", m % 2 == 0 ? "user" : "assistant"),
                            ("$c", $"message {m} of {id}"),
                            ("$t", InstanceBuilder.Timestamp(last.AddMinutes(m - messages + 1)))
                        );
                    InstanceBuilder.Exec(
                        chat,
                        "INSERT INTO chat_summaries (session_id, summary, last_message_id, message_count) VALUES "
                            + "($s, 'summary', 0, $n)",
                        ("$s", id),
                        ("$n", messages)
                    );
                    InstanceBuilder.Exec(
                        chat,
                        "INSERT INTO session_state (session_id, content) VALUES ($s, $c)",
                        ("$s", id),
                        (
                            "$c",
                            openTask
                                ? "{\"tasks\": [{\"status\": \"in_progress\"}]}"
                                : "{\"tasks\": [{\"status\": \"done\"}]}"
                        )
                    );
                    if (hasLog)
                        agent.Log(id, last, turns: 1 + random.Next(3));
                    for (int f = 0; f < files; f++)
                        attachments.Add((id, $"file{f}.bin", last));

                    bool old = last < now.AddDays(-MaxAgeDays);
                    sessions.Add(
                        new BulkSession(agent.Id, id, last, messages, hasLog, files, old && !takeover && !openTask)
                    );
                }
                tx.Commit();
            }
            AddMainRows(builder, agent, sessions.Where(s => s.AgentId == agent.Id), attachments);
        }
        builder.UpdateSessionCounts();
        return new BulkInstance(builder, sessions);
    }

    private static void AddMainRows(
        InstanceBuilder builder,
        AgentBuilder agent,
        IEnumerable<BulkSession> sessions,
        List<(string Session, string File, DateTime At)> attachments
    )
    {
        using SqliteConnection main = InstanceBuilder.Connect(builder.MainDatabasePath);
        using SqliteTransaction tx = main.BeginTransaction();
        foreach (BulkSession session in sessions)
            InstanceBuilder.Exec(
                main,
                "INSERT INTO session_index (session_id, agent_id, external_user_id, updated_at) VALUES ($s, $a, 'x', "
                    + "$t)",
                ("$s", session.SessionId),
                ("$a", agent.Id),
                ("$t", InstanceBuilder.Timestamp(session.LastActivity))
            );
        foreach (var (session, file, at) in attachments)
        {
            string relative = $"data/attachments/{agent.Id}/{session}/{file}";
            string path = Path.Combine(builder.DataRoot, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, new byte[512]);
            File.SetLastWriteTimeUtc(path, at);
            InstanceBuilder.Exec(
                main,
                "INSERT INTO attachments (agent_id, session_id, filename, size_bytes, file_path, created_at) VALUES "
                    + "($a, $s, $f, 512, $p, $t)",
                ("$a", agent.Id),
                ("$s", session),
                ("$f", file),
                ("$p", relative),
                ("$t", InstanceBuilder.Timestamp(at))
            );
        }
        tx.Commit();
    }
}
