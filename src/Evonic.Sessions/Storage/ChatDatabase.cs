using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Storage;

/// <summary>
/// An agent's <c>chat.db</c>, written concurrently by the live Evonic app. Reads sessions with their message
/// statistics and removes sessions in short <c>BEGIN IMMEDIATE</c> transactions that check each session's age
/// again before its deletes, so a session that became active after it was listed is kept whole.
/// </summary>
internal sealed class ChatDatabase : EvonicDatabaseFile
{
    private const string AgentStateKey = "__agent__";
    private readonly HashSet<string> _tables;
    private readonly HashSet<string> _sessionColumns;
    private readonly HashSet<string> _messageColumns;
    private SqliteCommand? _sessionExists;
    private readonly SessionReferences _references;

    /// <summary>
    /// The session columns of Evonic's own <c>chat.db</c> tables: each removed with its session, except
    /// <c>memories.source_session_id</c> (<c>models/chat.py</c>: long-term memories outlive the conversation they came
    /// from).
    /// </summary>
    private static readonly Dictionary<string, string[]> HandledColumns = new(StringComparer.OrdinalIgnoreCase)
    {
        ["chat_messages"] = new[] { "session_id" },
        ["chat_summaries"] = new[] { "session_id" },
        ["session_state"] = new[] { "session_id" },
        ["agent_state"] = new[] { "session_id" },
        ["memories"] = new[] { "source_session_id" },
    };

    private ChatDatabase(SqliteConnection connection, string path, string agentId)
        : base(connection, path)
    {
        AgentId = agentId;
        _tables = SqliteDatabase.Tables(connection);
        if (!_tables.Contains("chat_sessions") || !_tables.Contains("chat_messages"))
            throw new EvonicException(
                EvonicErrorKind.UnknownSchema,
                $"'{path}' is not an Evonic chat database: it lacks the chat_sessions or chat_messages table.",
                path
            );
        _sessionColumns = SqliteDatabase.Columns(connection, "chat_sessions");
        _messageColumns = SqliteDatabase.Columns(connection, "chat_messages");
        foreach (string required in new[] { "id", "agent_id", "updated_at" })
            if (!_sessionColumns.Contains(required))
                throw new EvonicException(
                    EvonicErrorKind.UnknownSchema,
                    $"'{path}' has an unknown schema: chat_sessions lacks the column '{required}'.",
                    path
                );
        _references = SessionReferences.Find(connection, _tables, HandledColumns);
    }

    /// <summary>Tables of this file that name sessions in a column the module does not handle.</summary>
    public IEnumerable<string> UnknownTables => _references.UnknownTables;

    /// <summary>The sessions those tables name (<see cref="SessionProtection.UnknownTable"/>).</summary>
    public HashSet<string> ReadUnknownReferences() => Reading(() => _references.Read(Connection, null));

    /// <summary>The agent whose database this is: the id Evonic's lookups ask for in it.</summary>
    public string AgentId { get; }

    public bool HasSessionState => _tables.Contains("session_state");

    public static ChatDatabase Open(EvonicInstance instance, string agentId, bool writable)
    {
        string path = instance.ChatDatabasePath(agentId);
        if (!System.IO.File.Exists(path))
            throw new EvonicException(
                EvonicErrorKind.AgentDatabaseMissing,
                $"Agent '{agentId}' is listed in the main database, but its chat database '{path}' does not exist.",
                path
            );
        SqliteConnection? connection = null;
        try
        {
            connection = SqliteDatabase.Open(path, writable, instance.Root);
            return new ChatDatabase(connection, path, agentId);
        }
        catch (SqliteException e)
        {
            connection?.Dispose();
            throw writable && SqliteErrors.IsReadOnly(e) ? SqliteErrors.WriteFailure(e, path) : Translate(e, path);
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    /// <summary>A failure of SQLite on this file as the store reports it: busy as DatabaseLocked, else
    /// unreadable.</summary>
    private static EvonicException Translate(SqliteException e, string path) =>
        SqliteErrors.ReadFailure(e, EvonicErrorKind.AgentDatabaseUnreadable, path);

    /// <summary>A read of this file: SQLite's failures come out as the store's (<see cref="EvonicException"/>, through
    /// <see cref="SqliteErrors"/>).</summary>
    private T Reading<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (SqliteException e)
        {
            throw Translate(e, Path);
        }
    }

    private string Column(string name) => _sessionColumns.Contains(name) ? "s." + name : "NULL";

    /// <summary>
    /// The one definition of "a human took the session over" (<c>bot_enabled</c> false), for every query. Evonic
    /// reads <c>bool(bot_enabled)</c>: NULL, 0, 0.0 and '' are false; '0' and 'false' (any case or spacing), which
    /// Python would call true, count as false here too, since a doubtful takeover keeps the session.
    /// </summary>
    private string BotDisabled(string table) =>
        _sessionColumns.Contains("bot_enabled") ? SqliteDatabase.IsFalsy(table + "bot_enabled") : "0";

    /// <summary>Archived, as the listing shows it: set and not false (Evonic's lookups skip <c>archived =
    /// 1</c>).</summary>
    private string ArchivedFlag =>
        _sessionColumns.Contains("archived") ? $"NOT {SqliteDatabase.IsFalsy("s.archived")}" : "0";

    /// <summary>Every session with its message statistics, in one pass (messages reached through Evonic's
    /// idx_messages_session_created, or idx_messages_session in files older than it).</summary>
    internal string ReadSessionsSql => SessionsSql(withBytes: false);

    /// <summary>The listing's one pass over the sessions and their messages; <paramref name="withBytes"/> adds the
    /// bytes of the messages' text (a measure: what a removal would free).</summary>
    private string SessionsSql(bool withBytes) =>
        $@"SELECT s.id, s.agent_id, {Column("channel_id")}, {Column("external_user_id")},
                {BotDisabled("s.")}, {ArchivedFlag}, {SqliteDatabase.JulianDayOf("s.updated_at")},
                COUNT(m.id), MAX({SqliteDatabase.JulianDayOf("m.created_at")}),
                SUM(CASE WHEN m.created_at IS NOT NULL AND {SqliteDatabase.JulianDayOf("m.created_at")} IS NULL THEN 1
                ELSE 0 END){(withBytes ? ", SUM(length(CAST(m.content AS BLOB)))" : "")}
            FROM chat_sessions s LEFT JOIN chat_messages m ON m.session_id = s.id
            WHERE s.id IS NOT NULL
            GROUP BY s.id";

    /// <summary>
    /// Starts one read transaction for the rest of this connection's reads, so that an agent's listing sees one
    /// snapshot even while the app writes. A reader never blocks the app's writers in WAL mode. (A plain BEGIN:
    /// Microsoft.Data.Sqlite would otherwise require its transaction object on every command.)
    /// </summary>
    public void BeginSnapshot() => Reading(() => SqliteDatabase.Execute(Connection, "BEGIN"));

    /// <summary>Every session with its message statistics (with <paramref name="withBytes"/>, the bytes of their
    /// text), streamed in id order as SQLite produces them.</summary>
    public IEnumerable<SessionRow> ReadSessions(bool withBytes = false)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = SessionsSql(withBytes);
        using SqliteDataReader reader = Reading(command.ExecuteReader);
        while (Reading(reader.Read))
        {
            yield return new SessionRow
            {
                Id = Text(reader, 0)!,
                AgentId = Text(reader, 1) ?? "",
                ChannelId = Text(reader, 2),
                ExternalUserId = Text(reader, 3),
                BotEnabled = reader.GetInt64(4) == 0,
                Archived = reader.GetInt64(5) != 0,
                UpdatedAtJulian = reader.IsDBNull(6) ? null : reader.GetDouble(6),
                MessageCount = reader.GetInt64(7),
                LastMessageJulian = reader.IsDBNull(8) ? null : reader.GetDouble(8),
                HasUnreadableMessageTime = !reader.IsDBNull(9) && reader.GetInt64(9) > 0,
                MessageBytes = withBytes && !reader.IsDBNull(10) ? reader.GetInt64(10) : 0,
            };
        }
    }

    /// <summary>A person's sessions in this file (<c>chat_sessions.external_user_id</c>, sub-agents' too), with what a
    /// copy of their data shows of each.</summary>
    internal string UserSessionsSql =>
        $@"SELECT s.id, s.agent_id, {Column("channel_id")}, {Column("created_at")}, s.updated_at, {ArchivedFlag}
            FROM chat_sessions s WHERE s.external_user_id = $user ORDER BY s.updated_at, s.id";

    public List<UserSessionRow> ReadUserSessions(string externalUserId) =>
        Reading(() =>
        {
            var sessions = new List<UserSessionRow>();
            if (!_sessionColumns.Contains("external_user_id"))
                return sessions;
            using SqliteCommand command = Command(UserSessionsSql, null);
            command.Parameters.AddWithValue("$user", externalUserId);
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
                sessions.Add(
                    new UserSessionRow(
                        Text(reader, 0)!,
                        Text(reader, 1) ?? "",
                        Text(reader, 2),
                        Text(reader, 3),
                        Text(reader, 4),
                        reader.GetInt64(5) != 0
                    )
                );
            return sessions;
        });

    /// <summary>A session's messages in the order Evonic wrote them: role, text, time (each as stored).</summary>
    public List<(string? Role, string? Content, string? CreatedAt)> ReadMessages(string sessionId) =>
        Reading(() =>
        {
            var messages = new List<(string?, string?, string?)>();
            using SqliteCommand command = Command(
                $"SELECT {MessageColumn("role")}, {MessageColumn("content")}, {MessageColumn("created_at")} "
                    + "FROM chat_messages WHERE session_id = $s ORDER BY id",
                null
            );
            command.Parameters.AddWithValue("$s", sessionId);
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
                messages.Add((Text(reader, 0), Text(reader, 1), Text(reader, 2)));
            return messages;
        });

    /// <summary>Whether this file's memories name the session they were drawn from (<c>memories.source_session_id</c>,
    /// models/chat.py).</summary>
    private bool HasMemorySources =>
        _tables.Contains("memories") && SqliteDatabase.Columns(Connection, "memories").Contains("source_session_id");

    /// <summary>
    /// Deletes the memories Evonic drew from these sessions (an erasure; a cleanup by age never touches memories), and
    /// merges Evonic's full-text index of memories (<c>memories_fts</c>, FTS5) so that its segments keep no word of
    /// them. Returns how many memories went.
    /// </summary>
    public int EraseMemories(IReadOnlyCollection<string> sessionIds)
    {
        if (sessionIds.Count == 0 || !HasMemorySources)
            return 0;
        try
        {
            using SqliteTransaction transaction = Connection.BeginTransaction(deferred: false);
            using SqliteCommand delete = Command(
                "DELETE FROM memories WHERE source_session_id IN " + BatchIds,
                transaction
            );
            delete.Parameters.AddWithValue("$ids", SqlJson.Array(sessionIds));
            int erased = delete.ExecuteNonQuery();
            // An FTS5 delete adds a tombstone; the words stay in older segments until they are merged.
            if (erased > 0 && _tables.Contains("memories_fts"))
            {
                using SqliteCommand optimize = Command(
                    "INSERT INTO memories_fts(memories_fts) VALUES ('optimize')",
                    transaction
                );
                optimize.ExecuteNonQuery();
            }
            transaction.Commit();
            return erased;
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, Path);
        }
    }

    private string MessageColumn(string name) => _messageColumns.Contains(name) ? name : "NULL";

    /// <summary>The session's summary text (<c>chat_summaries</c>); null without one.</summary>
    public string? ReadSummary(string sessionId) =>
        !_tables.Contains("chat_summaries")
            ? null
            : Reading(() =>
            {
                using SqliteCommand command = Command("SELECT summary FROM chat_summaries WHERE session_id = $s", null);
                command.Parameters.AddWithValue("$s", sessionId);
                return command.ExecuteScalar() as string;
            });

    /// <summary>The memories Evonic drew from these sessions (<c>memories.source_session_id</c>): text, category,
    /// time, session.</summary>
    public List<(string? Content, string? Category, string? CreatedAt, string SessionId)> ReadMemories(
        IReadOnlyCollection<string> sessionIds
    ) =>
        Reading(() =>
        {
            var memories = new List<(string?, string?, string?, string)>();
            if (sessionIds.Count == 0 || !HasMemorySources)
                return memories;
            using SqliteCommand command = Command(
                "SELECT content, category, created_at, source_session_id FROM memories WHERE source_session_id IN "
                    + BatchIds
                    + " ORDER BY id",
                null
            );
            command.Parameters.AddWithValue("$ids", SqlJson.Array(sessionIds));
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
                memories.Add((Text(reader, 0), Text(reader, 1), Text(reader, 2), Text(reader, 3)!));
            return memories;
        });

    private string BareColumn(string name) => _sessionColumns.Contains(name) ? name : "NULL";

    internal string ReadLookupsSql => EvonicLookups.Sql(BareColumn);

    /// <summary>The sessions Evonic's own lookups return (<see cref="EvonicLookups"/>), with the lookups that return
    /// each.</summary>
    public Dictionary<string, EvonicLookup> ReadLookups() => Reading(() => ReadLookups(null));

    private Dictionary<string, EvonicLookup> ReadLookups(SqliteTransaction? transaction)
    {
        var found = new Dictionary<string, EvonicLookup>(StringComparer.Ordinal);
        using SqliteCommand command = Command(ReadLookupsSql, transaction);
        command.Parameters.AddWithValue(EvonicLookups.AgentParameter, AgentId);
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            string id = Text(reader, 0)!;
            found[id] =
                (found.TryGetValue(id, out EvonicLookup known) ? known : EvonicLookup.None)
                | (EvonicLookup)reader.GetInt32(1);
        }
        return found;
    }

    internal const string ReadStatesSql = "SELECT session_id, content FROM session_state WHERE session_id IS NOT NULL";

    /// <summary>Every session's <c>session_state</c> content, streamed (there may be one per session).</summary>
    public IEnumerable<KeyValuePair<string, string>> ReadSessionStates()
    {
        if (!HasSessionState)
            yield break;
        using SqliteCommand command = Command(ReadStatesSql, null);
        using SqliteDataReader reader = Reading(command.ExecuteReader);
        while (Reading(reader.Read))
            yield return new KeyValuePair<string, string>(Text(reader, 0)!, Text(reader, 1) ?? "");
    }

    /// <summary>
    /// The agent state Evonic reads (<c>get_agent_state</c>): the <c>'__agent__'</c> row; without one, the newest
    /// per-session row by <c>updated_at</c>, which Evonic promotes to the global state on its next read (every row
    /// tied at the top, since any of them may be the one promoted).
    /// </summary>
    internal const string ReadAgentStatesSql =
        $@"SELECT content FROM agent_state WHERE session_id = '{AgentStateKey}'
        UNION ALL
        SELECT content FROM agent_state WHERE {IsPromotedAgentState}";

    /// <summary>
    /// An <c>agent_state</c> row that Evonic promotes to the agent's state on its next read: there is no
    /// <c>'__agent__'</c> row, and it is (one of) the newest per-session rows.
    /// </summary>
    private const string IsPromotedAgentState =
        $@"NOT EXISTS (SELECT 1 FROM agent_state WHERE session_id = '{AgentStateKey}')
            AND session_id != '{AgentStateKey}'
            AND updated_at IS (SELECT updated_at FROM agent_state WHERE session_id != '{AgentStateKey}' ORDER BY
            updated_at DESC LIMIT 1)";

    /// <summary>The contents of the agent state Evonic reads (whether it says "in focus" is the rules' to
    /// decide).</summary>
    public List<string> ReadAgentStates() => Reading(() => ReadAgentStates(null));

    private List<string> ReadAgentStates(SqliteTransaction? transaction)
    {
        var states = new List<string>();
        if (!_tables.Contains("agent_state"))
            return states;
        using SqliteCommand command = Command(ReadAgentStatesSql, transaction);
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
            states.Add(Text(reader, 0) ?? "");
        return states;
    }

    /// <summary>Changes when another connection commits to the file: what this one read inside a transaction is still
    /// current while it stays the same.</summary>
    private long DataVersion(SqliteTransaction? transaction)
    {
        using SqliteCommand command = Command("PRAGMA data_version", transaction);
        return (long)command.ExecuteScalar()!;
    }

    private SqliteCommand Command(string sql, SqliteTransaction? transaction)
    {
        SqliteCommand command = Connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    internal const string SessionExistsSql = "SELECT EXISTS (SELECT 1 FROM chat_sessions WHERE id = $id)";

    /// <summary>A primary-key lookup, prepared once: a listing asks it for every id the main database names.</summary>
    public bool SessionExists(string sessionId) => Reading(() => SessionExistsNow(sessionId));

    private bool SessionExistsNow(string sessionId)
    {
        if (_sessionExists == null)
        {
            _sessionExists = Connection.CreateCommand();
            _sessionExists.CommandText = SessionExistsSql;
            _sessionExists.Parameters.Add("$id", SqliteType.Text);
            _sessionExists.Prepare();
        }
        _sessionExists.Parameters["$id"].Value = sessionId;
        return (long)_sessionExists.ExecuteScalar()! != 0;
    }

    internal const string CountSessionsSql = "SELECT COUNT(*) FROM chat_sessions";

    /// <summary>
    /// What an archive copy holds of each session of <c>$ids</c>, as one text: the row's <c>updated_at</c>, its
    /// messages (count, last id, total length, last time), its summary and its <c>session_state</c>. The archive
    /// computes it in the snapshot it copies from (schema <paramref name="schema"/>), the delete again inside its
    /// write transaction: a session the app wrote to in between keeps its rows, and loses the copy.
    /// </summary>
    internal static string FingerprintSql(string schema, bool summaries, bool states)
    {
        string summary = summaries
            ? $@"IFNULL((SELECT IFNULL(su.summary, '') || '/' || IFNULL(su.last_message_id, '') || '/'
                || IFNULL(su.message_count, '') FROM {schema}chat_summaries su WHERE su.session_id = s.id), '-')"
            : "'-'";
        string state = states
            ? $"IFNULL((SELECT IFNULL(st.content, '') FROM {schema}session_state st WHERE st.session_id = s.id), '-')"
            : "'-'";
        return $@"SELECT s.id,
            IFNULL(CAST(s.updated_at AS TEXT), '') || '|' ||
            (SELECT COUNT(*) || '/' || IFNULL(MAX(m.id), 0) || '/' || IFNULL(SUM(length(m.content)), 0) || '/' ||
            IFNULL(MAX(CAST(m.created_at AS TEXT)), '')
                FROM {schema}chat_messages m WHERE m.session_id = s.id) || '|' ||
            {summary} || '|' ||
            {state}
        FROM {schema}chat_sessions s WHERE s.id IN (SELECT value FROM json_each($ids))";
    }

    private Dictionary<string, string> ReadFingerprints(IEnumerable<string> ids, SqliteTransaction transaction)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        using SqliteCommand command = Command(
            FingerprintSql("", _tables.Contains("chat_summaries"), HasSessionState),
            transaction
        );
        command.Parameters.AddWithValue("$ids", SqlJson.Array(ids));
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
            found[reader.GetString(0)] = reader.IsDBNull(1) ? "" : reader.GetString(1);
        return found;
    }

    /// <summary>The latest of the session's <c>updated_at</c> and its messages' times, as SQLite reads them; null when
    /// none can be read.</summary>
    public DateTime? LastActivityOfRows(string sessionId) =>
        Reading(() =>
        {
            using SqliteCommand command = Command(
                $@"SELECT MAX(IFNULL({SqliteDatabase.JulianDayOf("s.updated_at")}, 0),
                IFNULL((SELECT MAX({SqliteDatabase.JulianDayOf("m.created_at")}) FROM chat_messages m WHERE
                m.session_id = s.id), 0))
            FROM chat_sessions s WHERE s.id = $id",
                null
            );
            command.Parameters.AddWithValue("$id", sessionId);
            return command.ExecuteScalar() is double julian && julian > 0
                ? SqliteDatabase.FromJulianDay(julian)
                : (DateTime?)null;
        });

    public long CountSessions() =>
        Reading(() =>
        {
            using var command = Connection.CreateCommand();
            command.CommandText = CountSessionsSql;
            return (long)command.ExecuteScalar()!;
        });

    /// <summary>The session ids of a batch, passed as one JSON array: set-based statements, no temp table in Evonic's
    /// files.</summary>
    private const string BatchIds = "(SELECT value FROM json_each($ids))";

    /// <summary>
    /// Which of the batch's sessions are still old, each at its own cutoff (<c>$cutoffs</c>: a JSON object of session
    /// id → Julian day, as a retention policy gives each its own age), with their message counts, whether a human
    /// took them over and their <c>session_state</c> (by primary key): <c>updated_at</c> and every message before the
    /// cutoff (a time that cannot be read counts as new).
    /// </summary>
    private const string StateOfSession =
        "(SELECT IFNULL(st.content, '') FROM session_state st WHERE st.session_id = s.id)";

    internal string StillOldSql =>
        $@"SELECT s.id, (SELECT COUNT(*) FROM chat_messages m WHERE m.session_id = s.id),
            {BotDisabled("s.")},
            {(HasSessionState ? StateOfSession : "NULL")}
        FROM json_each($cutoffs) b CROSS JOIN chat_sessions s ON s.id = b.key
        WHERE {SqliteDatabase.JulianDayOf("s.updated_at")} < b.value
            AND NOT EXISTS (SELECT 1 FROM chat_messages m WHERE m.session_id = s.id
                AND m.created_at IS NOT NULL AND IFNULL({SqliteDatabase.JulianDayOf("m.created_at")} >= b.value, 1))";

    /// <summary>
    /// The DELETEs of a batch of sessions (<c>$ids</c>), children first. The agent state Evonic reads
    /// (<see cref="ReadAgentStatesSql"/>) is never deleted, also when it is a per-session row Evonic will promote.
    /// </summary>
    internal IReadOnlyList<string> DeleteSql
    {
        get
        {
            var statements = new List<string> { $"DELETE FROM chat_messages WHERE session_id IN {BatchIds}" };
            if (_tables.Contains("chat_summaries"))
                statements.Add($"DELETE FROM chat_summaries WHERE session_id IN {BatchIds}");
            if (HasSessionState)
                statements.Add($"DELETE FROM session_state WHERE session_id IN {BatchIds}");
            if (_tables.Contains("agent_state"))
                statements.Add(
                    $"DELETE FROM agent_state WHERE session_id IN {BatchIds} AND session_id <> '{AgentStateKey}' AND "
                        + $"NOT ({IsPromotedAgentState})"
                );
            statements.Add($"DELETE FROM chat_sessions WHERE id IN {BatchIds}");
            return statements;
        }
    }

    private Dictionary<string, EvonicLookup>? _lookups;
    private long _lookupsVersion;

    /// <summary>
    /// Reads Evonic's lookups before the first write transaction, outside the write lock: the transactions then
    /// re-read them only when another connection has written since (<c>PRAGMA data_version</c>, read first, so a
    /// commit that lands in between makes the first transaction read them again).
    /// </summary>
    public void ReadLookupsAhead() =>
        Reading(() =>
        {
            _lookupsVersion = DataVersion(null);
            return _lookups = ReadLookups(null);
        });

    /// <summary>
    /// Removes the rows of sessions in one <c>BEGIN IMMEDIATE</c> transaction. Inside it, before any delete, it reads
    /// what the file holds now (<see cref="BatchFacts"/>: which sessions are still old, their takeover flag and state,
    /// Evonic's lookups, the agent's state, unknown tables' rows, with an archive the rows' fingerprints) and asks
    /// <paramref name="chooseRemovable"/>, which also reads what lives outside this file, which of them may go. Only
    /// still-old sessions can go, each with every row. Returns, per session removed, its message count.
    /// </summary>
    /// <param name="cutoffs">The batch: each session's cutoff (sessions last active before theirs are old).</param>
    /// <param name="chooseRemovable">The rules: which of the facts' still-old sessions may go.</param>
    /// <param name="withFingerprints">Read <see cref="BatchFacts.Fingerprints"/> (a cleanup that archives).</param>
    public Dictionary<string, long> RemoveSessions(
        IReadOnlyDictionary<string, DateTime> cutoffs,
        Func<BatchFacts, IReadOnlyCollection<string>> chooseRemovable,
        bool withFingerprints
    )
    {
        var removed = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            // deferred: false makes Microsoft.Data.Sqlite issue BEGIN IMMEDIATE: the write lock is held from the
            // start, so nothing the live app writes can land between the checks and the deletes.
            using SqliteTransaction transaction = Connection.BeginTransaction(deferred: false);
            BatchFacts facts = ReadBatchFacts(cutoffs, withFingerprints, transaction);
            foreach (string id in chooseRemovable(facts))
                if (facts.StillOld.TryGetValue(id, out BatchFacts.Row? row))
                    removed[id] = row.Messages;
            if (removed.Count > 0)
            {
                string ids = SqlJson.Array(removed.Keys);
                foreach (string sql in DeleteSql)
                {
                    using SqliteCommand delete = Command(sql, transaction);
                    delete.Parameters.AddWithValue("$ids", ids);
                    delete.ExecuteNonQuery();
                }
            }
            transaction.Commit();
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, Path);
        }
        return removed;
    }

    private BatchFacts ReadBatchFacts(
        IReadOnlyDictionary<string, DateTime> cutoffs,
        bool withFingerprints,
        SqliteTransaction transaction
    )
    {
        var stillOld = new Dictionary<string, BatchFacts.Row>(StringComparer.Ordinal);
        using (SqliteCommand check = Command(StillOldSql, transaction))
        {
            check.Parameters.AddWithValue(
                "$cutoffs",
                SqlJson.Object(
                    cutoffs.Select(c => new KeyValuePair<string, double>(c.Key, SqliteDatabase.JulianDay(c.Value)))
                )
            );
            using SqliteDataReader reader = check.ExecuteReader();
            while (reader.Read())
                stillOld[reader.GetString(0)] = new BatchFacts.Row(
                    reader.GetInt64(1),
                    botEnabled: reader.GetInt64(2) == 0,
                    Text(reader, 3)
                );
        }
        if (stillOld.Count == 0)
            return new BatchFacts();
        // Evonic's lookups scan the whole table, so their answer is kept while no other connection has written
        // (PRAGMA data_version): this cleanup's own deletes never remove a row a lookup returns.
        long version = DataVersion(transaction);
        if (_lookups == null || version != _lookupsVersion)
        {
            _lookups = ReadLookups(transaction);
            _lookupsVersion = version;
        }
        HashSet<string> unknown =
            _references.Unknown.Count > 0
                ? _references.Read(Connection, transaction, SqlJson.Array(stillOld.Keys))
                : new HashSet<string>();
        return new BatchFacts(
            stillOld,
            _lookups,
            ReadAgentStates(transaction),
            unknown,
            withFingerprints ? ReadFingerprints(stillOld.Keys, transaction) : null
        );
    }

    private static string? Text(SqliteDataReader reader, int ordinal) => SqliteDatabase.Text(reader, ordinal);

    /// <summary>
    /// Puts an archived session back in one <c>BEGIN IMMEDIATE</c> transaction: its <c>chat_sessions</c> row with every
    /// column as it was (<c>updated_at</c>, <c>created_at</c>, <c>archived</c>, ...: Evonic's lookups choose by them,
    /// so a restore must not make the session anyone's newest), its messages under new ids, its summary with the
    /// watermark moved to those ids, its <c>session_state</c> and per-session <c>agent_state</c>. Only columns this
    /// file has are written. Evonic's own copies lack <c>updated_at</c>: they get <c>archived_at</c>, the last moment
    /// the session was in use. Refuses, changing nothing, when the id is live. Returns the number of messages written.
    /// </summary>
    public int InsertRestored(ArchivedSession entry)
    {
        try
        {
            using SqliteTransaction transaction = Connection.BeginTransaction(deferred: false);
            if (SessionExistsIn(entry.SessionId, transaction))
                throw SessionIsLive(entry.SessionId);

            var session = RowFrom(entry.SessionColumns);
            if (entry.SessionColumns == null)
                session["created_at"] =
                    entry.Messages.Count > 0 && entry.Messages[0][5] != null
                        ? entry.Messages[0][5]
                        : entry.ArchivedAtUtc?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            session["id"] = entry.SessionId;
            session["agent_id"] = entry.AgentId;
            session["channel_id"] = entry.ChannelId;
            session["external_user_id"] = entry.ExternalUserId;
            session["bot_enabled"] = entry.BotEnabled;
            if (!session.ContainsKey("updated_at"))
                session["updated_at"] = entry.ArchivedAtUtc?.ToString(
                    "yyyy-MM-dd HH:mm:ss",
                    CultureInfo.InvariantCulture
                );
            Insert("chat_sessions", _sessionColumns, session, transaction);

            var newIds = new List<long>(entry.Messages.Count);
            var oldIds = new List<long?>(entry.Messages.Count);
            for (int i = 0; i < entry.Messages.Count; i++)
            {
                object?[] archived = entry.Messages[i];
                var message = RowFrom(i < entry.MessageColumns.Count ? entry.MessageColumns[i] : null);
                oldIds.Add(message.TryGetValue("id", out object? oldId) && oldId is long old ? old : null);
                message.Remove("id");
                message["session_id"] = entry.SessionId;
                for (int c = 0; c < 6; c++)
                    message[ArchivedSession.ArchivedMessageColumns[c + 1]] = archived[c];
                newIds.Add(Insert("chat_messages", _messageColumns, message, transaction));
            }

            if (entry.Summary is { } summary && _tables.Contains("chat_summaries"))
            {
                var row = RowFrom(entry.SummaryColumns);
                row["session_id"] = entry.SessionId;
                row["summary"] = summary[0] ?? "";
                row["last_message_id"] = SummaryWatermark.Remap(summary[1], summary[2], oldIds, newIds) ?? 0L;
                row["message_count"] = summary[2] ?? 0L;
                row["created_at"] = summary[3];
                Insert("chat_summaries", ColumnsOf("chat_summaries"), row, transaction);
            }
            if (!string.IsNullOrEmpty(entry.State) && HasSessionState)
            {
                var row = RowFrom(entry.StateColumns);
                row["session_id"] = entry.SessionId;
                row["content"] = entry.State;
                Insert("session_state", ColumnsOf("session_state"), row, transaction);
            }
            if (entry.AgentStateRow != null && _tables.Contains("agent_state"))
            {
                var row = RowFrom(entry.AgentStateRow);
                row["session_id"] = entry.SessionId;
                Insert("agent_state", ColumnsOf("agent_state"), row, transaction, orIgnore: true);
            }
            transaction.Commit();
            return newIds.Count;
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, Path);
        }
    }

    /// <summary>A row to write: the recorded columns (the module's copies), to which the archived ones are then
    /// set.</summary>
    private static Dictionary<string, object?> RowFrom(Dictionary<string, object?>? recorded) =>
        recorded == null ? new(StringComparer.OrdinalIgnoreCase) : new(recorded, StringComparer.OrdinalIgnoreCase);

    private readonly Dictionary<string, HashSet<string>> _otherColumns = new(StringComparer.Ordinal);

    /// <summary>A table's columns, read once per connection (a restore of many sessions asks for each).</summary>
    private HashSet<string> ColumnsOf(string table)
    {
        if (!_otherColumns.TryGetValue(table, out HashSet<string>? columns))
            _otherColumns[table] = columns = SqliteDatabase.Columns(Connection, table);
        return columns;
    }

    public EvonicException SessionIsLive(string sessionId) =>
        new(
            EvonicErrorKind.SessionExists,
            $"Session '{sessionId}' is live in '{Path}': restoring it would overwrite a conversation. Nothing was "
                + $"changed.",
            Path
        );

    private bool SessionExistsIn(string sessionId, SqliteTransaction transaction)
    {
        using SqliteCommand command = Command(SessionExistsSql, transaction);
        command.Parameters.AddWithValue("$id", sessionId);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) != 0;
    }

    /// <summary>Inserts the values of <paramref name="row"/> whose column <paramref name="table"/> has; returns the new
    /// rowid.</summary>
    private long Insert(
        string table,
        HashSet<string> columns,
        Dictionary<string, object?> row,
        SqliteTransaction transaction,
        bool orIgnore = false
    )
    {
        var names = row.Keys.Where(columns.Contains).ToList();
        using SqliteCommand command = Command(
            $"INSERT {(orIgnore ? "OR IGNORE " : "")}INTO {table} "
                + $"({string.Join(", ", names.Select(n => "\"" + n.Replace("\"", "\"\"") + "\""))}) "
                + $"VALUES ({string.Join(", ", names.Select((_, i) => Parameter(i)))}); SELECT last_insert_rowid()",
            transaction
        );
        for (int i = 0; i < names.Count; i++)
            command.Parameters.AddWithValue(Parameter(i), row[names[i]] ?? DBNull.Value);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static string Parameter(int index) => "$p" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The session's <c>session_index</c> row as Evonic's <c>_sync_session_index</c> computes it from this file: the
    /// session row, its message count, and its last user or assistant message with content.
    /// </summary>
    public Dictionary<string, object?>? ReadIndexRow(string sessionId) =>
        Reading(() =>
        {
            Dictionary<string, object?>? row = null;
            using (SqliteCommand command = Command("SELECT * FROM chat_sessions WHERE id = $id", null))
            {
                command.Parameters.AddWithValue("$id", sessionId);
                using SqliteDataReader reader = command.ExecuteReader();
                if (reader.Read())
                    row = ColumnValues.Read(reader, Array.Empty<string>());
            }
            if (row == null)
                return null;
            var index = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
            {
                ["session_id"] = sessionId,
                ["agent_id"] = row.TryGetValue("agent_id", out object? agent) ? agent : null,
                ["external_user_id"] =
                    row.TryGetValue("external_user_id", out object? user) && user != null ? user : "",
                ["channel_id"] = row.TryGetValue("channel_id", out object? channel) ? channel : null,
                ["bot_enabled"] = row.TryGetValue("bot_enabled", out object? bot) ? bot : 1L,
                ["archived"] = row.TryGetValue("archived", out object? archived) ? archived : 0L,
                ["created_at"] = row.TryGetValue("created_at", out object? created) ? created : null,
                ["updated_at"] = row.TryGetValue("updated_at", out object? updated) ? updated : null,
            };
            using (SqliteCommand command = Command("SELECT COUNT(*) FROM chat_messages WHERE session_id = $id", null))
            {
                command.Parameters.AddWithValue("$id", sessionId);
                index["message_count"] = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
            }
            using (
                SqliteCommand command = Command(
                    @"SELECT content, role FROM chat_messages
                WHERE session_id = $id AND role IN ('user', 'assistant') AND content IS NOT NULL
                ORDER BY created_at DESC LIMIT 1",
                    null
                )
            )
            {
                command.Parameters.AddWithValue("$id", sessionId);
                using SqliteDataReader reader = command.ExecuteReader();
                bool found = reader.Read();
                index["last_message"] = found ? SqliteDatabase.Value(reader, 0) : null;
                index["last_message_role"] = found ? SqliteDatabase.Value(reader, 1) : null;
            }
            return index;
        });

    public override void Dispose()
    {
        _sessionExists?.Dispose();
        base.Dispose();
    }
}
