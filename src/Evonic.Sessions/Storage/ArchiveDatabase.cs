using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Storage;

/// <summary>
/// Evonic's session archive, <c>shared/db/session_archive.db</c>, written with Evonic's own DDL
/// (<c>models/session_archive.py</c>) so that Evonic's readers understand what the cleanup archives. Created when
/// absent, in WAL mode as Evonic creates it. One table of the module's own, <c>evonic_sessions_archive</c>, records
/// which entries the cleanup wrote, what Evonic's tables have no column for, and whether the entry's session is
/// still <c>pending</c> deletion: Evonic's readers query its <c>archive_*</c> tables by name and never see it.
/// The cleanup copies rows straight from the agent's <c>chat.db</c>, attached to this connection, in SQL.
/// </summary>
internal sealed class ArchiveDatabase : IDisposable
{
    /// <summary>The module's record of an entry (<c>evonic_sessions_archive</c>), as <c>k</c>.</summary>
    private const string JoinModuleRecord = "LEFT JOIN evonic_sessions_archive k ON k.archive_id = s.id";

    private readonly SqliteConnection _connection;

    /// <summary>The archive's connection: its copy writer (<see cref="ArchiveWriter"/>) attaches an agent's files to
    /// it.</summary>
    internal SqliteConnection Connection => _connection;

    private ArchiveDatabase(SqliteConnection connection, string path)
    {
        _connection = connection;
        Path = path;
    }

    public string Path { get; }

    /// <summary>The module's holds of restored sessions, kept in this file.</summary>
    public RestoreHolds Holds => _holds ??= new RestoreHolds(_connection, Path);

    private RestoreHolds? _holds;

    /// <summary>Opens the archive to read it; null when the instance has none.</summary>
    public static ArchiveDatabase? OpenForReading(EvonicInstance instance)
    {
        string path = instance.ArchiveDatabasePath;
        if (!System.IO.File.Exists(path))
            return null;
        try
        {
            return new ArchiveDatabase(SqliteDatabase.Open(path, writable: false), path);
        }
        catch (SqliteException e)
        {
            throw Unreadable(e, path);
        }
    }

    /// <summary>
    /// Every archived session, oldest entry first, streamed: each with its message and JSONL line counts (one
    /// grouped scan each, so an archive Evonic created, without the module's indexes, is read in one pass too).
    /// </summary>
    public IEnumerable<ArchivedSessionInfo> ReadSessions(string instanceRoot)
    {
        HashSet<string> tables = SqliteDatabase.Tables(_connection);
        if (!tables.Contains("archive_sessions"))
            yield break;
        string Count(string table) =>
            tables.Contains(table)
                ? $"(SELECT archive_id, COUNT(*) AS n FROM {table} GROUP BY archive_id)"
                : "(SELECT NULL AS archive_id, 0 AS n)";
        string Has(string table) =>
            tables.Contains(table) ? $"(SELECT DISTINCT archive_id FROM {table})" : "(SELECT NULL AS archive_id)";
        using SqliteCommand command = _connection.CreateCommand();
        command.CommandText =
            $@"SELECT s.id, s.agent_id, s.session_id, s.channel_id, s.external_user_id,
            {SqliteDatabase.JulianDayOf("s.archived_at")},
                IFNULL(m.n, 0), IFNULL(j.n, 0), su.archive_id IS NOT NULL, st.archive_id IS NOT NULL,
                {(tables.Contains("evonic_sessions_archive") ? "k.archived_by" : "NULL")}
            FROM archive_sessions s
            LEFT JOIN {Count("archive_messages")} m ON m.archive_id = s.id
            LEFT JOIN {Count("archive_jsonl")} j ON j.archive_id = s.id
            LEFT JOIN {Has("archive_summaries")} su ON su.archive_id = s.id
            LEFT JOIN {Has("archive_session_state")} st ON st.archive_id = s.id
            {(tables.Contains("evonic_sessions_archive") ? JoinModuleRecord : "")}
            ORDER BY s.id";
        SqliteDataReader reader;
        try
        {
            reader = command.ExecuteReader();
        }
        catch (SqliteException e)
        {
            throw Unreadable(e, Path);
        }
        using (reader)
        {
            while (true)
            {
                try
                {
                    if (!reader.Read())
                        yield break;
                }
                catch (SqliteException e)
                {
                    throw Unreadable(e, Path);
                }
                yield return new ArchivedSessionInfo
                {
                    InstanceRoot = instanceRoot,
                    ArchiveId = reader.GetInt64(0),
                    AgentId = SqliteDatabase.Text(reader, 1) ?? "",
                    SessionId = SqliteDatabase.Text(reader, 2) ?? "",
                    ChannelId = SqliteDatabase.Text(reader, 3),
                    ExternalUserId = SqliteDatabase.Text(reader, 4),
                    ArchivedAt = reader.IsDBNull(5) ? null : SqliteDatabase.FromJulianDay(reader.GetDouble(5)),
                    MessageCount = reader.GetInt64(6),
                    JsonlLineCount = reader.GetInt64(7),
                    HasSummary = reader.GetInt64(8) != 0,
                    HasState = reader.GetInt64(9) != 0,
                    ArchivedBy = SqliteDatabase.Text(reader, 10),
                };
            }
        }
    }

    /// <summary>
    /// The newest copy of a session (latest <c>archived_at</c>, then highest id), found by the agent named in the
    /// archive row or, for the module's copies, by the agent whose <c>chat.db</c> held it; null when there is none.
    /// </summary>
    public long? FindNewest(string agentId, string sessionId) =>
        Read(() =>
        {
            HashSet<string> tables = SqliteDatabase.Tables(_connection);
            if (!tables.Contains("archive_sessions"))
                return (long?)null;
            bool chatAgent = HasModuleColumn(tables, "chat_agent_id");
            bool original = HasModuleColumn(tables, "original_columns");
            using SqliteCommand command = _connection.CreateCommand();
            // A full copy wins over a log-only one (an orphan's log), whatever their times.
            command.CommandText =
                $@"SELECT s.id FROM archive_sessions s
                {(chatAgent ? JoinModuleRecord : "")}
            WHERE s.session_id = $s AND (s.agent_id = $a {(chatAgent ? "OR k.chat_agent_id = $a" : "")})
            ORDER BY {(original ? "json_extract(k.original_columns, '$.log_only') IS 1, " : "")}
                {SqliteDatabase.JulianDayOf("s.archived_at")} DESC, s.id DESC LIMIT 1";
            command.Parameters.AddWithValue("$s", sessionId);
            command.Parameters.AddWithValue("$a", agentId);
            return command.ExecuteScalar() is long id ? id : (long?)null;
        });

    /// <summary>
    /// How many archived copies each session of an agent (and its sub-agents) has, by session id: what an admin
    /// deleting for privacy must know remains.
    /// </summary>
    public Dictionary<string, int> CountCopies(AgentFamily family) =>
        Read(() =>
        {
            var copies = new Dictionary<string, int>(StringComparer.Ordinal);
            HashSet<string> tables = SqliteDatabase.Tables(_connection);
            if (!tables.Contains("archive_sessions"))
                return copies;
            bool chatAgent = HasModuleColumn(tables, "chat_agent_id");
            using SqliteCommand command = _connection.CreateCommand();
            // substr, not LIKE: '_' in agent ids is LIKE's wildcard.
            command.CommandText =
                $@"SELECT s.agent_id, s.session_id, {(chatAgent ? "k.chat_agent_id" : "NULL")}, COUNT(*) FROM
                archive_sessions s
                {(chatAgent ? JoinModuleRecord : "")}
            WHERE s.agent_id = $p OR substr(s.agent_id, 1, length($p) + 1) = $p || '_'
            {(chatAgent ? "OR k.chat_agent_id = $p" : "")}
            GROUP BY 1, 2, 3";
            command.Parameters.AddWithValue("$p", family.ParentId);
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                string? agent = SqliteDatabase.Text(reader, 0),
                    sessionId = SqliteDatabase.Text(reader, 1),
                    chat = SqliteDatabase.Text(reader, 2);
                if (sessionId == null || !(chat == family.ParentId || (chat == null && family.Owns(agent))))
                    continue;
                copies[sessionId] = (copies.TryGetValue(sessionId, out int n) ? n : 0) + (int)reader.GetInt64(3);
            }
            return copies;
        });

    /// <summary>One archive entry with everything a restore puts back; null when no entry has that id.</summary>
    public ArchivedSession? ReadEntry(long archiveId) =>
        Read(() =>
        {
            HashSet<string> tables = SqliteDatabase.Tables(_connection);
            if (!tables.Contains("archive_sessions"))
                return null;
            bool module = tables.Contains("evonic_sessions_archive");
            bool extended = HasModuleColumn(tables, "original_columns");
            ArchivedSession? entry = null;
            ForEach(
                $@"SELECT s.session_id, s.agent_id, s.channel_id, s.external_user_id, s.bot_enabled,
                {SqliteDatabase.JulianDayOf("s.archived_at")},
                    {(module ? "k.jsonl_unterminated" : "0")},
                    {(extended ? "k.chat_agent_id, k.original_columns" : "NULL, NULL")}
                FROM archive_sessions s {(module ? "LEFT JOIN evonic_sessions_archive k ON k.archive_id = s.id" : "")}
                WHERE s.id = $id",
                archiveId,
                reader =>
                {
                    entry = new ArchivedSession
                    {
                        ArchiveId = archiveId,
                        SessionId = SqliteDatabase.Text(reader, 0) ?? "",
                        AgentId = SqliteDatabase.Text(reader, 1) ?? "",
                        ChannelId = SqliteDatabase.Text(reader, 2),
                        ExternalUserId = SqliteDatabase.Text(reader, 3) ?? "",
                        BotEnabled = SqliteDatabase.Value(reader, 4),
                        ArchivedAtUtc = reader.IsDBNull(5) ? null : SqliteDatabase.FromJulianDay(reader.GetDouble(5)),
                        JsonlUnterminated = !reader.IsDBNull(6) && reader.GetInt64(6) != 0,
                        ChatAgentId = SqliteDatabase.Text(reader, 7),
                    };
                    if (SqliteDatabase.Text(reader, 8) is { } original)
                        entry.ReadOriginalColumns(original);
                }
            );
            if (entry == null)
                return null;
            if (tables.Contains("archive_messages"))
                ForEach(
                    "SELECT role, content, tool_calls, tool_call_id, metadata, created_at FROM archive_messages "
                        + "WHERE archive_id = $id ORDER BY id",
                    archiveId,
                    reader =>
                        entry.Messages.Add(
                            new[]
                            {
                                SqliteDatabase.Value(reader, 0),
                                SqliteDatabase.Value(reader, 1),
                                SqliteDatabase.Value(reader, 2),
                                SqliteDatabase.Value(reader, 3),
                                SqliteDatabase.Value(reader, 4),
                                SqliteDatabase.Value(reader, 5),
                            }
                        )
                );
            if (tables.Contains("archive_summaries"))
                ForEach(
                    "SELECT summary, last_message_id, message_count, created_at FROM archive_summaries WHERE "
                        + "archive_id = $id",
                    archiveId,
                    reader =>
                        entry.Summary = new[]
                        {
                            SqliteDatabase.Value(reader, 0),
                            SqliteDatabase.Value(reader, 1),
                            SqliteDatabase.Value(reader, 2),
                            SqliteDatabase.Value(reader, 3),
                        }
                );
            if (tables.Contains("archive_session_state"))
                ForEach("SELECT content FROM archive_session_state WHERE archive_id = $id", archiveId, reader =>
                    entry.State = SqliteDatabase.Text(reader, 0)
                );
            if (tables.Contains("archive_jsonl"))
                ForEach(
                    "SELECT entry_json FROM archive_jsonl WHERE archive_id = $id ORDER BY line_number, id",
                    archiveId,
                    reader =>
                        entry.JsonlLines.Add(
                            reader.IsDBNull(0)
                                ? Array.Empty<byte>()
                                : reader.GetValue(0) as byte[]
                                    ?? System.Text.Encoding.UTF8.GetBytes(SqliteDatabase.Text(reader, 0)!)
                        )
                );
            // Copies written before the module kept its own columns, or a count that no longer matches: map by position
            // only.
            if (entry.HasOriginalColumns && entry.MessageColumns.Count != entry.Messages.Count)
                entry.MessageColumns.Clear();
            return entry;
        });

    private bool HasModuleColumn(HashSet<string> tables, string column) =>
        tables.Contains("evonic_sessions_archive")
        && SqliteDatabase.Columns(_connection, "evonic_sessions_archive").Contains(column);

    private void ForEach(string sql, long archiveId, Action<SqliteDataReader> use)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", archiveId);
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
            use(reader);
    }

    private T Read<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is SqliteException or JsonException or FormatException or InvalidOperationException)
        {
            throw Unreadable(e, Path);
        }
    }

    internal static EvonicException Unreadable(Exception e, string path) =>
        SqliteErrors.Unreadable(e, EvonicErrorKind.ArchiveUnreadable, path);

    /// <summary>Opens the archive for writing, creating it (and its tables) when absent.</summary>
    public static ArchiveDatabase OpenForWriting(EvonicInstance instance)
    {
        string path = instance.ArchiveDatabasePath;
        SqliteConnection? connection = null;
        try
        {
            connection = SqliteDatabase.OpenOrCreate(path, instance.Root);
            ArchiveSchema.Create(connection);
            SqliteDatabase.Execute(
                connection,
                "CREATE TEMP TABLE IF NOT EXISTS batch (session_id TEXT PRIMARY KEY, archive_id INTEGER NOT NULL, "
                    + "log_file TEXT, unterminated INTEGER NOT NULL DEFAULT 0)"
            );
            return new ArchiveDatabase(connection, path);
        }
        catch (SqliteException e)
        {
            connection?.Dispose();
            throw SqliteErrors.WriteFailure(e, path);
        }
    }

    /// <summary>
    /// A write to the archive as a transaction's first statement: it takes the archive's write lock (waiting as the
    /// busy timeout allows) together with its read snapshot, so no later upgrade can fail on a snapshot the app moved
    /// on.
    /// </summary>
    internal const string LockArchiveSql = "UPDATE evonic_sessions_archive SET pending = pending WHERE archive_id = -1";

    internal void Run(SqliteTransaction transaction, string sql)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    internal static string Quote(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    /// <summary>A statement prepared once and run with new values each time (its parameters in order).</summary>
    internal sealed class Statement : IDisposable
    {
        private readonly SqliteCommand _command;

        public Statement(
            SqliteConnection connection,
            SqliteTransaction transaction,
            string sql,
            params string[] parameters
        )
        {
            _command = connection.CreateCommand();
            _command.Transaction = transaction;
            _command.CommandText = sql;
            foreach (string name in parameters)
                _command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        public object? Scalar(params object?[] values)
        {
            Bind(values);
            return _command.ExecuteScalar();
        }

        public void Execute(params object?[] values)
        {
            Bind(values);
            _command.ExecuteNonQuery();
        }

        private void Bind(object?[] values)
        {
            for (int i = 0; i < values.Length; i++)
                _command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        public void Dispose() => _command.Dispose();
    }

    /// <summary>Attaches the <c>chat.db</c> of <paramref name="chatAgentId"/> to copy its sessions into this
    /// archive.</summary>
    public ArchiveWriter AttachChat(EvonicInstance instance, string chatAgentId) => new(this, instance, chatAgentId);

    /// <summary>
    /// Removes archive entries with everything they hold, in one transaction: entries purged at the end of their
    /// life. Returns how many existed.
    /// </summary>
    public int Forget(IReadOnlyCollection<long> archiveIds)
    {
        if (archiveIds.Count == 0)
            return 0;
        try
        {
            using SqliteTransaction transaction = _connection.BeginTransaction(deferred: true);
            Run(transaction, LockArchiveSql);
            int removed = Forget(transaction, archiveIds);
            transaction.Commit();
            return removed;
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, Path);
        }
    }

    internal int Forget(SqliteTransaction transaction, IReadOnlyCollection<long> archiveIds)
    {
        if (archiveIds.Count == 0)
            return 0;
        string ids = SqlJson.Array(archiveIds);
        foreach (
            string table in new[]
            {
                "archive_jsonl",
                "archive_session_state",
                "archive_summaries",
                "archive_messages",
                "evonic_sessions_archive",
            }
        )
            using (
                Statement delete = new(
                    _connection,
                    transaction,
                    $"DELETE FROM {table} WHERE archive_id IN (SELECT value FROM json_each($ids))",
                    "$ids"
                )
            )
                delete.Execute(ids);
        using Statement sessions = new(
            _connection,
            transaction,
            "DELETE FROM archive_sessions WHERE id IN (SELECT value FROM json_each($ids)); SELECT changes()",
            "$ids"
        );
        return Convert.ToInt32(sessions.Scalar(ids), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A JSONL line's <c>type</c> and <c>ts</c>, as Evonic stores them (<c>entry.get("type", "unknown")</c>,
    /// <c>entry.get("ts")</c>).</summary>
    internal static (string Type, object? Ts) Describe(byte[] line)
    {
        // A forward read of the top-level object only (no document is built): logs hold large tool outputs.
        string type = "unknown";
        object? ts = null;
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return ("unknown", null);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // Python's json keeps the last of duplicate keys; so does this.
                bool isType = reader.ValueTextEquals("type"),
                    isTs = reader.ValueTextEquals("ts");
                if (!reader.Read())
                    return ("unknown", null);
                if (isType)
                {
                    type = reader.TokenType == JsonTokenType.String ? reader.GetString()! : "unknown";
                }
                else if (isTs)
                {
                    ts = reader.TokenType switch
                    {
                        JsonTokenType.Number when reader.TryGetInt64(out long l) => l,
                        JsonTokenType.Number => reader.GetDouble(),
                        JsonTokenType.String => reader.GetString(),
                        _ => null,
                    };
                }
                reader.Skip();
            }
            // The whole line must be valid JSON, as json.loads would require.
            while (reader.Read()) { }
            return (type, ts);
        }
        catch (JsonException)
        {
            return ("unknown", null);
        }
    }

    public void Dispose() => _connection.Dispose();
}
