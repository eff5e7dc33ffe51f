using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.SampleData;

/// <summary>
/// Writes an Evonic instance on disk: the main DB, one chat.db per agent (WAL, Evonic's DDL), JSONL logs and
/// attachments. Flat layout by default; release layout puts data under <c>shared/</c> beside <c>current -&gt;
/// releases/&lt;tag&gt;</c>.
/// </summary>
public sealed class InstanceBuilder
{
    public InstanceBuilder(string root, bool releaseLayout = false, bool withSessionIndex = true)
    {
        Root = Path.GetFullPath(root);
        ReleaseLayout = releaseLayout;
        DataRoot = releaseLayout ? Path.Combine(Root, "shared") : Root;
        Directory.CreateDirectory(Path.Combine(Root, "shared", "db"));
        Directory.CreateDirectory(Path.Combine(DataRoot, "agents"));
        Directory.CreateDirectory(Path.Combine(DataRoot, "data", "attachments"));
        if (releaseLayout)
        {
            string release = Path.Combine(Root, "releases", "v1.4.2");
            Directory.CreateDirectory(release);
            File.WriteAllText(Path.Combine(release, "VERSION"), "1.4.2\n");
            Directory.CreateSymbolicLink(Path.Combine(Root, "current"), release);
        }
        using SqliteConnection main = Connect(MainDatabasePath);
        Exec(main, "PRAGMA journal_mode = WAL;");
        Exec(main, EvonicSchema.MainDatabase);
        if (withSessionIndex)
            Exec(main, EvonicSchema.SessionIndex);
        Exec(main, "INSERT INTO users (id, name) VALUES ('u1', 'Admin')");
    }

    public string Root { get; }
    public bool ReleaseLayout { get; }
    public string DataRoot { get; }
    public string MainDatabasePath => Path.Combine(Root, "shared", "db", "evonic.db");

    public AgentBuilder Agent(string id, ChatSchemaOptions? schema = null)
    {
        var agent = new AgentBuilder(this, id, schema ?? new ChatSchemaOptions());
        using SqliteConnection main = Connect(MainDatabasePath);
        Exec(main, "INSERT INTO agents (id, name, session_count) VALUES ($id, $id, 0)", ("$id", id));
        return agent;
    }

    /// <summary>Sets every agent's cached session_count the way Evonic does.</summary>
    public void UpdateSessionCounts()
    {
        using SqliteConnection main = Connect(MainDatabasePath);
        foreach (string id in Query(main, "SELECT id FROM agents").Select(r => (string)r[0]!))
        {
            string chat = Path.Combine(DataRoot, "agents", id, "chat.db");
            if (!File.Exists(chat))
                continue;
            using SqliteConnection db = Connect(chat);
            long count = (long)Query(db, "SELECT COUNT(*) FROM chat_sessions")[0][0]!;
            Exec(main, "UPDATE agents SET session_count = $c WHERE id = $id", ("$c", count), ("$id", id));
            SyncSessionIndex(main, chat);
        }
    }

    /// <summary>
    /// Fills the session_index rows of the agent's sessions as Evonic's <c>_sync_session_index</c> computes them
    /// (models/mixins/chat_delegation.py): the session row, its message count, its last user or assistant message.
    /// </summary>
    private static void SyncSessionIndex(SqliteConnection main, string chatPath)
    {
        if (Query(main, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'session_index'")[0][0] is 0L)
            return;
        Exec(main, "ATTACH DATABASE $chat AS chat", ("$chat", chatPath));
        try
        {
            bool archived =
                Query(main, "SELECT COUNT(*) FROM pragma_table_info('chat_sessions', 'chat') WHERE name = 'archived'")[
                    0
                ][0]
                is not 0L;
            Exec(
                main,
                $@"UPDATE session_index SET
                    external_user_id = IFNULL((SELECT external_user_id FROM chat.chat_sessions s WHERE s.id =
                    session_index.session_id), ''),
                    channel_id = (SELECT channel_id FROM chat.chat_sessions s WHERE s.id = session_index.session_id),
                    bot_enabled = (SELECT bot_enabled FROM chat.chat_sessions s WHERE s.id = session_index.session_id),
                    archived =
                    {(archived ? "(SELECT archived FROM chat.chat_sessions s WHERE s.id = session_index.session_id)"
                        : "0")},
                    created_at = (SELECT created_at FROM chat.chat_sessions s WHERE s.id = session_index.session_id),
                    updated_at = (SELECT updated_at FROM chat.chat_sessions s WHERE s.id = session_index.session_id),
                    message_count = (SELECT COUNT(*) FROM chat.chat_messages m WHERE m.session_id =
                    session_index.session_id),
                    last_message = (SELECT content FROM chat.chat_messages m WHERE m.session_id =
                    session_index.session_id
                        AND role IN ('user', 'assistant') AND content IS NOT NULL ORDER BY created_at DESC LIMIT 1),
                    last_message_role = (SELECT role FROM chat.chat_messages m WHERE m.session_id =
                    session_index.session_id
                        AND role IN ('user', 'assistant') AND content IS NOT NULL ORDER BY created_at DESC LIMIT 1)
                WHERE session_id IN (SELECT id FROM chat.chat_sessions)"
            );
        }
        finally
        {
            Exec(main, "DETACH DATABASE chat");
        }
    }

    /// <summary>A row of the main database's <c>schedules</c>, as Evonic's background-job poller writes one.</summary>
    public void Schedule(
        string id,
        string actionType,
        string actionConfigJson,
        string? metadataJson,
        bool enabled = true
    )
    {
        using SqliteConnection main = Connect(MainDatabasePath);
        Exec(
            main,
            @"INSERT INTO schedules (id, name, owner_type, owner_id, trigger_type, trigger_config, action_type,
            action_config, enabled, created_at, metadata)
            VALUES ($id, $id, 'agent', 'siwa', 'interval', '{""seconds"": 30}', $type, $config, $enabled,
            '2026-01-01T00:00:00', $meta)",
            ("$id", id),
            ("$type", actionType),
            ("$config", actionConfigJson),
            ("$enabled", enabled ? 1 : 0),
            ("$meta", metadataJson)
        );
    }

    /// <summary>A row of the main database's <c>channels</c> (models/mixins/channels.py: ids are uuid4 strings; the
    /// type is <c>telegram</c>, <c>whatsapp</c>, <c>discord</c>, ...).</summary>
    public void Channel(string id, string agentId, string type)
    {
        using SqliteConnection main = Connect(MainDatabasePath);
        Exec(
            main,
            "INSERT INTO channels (id, agent_id, type, name) VALUES ($id, $agent, $type, $id)",
            ("$id", id),
            ("$agent", agentId),
            ("$type", type)
        );
    }

    /// <summary>A row of the main database's <c>transfer_jobs</c>.</summary>
    public void TransferJob(string id, string agentId, string sessionId, string status)
    {
        using SqliteConnection main = Connect(MainDatabasePath);
        Exec(
            main,
            @"INSERT INTO transfer_jobs (id, agent_id, session_id, source_path, dest_path, source_backend_type,
            dest_backend_type, status)
            VALUES ($id, $agent, $session, '/tmp/a', '/tmp/b', 'local', 'local', $status)",
            ("$id", id),
            ("$agent", agentId),
            ("$session", sessionId),
            ("$status", status)
        );
    }

    public static string Timestamp(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static SqliteConnection Connect(string path)
    {
        // Like Evonic's Python sqlite3: foreign keys off.
        var connection = new SqliteConnection(
            new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Pooling = false,
                ForeignKeys = false,
                DefaultTimeout = 10,
            }.ToString()
        );
        connection.Open();
        Exec(connection, "PRAGMA busy_timeout = 10000;");
        return connection;
    }

    public static int Exec(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command.ExecuteNonQuery();
    }

    public static List<object?[]> Query(
        SqliteConnection connection,
        string sql,
        params (string Name, object? Value)[] parameters
    )
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        using SqliteDataReader reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (int i = 0; i < row.Length; i++)
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }
}
