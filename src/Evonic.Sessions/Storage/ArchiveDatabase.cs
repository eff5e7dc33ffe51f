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
    archived_by TEXT NOT NULL,
    jsonl_unterminated INTEGER NOT NULL DEFAULT 0,
    chat_agent_id TEXT,
    original_columns TEXT,
    pending INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_evonic_sessions_archive_session ON evonic_sessions_archive(chat_agent_id, session_id);
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

    /// <summary>The module's holds of restored sessions, kept in this file.</summary>
    public RestoreHolds Holds => _holds ??= new RestoreHolds(_connection, Path);

    private RestoreHolds? _holds;

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
        bool original = HasModuleColumn(tables, "original_columns");
        using SqliteCommand command = _connection.CreateCommand();
        // A full copy wins over a log-only one (an orphan's log), whatever their times.
        command.CommandText = $@"SELECT s.id FROM archive_sessions s
                {(chatAgent ? "LEFT JOIN evonic_sessions_archive k ON k.archive_id = s.id" : "")}
            WHERE s.session_id = $s AND (s.agent_id = $a {(chatAgent ? "OR k.chat_agent_id = $a" : "")})
            ORDER BY {(original ? "json_extract(k.original_columns, '$.log_only') IS 1, " : "")}{SqliteDatabase.JulianDayOf("s.archived_at")} DESC, s.id DESC LIMIT 1";
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
                reader => entry.JsonlLines.Add(reader.IsDBNull(0) ? Array.Empty<byte>()
                    : reader.GetValue(0) as byte[] ?? System.Text.Encoding.UTF8.GetBytes(SqliteDatabase.Text(reader, 0)!)));
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

    internal static EvonicException Unreadable(Exception e, string path) => SqliteErrors.Unreadable(e, EvonicErrorKind.ArchiveUnreadable, path);

    /// <summary>Opens the archive for writing, creating it (and its tables) when absent.</summary>
    public static ArchiveDatabase OpenForWriting(EvonicInstance instance)
    {
        string path = instance.ArchiveDatabasePath;
        SqliteConnection? connection = null;
        try
        {
            connection = SqliteDatabase.OpenOrCreate(path, instance.Root);
            SqliteDatabase.Execute(connection, EvonicDdl);
            SqliteDatabase.Execute(connection, ModuleDdl);
            SqliteDatabase.Execute(connection, RestoreHolds.Ddl);
            SqliteDatabase.Execute(connection, "CREATE TEMP TABLE IF NOT EXISTS batch (session_id TEXT PRIMARY KEY, archive_id INTEGER NOT NULL, log_file TEXT, unterminated INTEGER NOT NULL DEFAULT 0)");
            return new ArchiveDatabase(connection, path);
        }
        catch (SqliteException e)
        {
            connection?.Dispose();
            throw SqliteErrors.WriteFailure(e, path);
        }
    }

    private string? _chatAgentId;
    private string _copySessionsSql = "", _copyMessagesSql = "", _copySummariesSql = "", _copyStateSql = "", _recordSql = "", _fingerprintSql = "";

    /// <summary>
    /// Attaches the <c>chat.db</c> of <paramref name="chatAgentId"/> to copy sessions from, in SQL: what Evonic's tables
    /// hold goes into them, what they have no column for into <c>original_columns</c>, each value with its type.
    /// </summary>
    public void AttachChat(EvonicInstance instance, string chatAgentId)
    {
        try
        {
            using (SqliteCommand attach = _connection.CreateCommand())
            {
                attach.CommandText = "ATTACH DATABASE $path AS chat";
                attach.Parameters.AddWithValue("$path", instance.ChatDatabasePath(chatAgentId));
                attach.ExecuteNonQuery();
            }
            _chatAgentId = chatAgentId;
            HashSet<string> Columns(string table) => SqliteDatabase.Columns(_connection, table, schema: "chat");
            HashSet<string> sessions = Columns("chat_sessions"), messages = Columns("chat_messages"), summaries = Columns("chat_summaries"),
                state = Columns("session_state"), agentState = Columns("agent_state");
            // The session's session_index row as it was, so that a restore puts back that row, or none when it had none.
            using (SqliteCommand attach = _connection.CreateCommand())
            {
                attach.CommandText = "ATTACH DATABASE $path AS evonic";
                attach.Parameters.AddWithValue("$path", instance.MainDatabasePath);
                attach.ExecuteNonQuery();
            }
            HashSet<string> index = SqliteDatabase.Columns(_connection, "session_index", schema: "evonic");
            string C(HashSet<string> columns, string alias, string name) => columns.Contains(name) ? $"{alias}.{Quote(name)}" : "NULL";
            // A value as JSON that keeps its type (ColumnValues reads it back): SQLite writes reals with a decimal point; blobs as hex.
            string Rest(HashSet<string> columns, string alias, string[] archived)
                => "json_object(" + string.Join(", ", columns.Where(c => !archived.Contains(c, StringComparer.OrdinalIgnoreCase)).Select(c =>
                       $"'{c.Replace("'", "''")}', CASE typeof({alias}.{Quote(c)}) WHEN 'blob' THEN json_object('hex', hex({alias}.{Quote(c)})) ELSE {alias}.{Quote(c)} END")) + ")";

            // As models/session_archive.py fills them: external_user_id '' when missing, bot_enabled as stored.
            _fingerprintSql = ChatDatabase.FingerprintSql("chat.", summaries.Count > 0, state.Count > 0);
            _copySessionsSql = $@"INSERT INTO archive_sessions (session_id, agent_id, channel_id, external_user_id, bot_enabled)
                SELECT s.id, s.agent_id, {C(sessions, "s", "channel_id")}, IFNULL({C(sessions, "s", "external_user_id")}, ''), {(sessions.Contains("bot_enabled") ? "s.bot_enabled" : "1")}
                FROM json_each($ids) j JOIN chat.chat_sessions s ON s.id = j.value ORDER BY j.key";
            // CROSS JOIN keeps the batch as the outer loop: without statistics for temp.batch, SQLite would otherwise scan
            // every message of chat.db's index for each batch.
            _copyMessagesSql = $@"INSERT INTO archive_messages (archive_id, role, content, tool_calls, tool_call_id, metadata, created_at)
                SELECT b.archive_id, IFNULL(m.role, ''), {C(messages, "m", "content")}, {C(messages, "m", "tool_calls")}, {C(messages, "m", "tool_call_id")},
                    {C(messages, "m", "metadata")}, {C(messages, "m", "created_at")}
                FROM temp.batch b CROSS JOIN chat.chat_messages m ON m.session_id = b.session_id ORDER BY b.session_id, m.id";
            _copySummariesSql = summaries.Count == 0 ? "" : $@"INSERT INTO archive_summaries (archive_id, summary, last_message_id, message_count, created_at)
                SELECT b.archive_id, IFNULL(su.summary, ''), {C(summaries, "su", "last_message_id")}, {C(summaries, "su", "message_count")}, {C(summaries, "su", "created_at")}
                FROM temp.batch b CROSS JOIN chat.chat_summaries su ON su.session_id = b.session_id";
            // Evonic archives a state only when it has one ("if session_state:").
            _copyStateSql = state.Count == 0 ? "" : @"INSERT INTO archive_session_state (archive_id, content)
                SELECT b.archive_id, st.content FROM temp.batch b CROSS JOIN chat.session_state st ON st.session_id = b.session_id
                WHERE st.content IS NOT NULL AND st.content <> ''";
            string original = $@"json_object('log_file', b.log_file,
                'session', {Rest(sessions, "s", ArchivedSession.ArchivedSessionColumns)},
                'messages', json((SELECT json_group_array({Rest(messages, "m", ArchivedSession.ArchivedMessageColumns)})
                    FROM (SELECT {string.Join(", ", messages.Where(c => !ArchivedSession.ArchivedMessageColumns.Contains(c, StringComparer.OrdinalIgnoreCase)).Select(Quote))}
                          FROM chat.chat_messages WHERE session_id = s.id ORDER BY id) m)),
                'summary', {(summaries.Count == 0 ? "NULL" : $"json((SELECT {Rest(summaries, "su", ArchivedSession.ArchivedSummaryColumns)} FROM chat.chat_summaries su WHERE su.session_id = s.id))")},
                'session_state', {(state.Count == 0 ? "NULL" : $"json((SELECT {Rest(state, "st", ArchivedSession.ArchivedStateColumns)} FROM chat.session_state st WHERE st.session_id = s.id))")},
                'agent_state', {(agentState.Count == 0 ? "NULL" : $"json((SELECT {Rest(agentState, "a", new[] { "session_id" })} FROM chat.agent_state a WHERE a.session_id = s.id AND a.session_id <> '__agent__'))")},
                'session_index', {(index.Count == 0 ? "NULL" : $"json((SELECT {Rest(index, "si", Array.Empty<string>())} FROM evonic.session_index si WHERE si.session_id = s.id))")})";
            _recordSql = $@"INSERT INTO evonic_sessions_archive (archive_id, agent_id, session_id, archived_by, jsonl_unterminated, chat_agent_id, original_columns, pending)
                SELECT b.archive_id, s.agent_id, s.id, $by, b.unterminated, $chat, {original}, 1
                FROM temp.batch b CROSS JOIN chat.chat_sessions s ON s.id = b.session_id";
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, Path);
        }
    }

    /// <summary>
    /// A write to the archive as a transaction's first statement: it takes the archive's write lock (waiting as the busy
    /// timeout allows) together with its read snapshot, so no later upgrade can fail on a snapshot the app moved on.
    /// </summary>
    private const string LockArchiveSql = "UPDATE evonic_sessions_archive SET pending = pending WHERE archive_id = -1";

    private void Run(SqliteTransaction transaction, string sql)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    /// <summary>
    /// Archives a batch in one durable transaction, before the batch's delete: each session's rows copied from the
    /// attached <c>chat.db</c>, each log line as given, the entry marked pending until <see cref="Settle"/>. An orphan log
    /// (<see cref="ArchivedSession.LogOnly"/>) whose session already has a full copy, or a copy with its log, is not
    /// copied again: it is the leftover of a run killed between the session's rows and its files. Returns each session's entry and whether
    /// this call wrote it; a session whose rows vanished meanwhile gets none.
    /// </summary>
    /// <param name="sessions">The batch's sessions.</param>
    /// <param name="fingerprints">What each copied session's rows were in the snapshot the copy came from
    /// (<see cref="ChatDatabase.FingerprintSql"/>).</param>
    public Dictionary<string, (long Id, bool Written)> Write(IReadOnlyList<ArchivedSession> sessions, out Dictionary<string, string> fingerprints)
    {
        fingerprints = new Dictionary<string, string>(StringComparer.Ordinal);
        var ids = new Dictionary<string, (long, bool)>(StringComparer.Ordinal);
        try
        {
            // Deferred, not IMMEDIATE: BEGIN IMMEDIATE would take the write lock of the attached chat.db too. The first
            // statement writes the archive, so its write lock comes with its read snapshot.
            using SqliteTransaction transaction = _connection.BeginTransaction(deferred: true);
            Run(transaction, LockArchiveSql);
            using Statement copySessions = new(_connection, transaction, _copySessionsSql, "$ids");
            using Statement lastId = new(_connection, transaction, "SELECT IFNULL(MAX(id), 0) FROM archive_sessions");
            using Statement mapBatch = new(_connection, transaction,
                "INSERT INTO temp.batch (session_id, archive_id) SELECT session_id, id FROM archive_sessions WHERE id > $before", "$before");
            using Statement record = new(_connection, transaction, _recordSql, "$by", "$chat");
            using Statement logs = new(_connection, transaction,
                @"UPDATE temp.batch SET log_file = json_extract(l.value, '$[0]'), unterminated = json_extract(l.value, '$[1]')
                    FROM json_each($logs) l WHERE l.key = temp.batch.session_id", "$logs");
            using Statement insertLine = new(_connection, transaction,
                "INSERT INTO archive_jsonl (archive_id, line_number, entry_type, entry_json, ts) VALUES ($i, $n, $t, $j, $ts)", "$i", "$n", "$t", "$j", "$ts");
            // A full copy (rows) of the session, or any copy with its log: the orphan log is what a killed run left of a
            // session already copied (a session cleared by /clear leaves an empty log), never copied again alone.
            using Statement copiedLog = new(_connection, transaction,
                @"SELECT k.archive_id FROM evonic_sessions_archive k WHERE k.chat_agent_id = $chat AND k.session_id = $s
                    AND (json_extract(k.original_columns, '$.log_only') IS NOT 1 OR EXISTS (SELECT 1 FROM archive_jsonl j WHERE j.archive_id = k.archive_id))
                    ORDER BY json_extract(k.original_columns, '$.log_only') IS 1, k.archive_id DESC LIMIT 1", "$chat", "$s");
            using Statement insertOrphan = new(_connection, transaction,
                @"INSERT INTO archive_sessions (session_id, agent_id, channel_id, external_user_id, bot_enabled) VALUES ($s, $a, NULL, '', 1);
                  INSERT INTO evonic_sessions_archive (archive_id, agent_id, session_id, archived_by, jsonl_unterminated, chat_agent_id, original_columns, pending)
                    VALUES (last_insert_rowid(), $a, $s, $by, $unterminated, $chat, json_object('log_only', json('true'), 'log_file', $logFile), 1);
                  SELECT last_insert_rowid()", "$s", "$a", "$by", "$unterminated", "$chat", "$logFile");

            var rows = sessions.Where(s => !s.LogOnly).ToList();
            var copied = new Dictionary<string, long>(StringComparer.Ordinal);
            if (rows.Count > 0)
            {
                Run(transaction, "DELETE FROM temp.batch");
                // Ids only grow (AUTOINCREMENT) and this transaction holds the archive's write lock: the new rows are those above.
                object? before = lastId.Scalar();
                string batchIds = JsonSerializer.Serialize(rows.Select(r => r.SessionId));
                copySessions.Execute(batchIds);
                // In the snapshot the copy was read from: what the delete must still find.
                using (SqliteCommand fingerprint = _connection.CreateCommand())
                {
                    fingerprint.Transaction = transaction;
                    fingerprint.CommandText = _fingerprintSql;
                    fingerprint.Parameters.AddWithValue("$ids", batchIds);
                    using SqliteDataReader reader = fingerprint.ExecuteReader();
                    while (reader.Read()) fingerprints[reader.GetString(0)] = reader.IsDBNull(1) ? "" : reader.GetString(1);
                }
                mapBatch.Execute(before);
                // Each session's log name and torn-last-line flag, for its record below: one statement for the batch.
                var logFiles = new Dictionary<string, object?[]>(StringComparer.Ordinal);
                foreach (ArchivedSession row in rows) logFiles[row.SessionId] = new object?[] { row.LogFileName, row.JsonlUnterminated ? 1 : 0 };
                logs.Execute(JsonSerializer.Serialize(logFiles));
                using (SqliteCommand batch = _connection.CreateCommand())
                {
                    batch.Transaction = transaction;
                    batch.CommandText = "SELECT session_id, archive_id FROM temp.batch";
                    using SqliteDataReader reader = batch.ExecuteReader();
                    while (reader.Read()) copied[reader.GetString(0)] = reader.GetInt64(1);
                }
                foreach (string sql in new[] { _copyMessagesSql, _copySummariesSql, _copyStateSql }.Where(q => q.Length > 0)) Run(transaction, sql);
                record.Execute(ArchivedBy, _chatAgentId);
            }
            foreach (ArchivedSession session in sessions)
            {
                long id;
                if (session.LogOnly)
                {
                    if (copiedLog.Scalar(_chatAgentId, session.SessionId) is long earlier)
                    {
                        ids[session.SessionId] = (earlier, false);
                        continue;
                    }
                    id = (long)insertOrphan.Scalar(session.SessionId, session.AgentId, ArchivedBy, session.JsonlUnterminated ? 1L : 0L, _chatAgentId, session.LogFileName)!;
                }
                else
                {
                    if (!copied.TryGetValue(session.SessionId, out id)) continue;
                }
                for (int i = 0; i < session.JsonlLines.Count; i++)
                {
                    (string type, object? ts) = Describe(session.JsonlLines[i]);
                    // Text, as Evonic's archive holds it; a line that is not UTF-8 as its bytes (a BLOB), never altered.
                    insertLine.Execute(id, (long)(i + 1), type, ChatLog.TextOf(session.JsonlLines[i]) ?? (object)session.JsonlLines[i], ts);
                }
                ids[session.SessionId] = (id, true);
            }
            transaction.Commit();
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, Path);
        }
        return ids;
    }

    /// <summary>
    /// After a batch's delete: the entries of removed sessions are final, those of sessions the delete kept are
    /// removed again (the archive holds removed sessions only). One transaction.
    /// </summary>
    public void Settle(IReadOnlyCollection<long> removed, IReadOnlyCollection<long> kept)
    {
        if (removed.Count == 0 && kept.Count == 0) return;
        try
        {
            using SqliteTransaction transaction = _connection.BeginTransaction(deferred: true);
            Run(transaction, LockArchiveSql);
            using (Statement done = new(_connection, transaction, "UPDATE evonic_sessions_archive SET pending = 0 WHERE archive_id IN (SELECT value FROM json_each($ids))", "$ids"))
                done.Execute(JsonSerializer.Serialize(removed));
            Forget(transaction, kept);
            transaction.Commit();
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, Path);
        }
    }

    /// <summary>
    /// Settles what a run killed between an archive commit and the end of its batch left pending for the attached
    /// agent: a session still whole (its rows, or for an orphan log the file, still there) loses its copy, as it was
    /// not removed; the others' copies are final.
    /// </summary>
    public void SettlePending(Func<string, bool> logFileExists)
    {
        var removed = new List<long>();
        var kept = new List<long>();
        try
        {
            using SqliteCommand pending = _connection.CreateCommand();
            pending.CommandText = @"SELECT k.archive_id, EXISTS (SELECT 1 FROM chat.chat_sessions s WHERE s.id = k.session_id),
                    json_extract(k.original_columns, '$.log_only'), json_extract(k.original_columns, '$.log_file')
                FROM evonic_sessions_archive k WHERE k.pending <> 0 AND k.chat_agent_id = $chat";
            pending.Parameters.AddWithValue("$chat", _chatAgentId);
            using SqliteDataReader reader = pending.ExecuteReader();
            while (reader.Read())
            {
                bool whole = reader.GetInt64(1) != 0
                    || (!reader.IsDBNull(2) && reader.GetInt64(2) != 0 && SqliteDatabase.Text(reader, 3) is { } log && logFileExists(log));
                (whole ? kept : removed).Add(reader.GetInt64(0));
            }
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, Path);
        }
        Settle(removed, kept);
    }

    /// <summary>A statement prepared once and run with new values each time (its parameters in order).</summary>
    private sealed class Statement : IDisposable
    {
        private readonly SqliteCommand _command;

        public Statement(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] parameters)
        {
            _command = connection.CreateCommand();
            _command.Transaction = transaction;
            _command.CommandText = sql;
            foreach (string name in parameters) _command.Parameters.Add(new SqliteParameter { ParameterName = name });
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
            for (int i = 0; i < values.Length; i++) _command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        public void Dispose() => _command.Dispose();
    }

    /// <summary>
    /// Removes archive entries with everything they hold, in one transaction: entries purged at the end of their
    /// life. Returns how many existed.
    /// </summary>
    public int Forget(IReadOnlyCollection<long> archiveIds)
    {
        if (archiveIds.Count == 0) return 0;
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

    private int Forget(SqliteTransaction transaction, IReadOnlyCollection<long> archiveIds)
    {
        if (archiveIds.Count == 0) return 0;
        string ids = JsonSerializer.Serialize(archiveIds);
        foreach (string table in new[] { "archive_jsonl", "archive_session_state", "archive_summaries", "archive_messages", "evonic_sessions_archive" })
            using (Statement delete = new(_connection, transaction, $"DELETE FROM {table} WHERE archive_id IN (SELECT value FROM json_each($ids))", "$ids"))
                delete.Execute(ids);
        using Statement sessions = new(_connection, transaction, "DELETE FROM archive_sessions WHERE id IN (SELECT value FROM json_each($ids)); SELECT changes()", "$ids");
        return Convert.ToInt32(sessions.Scalar(ids), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A JSONL line's <c>type</c> and <c>ts</c>, as Evonic stores them (<c>entry.get("type", "unknown")</c>, <c>entry.get("ts")</c>).</summary>
    internal static (string Type, object? Ts) Describe(byte[] line)
    {
        // A forward read of the top-level object only (no document is built): logs hold large tool outputs.
        string type = "unknown";
        object? ts = null;
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return ("unknown", null);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // Python's json keeps the last of duplicate keys; so does this.
                bool isType = reader.ValueTextEquals("type"), isTs = reader.ValueTextEquals("ts");
                if (!reader.Read()) return ("unknown", null);
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
