using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Linq;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions;

/// <summary>One session row of an agent's <c>chat.db</c>, with what its messages tell about its age.</summary>
internal sealed class SessionRow
{
    public string Id = "";
    public string AgentId = "";
    public string? ChannelId;
    public string? ExternalUserId;
    public bool BotEnabled = true;
    public bool Archived;
    public string? UpdatedAtText;
    public double? UpdatedAtJulian;
    public long MessageCount;
    public double? LastMessageJulian;
    public bool HasUnreadableMessageTime;
}

/// <summary>
/// An agent's <c>chat.db</c>, written concurrently by the live Evonic app. Reads sessions with their message
/// statistics and removes sessions in short <c>BEGIN IMMEDIATE</c> transactions that check each session's age
/// again before its deletes, so a session that became active after it was listed is kept whole.
/// </summary>
internal sealed class ChatDatabase : IDisposable
{
    private const string AgentStateKey = "__agent__";
    private readonly SqliteConnection _connection;
    private readonly HashSet<string> _tables;
    private readonly HashSet<string> _sessionColumns;
    private SqliteCommand? _sessionExists;

    private ChatDatabase(SqliteConnection connection, string path)
    {
        _connection = connection;
        Path = path;
        _tables = SqliteDatabase.Tables(connection);
        if (!_tables.Contains("chat_sessions") || !_tables.Contains("chat_messages"))
            throw new EvonicException(EvonicErrorKind.UnknownSchema,
                $"'{path}' is not an Evonic chat database: it lacks the chat_sessions or chat_messages table.", path);
        _sessionColumns = SqliteDatabase.Columns(connection, "chat_sessions");
        foreach (string required in new[] { "id", "agent_id", "updated_at" })
            if (!_sessionColumns.Contains(required))
                throw new EvonicException(EvonicErrorKind.UnknownSchema,
                    $"'{path}' has an unknown schema: chat_sessions lacks the column '{required}'.", path);
    }

    public string Path { get; }

    public bool HasSessionState => _tables.Contains("session_state");

    public static ChatDatabase Open(EvonicInstance instance, string agentId, bool writable)
    {
        string path = instance.ChatDatabasePath(agentId);
        if (!System.IO.File.Exists(path))
            throw new EvonicException(EvonicErrorKind.AgentDatabaseMissing,
                $"Agent '{agentId}' is listed in the main database, but its chat database '{path}' does not exist.", path);
        SqliteConnection? connection = null;
        try
        {
            connection = SqliteDatabase.Open(path, writable);
            return new ChatDatabase(connection, path);
        }
        catch (SqliteException e)
        {
            connection?.Dispose();
            throw writable && SqliteDatabase.IsReadOnly(e) ? SqliteDatabase.WriteFailure(e, path) : Translate(e, path);
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    public static EvonicException Translate(SqliteException e, string path)
        => SqliteDatabase.IsBusy(e)
            ? SqliteDatabase.WriteFailure(e, path)
            : new EvonicException(EvonicErrorKind.AgentDatabaseUnreadable, $"'{path}' cannot be read: {e.Message}", path, e);

    private string Column(string name) => _sessionColumns.Contains(name) ? "s." + name : "NULL";

    /// <summary>Every session with its message statistics, in one pass (messages reached through idx_messages_session).</summary>
    internal string ReadSessionsSql => $@"SELECT s.id, s.agent_id, {Column("channel_id")}, {Column("external_user_id")},
                {Column("bot_enabled")}, {Column("archived")}, s.updated_at, {SqliteDatabase.JulianDayOf("s.updated_at")},
                COUNT(m.id), MAX({SqliteDatabase.JulianDayOf("m.created_at")}),
                SUM(CASE WHEN m.created_at IS NOT NULL AND {SqliteDatabase.JulianDayOf("m.created_at")} IS NULL THEN 1 ELSE 0 END)
            FROM chat_sessions s LEFT JOIN chat_messages m ON m.session_id = s.id
            WHERE s.id IS NOT NULL
            GROUP BY s.id";

    internal SqliteConnection Connection => _connection;

    /// <summary>
    /// Starts one read transaction for the rest of this connection's reads, so that an agent's listing sees one
    /// snapshot even while the app writes. A reader never blocks the app's writers in WAL mode. (A plain BEGIN:
    /// Microsoft.Data.Sqlite would otherwise require its transaction object on every command.)
    /// </summary>
    public void BeginSnapshot() => SqliteDatabase.Execute(_connection, "BEGIN");

    /// <summary>Every session with its message statistics, streamed in id order as SQLite produces them.</summary>
    public IEnumerable<SessionRow> ReadSessions()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = ReadSessionsSql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return new SessionRow
            {
                Id = Text(reader, 0)!,
                AgentId = Text(reader, 1) ?? "",
                ChannelId = Text(reader, 2),
                ExternalUserId = Text(reader, 3),
                BotEnabled = reader.IsDBNull(4) || !IsFalse(reader.GetValue(4)),
                Archived = !reader.IsDBNull(5) && !IsFalse(reader.GetValue(5)),
                UpdatedAtText = Text(reader, 6),
                UpdatedAtJulian = reader.IsDBNull(7) ? null : reader.GetDouble(7),
                MessageCount = reader.GetInt64(8),
                LastMessageJulian = reader.IsDBNull(9) ? null : reader.GetDouble(9),
                HasUnreadableMessageTime = !reader.IsDBNull(10) && reader.GetInt64(10) > 0,
            };
        }
    }

    internal string ReadUpdateTimesSql => $@"SELECT s.agent_id, {Column("channel_id")}, {Column("external_user_id")}, {SqliteDatabase.JulianDayOf("s.updated_at")}
            FROM chat_sessions s WHERE s.id IS NOT NULL";

    /// <summary>Each session's grouping columns and <c>updated_at</c> only: one pass over chat_sessions, no messages.</summary>
    public IEnumerable<SessionRow> ReadUpdateTimes()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = ReadUpdateTimesSql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return new SessionRow
            {
                AgentId = Text(reader, 0) ?? "",
                ChannelId = Text(reader, 1),
                ExternalUserId = Text(reader, 2),
                UpdatedAtJulian = reader.IsDBNull(3) ? null : reader.GetDouble(3),
            };
        }
    }

    internal const string ReadStatesSql = "SELECT session_id, content FROM session_state WHERE session_id IS NOT NULL";

    /// <summary>
    /// The sessions whose <c>session_state</c> JSON matches <paramref name="state"/>, where the table exists. Only
    /// their ids are kept, however many states there are.
    /// </summary>
    public HashSet<string> ReadSessionsWhoseState(Func<string, bool> state)
    {
        var matching = new HashSet<string>(StringComparer.Ordinal);
        if (!HasSessionState) return matching;
        using var command = _connection.CreateCommand();
        command.CommandText = ReadStatesSql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
            if (state(Text(reader, 1) ?? "")) matching.Add(Text(reader, 0)!);
        return matching;
    }

    internal const string ReadAgentStateSql = "SELECT content FROM agent_state WHERE session_id = $key";

    /// <summary>The agent's global <c>'__agent__'</c> state JSON, or null when there is none.</summary>
    public string? ReadAgentState()
    {
        if (!_tables.Contains("agent_state")) return null;
        using var command = _connection.CreateCommand();
        command.CommandText = ReadAgentStateSql;
        command.Parameters.AddWithValue("$key", AgentStateKey);
        return command.ExecuteScalar() is { } value and not DBNull ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;
    }

    internal const string SessionExistsSql = "SELECT EXISTS (SELECT 1 FROM chat_sessions WHERE id = $id)";

    /// <summary>A primary-key lookup, prepared once: a listing asks it for every id the main database names.</summary>
    public bool SessionExists(string sessionId)
    {
        if (_sessionExists == null)
        {
            _sessionExists = _connection.CreateCommand();
            _sessionExists.CommandText = SessionExistsSql;
            _sessionExists.Parameters.Add("$id", SqliteType.Text);
            _sessionExists.Prepare();
        }
        _sessionExists.Parameters["$id"].Value = sessionId;
        return (long)_sessionExists.ExecuteScalar()! != 0;
    }

    internal const string CountSessionsSql = "SELECT COUNT(*) FROM chat_sessions";

    public long CountSessions()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = CountSessionsSql;
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The session ids of a batch, passed as one JSON array: set-based statements, no temp table in Evonic's files.</summary>
    private const string BatchIds = "(SELECT value FROM json_each($ids))";

    /// <summary>
    /// Which of the batch's sessions are still old at <c>$cutoff</c>, with their message counts: <c>updated_at</c> and
    /// every message before the cutoff (a time that cannot be read counts as new), and no human took it over.
    /// </summary>
    internal string StillOldSql => $@"SELECT s.id, (SELECT COUNT(*) FROM chat_messages m WHERE m.session_id = s.id)
        FROM chat_sessions s
        WHERE s.id IN {BatchIds}
            AND {SqliteDatabase.JulianDayOf("s.updated_at")} < $cutoff
            {(_sessionColumns.Contains("bot_enabled") ? "AND IFNULL(s.bot_enabled, 1) NOT IN (0, '0', 'false')" : "")}
            AND NOT EXISTS (SELECT 1 FROM chat_messages m WHERE m.session_id = s.id
                AND m.created_at IS NOT NULL AND IFNULL({SqliteDatabase.JulianDayOf("m.created_at")} >= $cutoff, 1))";

    /// <summary>The DELETEs of a batch of still-old sessions (<c>$ids</c>), children first.</summary>
    internal IReadOnlyList<string> DeleteSql
    {
        get
        {
            var statements = new List<string> { $"DELETE FROM chat_messages WHERE session_id IN {BatchIds}" };
            if (_tables.Contains("chat_summaries")) statements.Add($"DELETE FROM chat_summaries WHERE session_id IN {BatchIds}");
            if (HasSessionState) statements.Add($"DELETE FROM session_state WHERE session_id IN {BatchIds}");
            if (_tables.Contains("agent_state")) statements.Add($"DELETE FROM agent_state WHERE session_id IN {BatchIds} AND session_id <> '{AgentStateKey}'");
            statements.Add($"DELETE FROM chat_sessions WHERE id IN {BatchIds}");
            return statements;
        }
    }

    /// <summary>
    /// Removes the rows of <paramref name="sessions"/> in one <c>BEGIN IMMEDIATE</c> transaction. The sessions are
    /// checked again inside it (<see cref="StillOldSql"/>); one that is no longer old keeps every row. Returns, per
    /// session removed, how many messages went with it.
    /// </summary>
    public Dictionary<string, long> RemoveSessions(IReadOnlyList<EvonicSession> sessions, DateTime cutoffUtc)
    {
        var removed = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            // deferred: false makes Microsoft.Data.Sqlite issue BEGIN IMMEDIATE: the write lock is held from the
            // start, so nothing the live app writes can land between the age check and the deletes.
            using SqliteTransaction transaction = _connection.BeginTransaction(deferred: false);
            using (SqliteCommand check = _connection.CreateCommand())
            {
                check.Transaction = transaction;
                check.CommandText = StillOldSql;
                check.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(sessions.Select(s => s.SessionId)));
                check.Parameters.AddWithValue("$cutoff", SqliteDatabase.JulianDay(cutoffUtc));
                using SqliteDataReader reader = check.ExecuteReader();
                while (reader.Read()) removed[reader.GetString(0)] = reader.GetInt64(1);
            }
            if (removed.Count > 0)
            {
                string ids = JsonSerializer.Serialize(removed.Keys);
                foreach (string sql in DeleteSql)
                {
                    using SqliteCommand delete = _connection.CreateCommand();
                    delete.Transaction = transaction;
                    delete.CommandText = sql;
                    delete.Parameters.AddWithValue("$ids", ids);
                    delete.ExecuteNonQuery();
                }
            }
            transaction.Commit();
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.WriteFailure(e, Path);
        }
        return removed;
    }

    private static string? Text(SqliteDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : Convert.ToString(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static bool IsFalse(object value) => value switch
    {
        long l => l == 0,
        double d => d == 0,
        string s => s.Trim() == "0" || s.Trim().Equals("false", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>A passive WAL checkpoint after a commit: outside the write transaction, never blocking the app.</summary>
    public void Checkpoint()
    {
        try
        {
            SqliteDatabase.Checkpoint(_connection);
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.WriteFailure(e, Path);
        }
    }

    public void Dispose()
    {
        _sessionExists?.Dispose();
        _connection.Dispose();
    }
}
