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
/// which entries the cleanup wrote and a digest of each: Evonic's readers query its <c>archive_*</c> tables by name
/// and never see it.
/// </summary>
internal sealed class ArchiveDatabase : IDisposable
{
    /// <summary>Evonic's DDL, verbatim.</summary>
    internal const string EvonicDdl = @"
CREATE TABLE IF NOT EXISTS archive_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    channel_id TEXT,
    external_user_id TEXT NOT NULL,
    bot_enabled BOOLEAN DEFAULT 1,
    archived_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS archive_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    archive_id INTEGER NOT NULL,
    role TEXT NOT NULL,
    content TEXT,
    tool_calls TEXT,
    tool_call_id TEXT,
    metadata TEXT,
    created_at TEXT,
    FOREIGN KEY (archive_id) REFERENCES archive_sessions(id)
);

CREATE TABLE IF NOT EXISTS archive_summaries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    archive_id INTEGER NOT NULL UNIQUE,
    summary TEXT NOT NULL,
    last_message_id INTEGER,
    message_count INTEGER,
    created_at TEXT,
    FOREIGN KEY (archive_id) REFERENCES archive_sessions(id)
);

CREATE TABLE IF NOT EXISTS archive_session_state (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    archive_id INTEGER NOT NULL UNIQUE,
    content TEXT NOT NULL,
    FOREIGN KEY (archive_id) REFERENCES archive_sessions(id)
);

CREATE TABLE IF NOT EXISTS archive_jsonl (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    archive_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    entry_type TEXT NOT NULL,
    entry_json TEXT NOT NULL,
    ts INTEGER,
    FOREIGN KEY (archive_id) REFERENCES archive_sessions(id)
);
";

    /// <summary>
    /// The module's own record of what it archived, and indexes that let an entry be found, restored or purged
    /// without scanning every archived message (Evonic's DDL has none).
    /// </summary>
    internal const string ModuleDdl = @"
CREATE TABLE IF NOT EXISTS evonic_sessions_archive (
    archive_id INTEGER PRIMARY KEY,
    agent_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    archived_by TEXT NOT NULL,
    jsonl_unterminated INTEGER NOT NULL DEFAULT 0,
    chat_agent_id TEXT,
    original_columns TEXT
);
CREATE INDEX IF NOT EXISTS idx_evonic_sessions_archive_key ON evonic_sessions_archive(agent_id, session_id, content_sha256);
CREATE INDEX IF NOT EXISTS idx_evonic_sessions_archive_messages ON archive_messages(archive_id);
CREATE INDEX IF NOT EXISTS idx_evonic_sessions_archive_jsonl ON archive_jsonl(archive_id);
";

    public const string ArchivedBy = "Evonic.Sessions";

    private readonly SqliteConnection _connection;

    private ArchiveDatabase(SqliteConnection connection, string path)
    {
        _connection = connection;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Opens the archive to read it; null when the instance has none.</summary>
    public static ArchiveDatabase? OpenForReading(EvonicInstance instance)
    {
        string path = instance.ArchiveDatabasePath;
        if (!System.IO.File.Exists(path)) return null;
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
        if (!tables.Contains("archive_sessions")) yield break;
        string Count(string table) => tables.Contains(table) ? $"(SELECT archive_id, COUNT(*) AS n FROM {table} GROUP BY archive_id)" : "(SELECT NULL AS archive_id, 0 AS n)";
        string Has(string table) => tables.Contains(table) ? $"(SELECT DISTINCT archive_id FROM {table})" : "(SELECT NULL AS archive_id)";
        using SqliteCommand command = _connection.CreateCommand();
        command.CommandText = $@"SELECT s.id, s.agent_id, s.session_id, s.channel_id, s.external_user_id, {SqliteDatabase.JulianDayOf("s.archived_at")},
                IFNULL(m.n, 0), IFNULL(j.n, 0), su.archive_id IS NOT NULL, st.archive_id IS NOT NULL,
                {(tables.Contains("evonic_sessions_archive") ? "k.archived_by" : "NULL")}
            FROM archive_sessions s
            LEFT JOIN {Count("archive_messages")} m ON m.archive_id = s.id
            LEFT JOIN {Count("archive_jsonl")} j ON j.archive_id = s.id
            LEFT JOIN {Has("archive_summaries")} su ON su.archive_id = s.id
            LEFT JOIN {Has("archive_session_state")} st ON st.archive_id = s.id
            {(tables.Contains("evonic_sessions_archive") ? "LEFT JOIN evonic_sessions_archive k ON k.archive_id = s.id" : "")}
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
                    if (!reader.Read()) yield break;
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
    public long? FindNewest(string agentId, string sessionId) => Read(() =>
    {
        HashSet<string> tables = SqliteDatabase.Tables(_connection);
        if (!tables.Contains("archive_sessions")) return (long?)null;
        bool chatAgent = HasModuleColumn(tables, "chat_agent_id");
        using SqliteCommand command = _connection.CreateCommand();
        command.CommandText = $@"SELECT s.id FROM archive_sessions s
                {(chatAgent ? "LEFT JOIN evonic_sessions_archive k ON k.archive_id = s.id" : "")}
            WHERE s.session_id = $s AND (s.agent_id = $a {(chatAgent ? "OR k.chat_agent_id = $a" : "")})
            ORDER BY {SqliteDatabase.JulianDayOf("s.archived_at")} DESC, s.id DESC LIMIT 1";
        command.Parameters.AddWithValue("$s", sessionId);
        command.Parameters.AddWithValue("$a", agentId);
        return command.ExecuteScalar() is long id ? id : (long?)null;
    });

    /// <summary>
    /// How many archived copies each session of an agent (and its sub-agents) has, by session id: what an admin
    /// deleting for privacy must know remains.
    /// </summary>
    public Dictionary<string, int> CountCopies(AgentFamily family) => Read(() =>
    {
        var copies = new Dictionary<string, int>(StringComparer.Ordinal);
        HashSet<string> tables = SqliteDatabase.Tables(_connection);
        if (!tables.Contains("archive_sessions")) return copies;
        bool chatAgent = HasModuleColumn(tables, "chat_agent_id");
        using SqliteCommand command = _connection.CreateCommand();
        // substr, not LIKE: '_' in agent ids is LIKE's wildcard.
        command.CommandText = $@"SELECT s.agent_id, s.session_id, {(chatAgent ? "k.chat_agent_id" : "NULL")}, COUNT(*) FROM archive_sessions s
                {(chatAgent ? "LEFT JOIN evonic_sessions_archive k ON k.archive_id = s.id" : "")}
            WHERE s.agent_id = $p OR substr(s.agent_id, 1, length($p) + 1) = $p || '_' {(chatAgent ? "OR k.chat_agent_id = $p" : "")}
            GROUP BY 1, 2, 3";
        command.Parameters.AddWithValue("$p", family.ParentId);
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            string? agent = SqliteDatabase.Text(reader, 0), sessionId = SqliteDatabase.Text(reader, 1), chat = SqliteDatabase.Text(reader, 2);
            if (sessionId == null || !(chat == family.ParentId || (chat == null && family.Owns(agent)))) continue;
            copies[sessionId] = (copies.TryGetValue(sessionId, out int n) ? n : 0) + (int)reader.GetInt64(3);
        }
        return copies;
    });

    /// <summary>One archive entry with everything a restore puts back; null when no entry has that id.</summary>
    public ArchivedSession? ReadEntry(long archiveId) => Read(() =>
    {
        HashSet<string> tables = SqliteDatabase.Tables(_connection);
        if (!tables.Contains("archive_sessions")) return null;
        bool module = tables.Contains("evonic_sessions_archive");
        bool extended = HasModuleColumn(tables, "original_columns");
        ArchivedSession? entry = null;
        ForEach($@"SELECT s.session_id, s.agent_id, s.channel_id, s.external_user_id, s.bot_enabled, {SqliteDatabase.JulianDayOf("s.archived_at")},
                    {(module ? "k.jsonl_unterminated" : "0")}, {(extended ? "k.chat_agent_id, k.original_columns" : "NULL, NULL")}
                FROM archive_sessions s {(module ? "LEFT JOIN evonic_sessions_archive k ON k.archive_id = s.id" : "")} WHERE s.id = $id", archiveId, reader =>
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
            if (SqliteDatabase.Text(reader, 8) is { } original) entry.ReadOriginalColumns(original);
        });
        if (entry == null) return null;
        if (tables.Contains("archive_messages"))
            ForEach("SELECT role, content, tool_calls, tool_call_id, metadata, created_at FROM archive_messages WHERE archive_id = $id ORDER BY id", archiveId,
                reader => entry.Messages.Add(new[] { SqliteDatabase.Value(reader, 0), SqliteDatabase.Value(reader, 1), SqliteDatabase.Value(reader, 2),
                    SqliteDatabase.Value(reader, 3), SqliteDatabase.Value(reader, 4), SqliteDatabase.Value(reader, 5) }));
        if (tables.Contains("archive_summaries"))
            ForEach("SELECT summary, last_message_id, message_count, created_at FROM archive_summaries WHERE archive_id = $id", archiveId,
                reader => entry.Summary = new[] { SqliteDatabase.Value(reader, 0), SqliteDatabase.Value(reader, 1), SqliteDatabase.Value(reader, 2), SqliteDatabase.Value(reader, 3) });
        if (tables.Contains("archive_session_state"))
            ForEach("SELECT content FROM archive_session_state WHERE archive_id = $id", archiveId, reader => entry.State = SqliteDatabase.Text(reader, 0));
        if (tables.Contains("archive_jsonl"))
            ForEach("SELECT entry_json FROM archive_jsonl WHERE archive_id = $id ORDER BY line_number, id", archiveId,
                reader => entry.JsonlLines.Add(SqliteDatabase.Text(reader, 0) ?? ""));
        // Copies written before the module kept its own columns, or a count that no longer matches: map by position only.
        if (entry.HasOriginalColumns && entry.MessageColumns.Count != entry.Messages.Count) entry.MessageColumns.Clear();
        return entry;
    });

    private bool HasModuleColumn(HashSet<string> tables, string column)
        => tables.Contains("evonic_sessions_archive") && SqliteDatabase.Columns(_connection, "evonic_sessions_archive").Contains(column);

    private void ForEach(string sql, long archiveId, Action<SqliteDataReader> use)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", archiveId);
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read()) use(reader);
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

    private static EvonicException Unreadable(Exception e, string path)
        => new(EvonicErrorKind.ArchiveUnreadable, $"The session archive '{path}' cannot be read: {e.Message}", path, e);

    /// <summary>Opens the archive for writing, creating it (and its tables) when absent.</summary>
    public static ArchiveDatabase OpenForWriting(EvonicInstance instance)
    {
        string path = instance.ArchiveDatabasePath;
        SqliteNativeLibrary.EnsureInitialized();
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            ForeignKeys = false,
            DefaultTimeout = SqliteDatabase.BusyTimeoutMilliseconds / 1000,
        }.ToString());
        try
        {
            connection.Open();
            // FULL: an archive commit is on disk before the chat.db delete that relies on it.
            SqliteDatabase.Execute(connection, $"PRAGMA busy_timeout = {SqliteDatabase.BusyTimeoutMilliseconds}; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
            SqliteDatabase.Execute(connection, EvonicDdl);
            SqliteDatabase.Execute(connection, ModuleDdl);
            // An archive the module's first archiving release wrote lacks the columns added since.
            HashSet<string> columns = SqliteDatabase.Columns(connection, "evonic_sessions_archive");
            foreach (string column in new[] { "chat_agent_id", "original_columns" })
                if (!columns.Contains(column)) SqliteDatabase.Execute(connection, $"ALTER TABLE evonic_sessions_archive ADD COLUMN {column} TEXT");
            return new ArchiveDatabase(connection, path);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw SqliteDatabase.WriteFailure(e, path);
        }
    }

    /// <summary>
    /// Archives the sessions in one durable transaction. A session archived before with the same content (a run
    /// killed after this commit and before its deletion) keeps its one copy. Returns each session's archive id and
    /// whether this call wrote it.
    /// </summary>
    public Dictionary<string, (long Id, bool Written)> Write(IEnumerable<ArchivedSession> sessions)
    {
        var ids = new Dictionary<string, (long, bool)>(StringComparer.Ordinal);
        try
        {
            using SqliteTransaction transaction = _connection.BeginTransaction(deferred: false);
            foreach (ArchivedSession session in sessions)
            {
                string hash = session.ContentHash();
                object? existing = Scalar(transaction,
                    "SELECT k.archive_id FROM evonic_sessions_archive k JOIN archive_sessions s ON s.id = k.archive_id WHERE k.agent_id = $a AND k.session_id = $s AND k.content_sha256 = $h",
                    ("$a", session.AgentId), ("$s", session.SessionId), ("$h", hash));
                if (existing is long found)
                {
                    ids[session.SessionId] = (found, false);
                    continue;
                }
                long id = (long)Scalar(transaction,
                    "INSERT INTO archive_sessions (session_id, agent_id, channel_id, external_user_id, bot_enabled) VALUES ($s, $a, $c, $u, $b); SELECT last_insert_rowid()",
                    ("$s", session.SessionId), ("$a", session.AgentId), ("$c", session.ChannelId), ("$u", session.ExternalUserId), ("$b", session.BotEnabled ?? 1L))!;
                foreach (object?[] m in session.Messages)
                    Scalar(transaction, "INSERT INTO archive_messages (archive_id, role, content, tool_calls, tool_call_id, metadata, created_at) VALUES ($i, $r, $c, $t, $tc, $m, $at)",
                        ("$i", id), ("$r", m[0] ?? ""), ("$c", m[1]), ("$t", m[2]), ("$tc", m[3]), ("$m", m[4]), ("$at", m[5]));
                if (session.Summary is { } summary)
                    Scalar(transaction, "INSERT INTO archive_summaries (archive_id, summary, last_message_id, message_count, created_at) VALUES ($i, $s, $l, $n, $at)",
                        ("$i", id), ("$s", summary[0] ?? ""), ("$l", summary[1]), ("$n", summary[2]), ("$at", summary[3]));
                if (!string.IsNullOrEmpty(session.State))
                    Scalar(transaction, "INSERT INTO archive_session_state (archive_id, content) VALUES ($i, $c)", ("$i", id), ("$c", session.State));
                for (int i = 0; i < session.JsonlLines.Count; i++)
                {
                    (string type, object? ts) = Describe(session.JsonlLines[i]);
                    Scalar(transaction, "INSERT INTO archive_jsonl (archive_id, line_number, entry_type, entry_json, ts) VALUES ($i, $n, $t, $j, $ts)",
                        ("$i", id), ("$n", (long)(i + 1)), ("$t", type), ("$j", session.JsonlLines[i]), ("$ts", ts));
                }
                Scalar(transaction, @"INSERT INTO evonic_sessions_archive (archive_id, agent_id, session_id, content_sha256, archived_by, jsonl_unterminated, chat_agent_id, original_columns)
                        VALUES ($i, $a, $s, $h, $by, $u, $chat, $columns)",
                    ("$i", id), ("$a", session.AgentId), ("$s", session.SessionId), ("$h", hash), ("$by", ArchivedBy), ("$u", session.JsonlUnterminated ? 1L : 0L),
                    ("$chat", session.ChatAgentId), ("$columns", session.OriginalColumnsJson()));
                ids[session.SessionId] = (id, true);
            }
            transaction.Commit();
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.WriteFailure(e, Path);
        }
        return ids;
    }

    /// <summary>
    /// Removes archive entries with everything they hold, in one transaction: sessions a run archived and then kept
    /// (the archive holds removed sessions only), or entries purged at the end of their life. Returns how many existed.
    /// </summary>
    public int Forget(IReadOnlyCollection<long> archiveIds)
    {
        if (archiveIds.Count == 0) return 0;
        int removed;
        string ids = JsonSerializer.Serialize(archiveIds);
        try
        {
            using SqliteTransaction transaction = _connection.BeginTransaction(deferred: false);
            foreach (string table in new[] { "archive_jsonl", "archive_session_state", "archive_summaries", "archive_messages" })
                Scalar(transaction, $"DELETE FROM {table} WHERE archive_id IN (SELECT value FROM json_each($ids))", ("$ids", ids));
            Scalar(transaction, "DELETE FROM evonic_sessions_archive WHERE archive_id IN (SELECT value FROM json_each($ids))", ("$ids", ids));
            removed = Convert.ToInt32(Scalar(transaction, "DELETE FROM archive_sessions WHERE id IN (SELECT value FROM json_each($ids)); SELECT changes()", ("$ids", ids)));
            transaction.Commit();
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.WriteFailure(e, Path);
        }
        return removed;
    }

    /// <summary>A JSONL line's <c>type</c> and <c>ts</c>, as Evonic stores them (<c>entry.get("type", "unknown")</c>, <c>entry.get("ts")</c>).</summary>
    internal static (string Type, object? Ts) Describe(string line)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return ("unknown", null);
            string type = document.RootElement.TryGetProperty("type", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "unknown";
            object? ts = document.RootElement.TryGetProperty("ts", out JsonElement e) ? e.ValueKind switch
            {
                JsonValueKind.Number when e.TryGetInt64(out long l) => l,
                JsonValueKind.Number => e.GetDouble(),
                JsonValueKind.String => e.GetString(),
                _ => null,
            } : null;
            return (type, ts);
        }
        catch (JsonException)
        {
            return ("unknown", null);
        }
    }

    private object? Scalar(SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command.ExecuteScalar();
    }

    public void Dispose() => _connection.Dispose();
}
