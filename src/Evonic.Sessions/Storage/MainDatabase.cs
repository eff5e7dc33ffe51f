using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using Evonic.Sessions.Cleanup;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Storage;

/// <summary>
/// The instance's main database (<c>shared/db/evonic.db</c>): the agent list, attachment rows, the optional
/// <c>session_index</c> copy of every session row, and the cached <c>agents.session_count</c>.
/// </summary>
internal sealed class MainDatabase : EvonicDatabaseFile
{
    private readonly bool _hasAttachments;
    private readonly bool _hasSessionIndex;
    private readonly HashSet<string> _indexColumns;
    private readonly bool _hasSessionCount;
    private readonly bool _hasSchedules;
    private readonly Func<string, string> _scheduleColumn;
    private readonly bool _hasTransfers;
    private readonly string[] _escalationColumns;
    private readonly SessionReferences _references;
    private readonly bool _hasPendingApprovals;

    private static readonly string[] EscalationSessionColumns =
    {
        "requesting_session_id",
        "originating_session_id",
        "delivery_session_id",
    };

    /// <summary>
    /// The session columns of Evonic's own main-database tables: <c>session_index</c> and <c>attachments</c> rows go
    /// with their session, <c>transfer_jobs</c>, <c>user_escalations</c> and <c>pending_tool_approvals</c> (the last
    /// two timothybrush/evonic's, <c>models/schema.py</c>) protect it while live.
    /// </summary>
    private static readonly Dictionary<string, string[]> HandledColumns = new(StringComparer.OrdinalIgnoreCase)
    {
        ["session_index"] = new[] { "session_id" },
        ["attachments"] = new[] { "session_id" },
        ["transfer_jobs"] = new[] { "session_id" },
        ["user_escalations"] = EscalationSessionColumns,
        ["pending_tool_approvals"] = new[] { "session_id" },
    };

    private MainDatabase(SqliteConnection connection, string path)
        : base(connection, path)
    {
        HashSet<string> tables = SqliteDatabase.Tables(connection);
        if (!tables.Contains("agents"))
            throw new EvonicException(
                EvonicErrorKind.UnknownSchema,
                $"The main database '{path}' has no 'agents' table: it is not an Evonic main database.",
                path
            );
        HashSet<string> attachmentColumns = tables.Contains("attachments")
            ? SqliteDatabase.Columns(connection, "attachments")
            : new HashSet<string>();
        _hasAttachments =
            attachmentColumns.Contains("session_id")
            && attachmentColumns.Contains("agent_id")
            && attachmentColumns.Contains("file_path");
        _hasAttachmentSize = attachmentColumns.Contains("size_bytes");
        _hasSessionCount = SqliteDatabase.Columns(connection, "agents").Contains("session_count");
        _hasSchedules = tables.Contains("schedules");
        _hasChannelTypes =
            tables.Contains("channels")
            && SqliteDatabase.Columns(connection, "channels") is var channelColumns
            && channelColumns.Contains("id")
            && channelColumns.Contains("type");
        HashSet<string> scheduleColumns = _hasSchedules
            ? SqliteDatabase.Columns(connection, "schedules")
            : new HashSet<string>();
        _scheduleColumn = name => scheduleColumns.Contains(name) ? name : "NULL";
        _hasTransfers =
            tables.Contains("transfer_jobs")
            && SqliteDatabase.Columns(connection, "transfer_jobs") is var transferColumns
            && transferColumns.Contains("session_id")
            && transferColumns.Contains("status");
        HashSet<string> escalationColumns = tables.Contains("user_escalations")
            ? SqliteDatabase.Columns(connection, "user_escalations")
            : new HashSet<string>();
        _escalationColumns =
            escalationColumns.Contains("status") && escalationColumns.Contains("expires_at")
                ? EscalationSessionColumns.Where(escalationColumns.Contains).ToArray()
                : Array.Empty<string>();
        _references = SessionReferences.Find(connection, tables, HandledColumns);
        _hasPendingApprovals =
            tables.Contains("pending_tool_approvals")
            && SqliteDatabase.Columns(connection, "pending_tool_approvals").Contains("session_id");
        _indexColumns = tables.Contains("session_index")
            ? SqliteDatabase.Columns(connection, "session_index")
            : new HashSet<string>();
        _hasSessionIndex =
            _indexColumns.Contains("session_id")
            && _indexColumns.Contains("agent_id")
            && _indexColumns.Contains("updated_at");
    }

    public static MainDatabase Open(EvonicInstance instance, bool writable)
    {
        string path = instance.MainDatabasePath;
        SqliteConnection? connection = null;
        try
        {
            connection = SqliteDatabase.Open(path, writable, instance.Root);
            return new MainDatabase(connection, path);
        }
        catch (SqliteException e) when (writable && (SqliteErrors.IsReadOnly(e) || SqliteErrors.IsBusy(e)))
        {
            connection?.Dispose();
            throw SqliteErrors.WriteFailure(e, path);
        }
        catch (SqliteException e)
        {
            connection?.Dispose();
            throw SqliteErrors.Unreadable(e, EvonicErrorKind.MainDatabaseFailed, path);
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    public List<AgentInfo> ReadAgents()
    {
        var agents = new List<AgentInfo>();
        using var command = Connection.CreateCommand();
        command.CommandText = _hasSessionCount
            ? "SELECT id, session_count FROM agents ORDER BY id"
            : "SELECT id, NULL FROM agents ORDER BY id";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (reader.IsDBNull(0))
                continue;
            agents.Add(new AgentInfo(SqliteDatabase.Text(reader, 0)!, reader.IsDBNull(1) ? null : reader.GetInt64(1)));
        }
        return agents;
    }

    /// <summary>The agent and its sub-agents, told apart from the instance's other agents.</summary>
    public AgentFamily ReadFamily(string agentId) =>
        new(agentId, new HashSet<string>(ReadAgents().Select(a => a.Id), StringComparer.Ordinal));

    /// <summary>
    /// The agent's rows and those of ids that may be its sub-agents (<c>&lt;agent&gt;_...</c>); <see
    /// cref="AgentFamily"/> decides which are. The prefix is a range (<c>$sub</c> up to <c>$subEnd</c>, the same text
    /// with its <c>_</c> raised to the next byte), which SQLite reads through Evonic's index on <c>agent_id</c>
    /// (<c>idx_session_index_agent</c>, <c>idx_attachments_agent</c>, models/schema.py); <c>substr</c> read the whole
    /// table once per agent.
    /// </summary>
    private const string OfAgent = "(agent_id = $agent OR (agent_id >= $sub AND agent_id < $subEnd))";

    /// <summary>An agent's attachment rows, with the size Evonic records (<c>size_bytes</c>, models/schema.py) where
    /// the table has it.</summary>
    internal string AttachmentsOfAgentSql =>
        $@"SELECT session_id, agent_id, id, file_path, {SqliteDatabase.JulianDayOf("created_at")},
            created_at IS NOT NULL AND {SqliteDatabase.JulianDayOf("created_at")} IS NULL,
            {(_hasAttachmentSize ? "size_bytes" : "NULL")}
        FROM attachments WHERE {OfAgent}";

    private readonly bool _hasAttachmentSize;

    internal static readonly string IndexOfAgentSql =
        $@"SELECT session_id, agent_id, {SqliteDatabase.JulianDayOf("updated_at")},
            updated_at IS NOT NULL AND {SqliteDatabase.JulianDayOf("updated_at")} IS NULL
        FROM session_index WHERE {OfAgent}";

    internal const string UpdateSessionCountSql = "UPDATE agents SET session_count = $count WHERE id = $agent";

    /// <summary>Attachment rows of an agent and its sub-agents, by session id.</summary>
    public Dictionary<string, SessionMainRows> ReadAttachmentRows(AgentFamily family)
    {
        string agentId = family.ParentId;
        var rows = new Dictionary<string, SessionMainRows>(StringComparer.Ordinal);
        if (!_hasAttachments)
            return rows;
        Read(() =>
        {
            // One read per agent (through idx_attachments_agent), not one query per session.
            using var command = Command(AttachmentsOfAgentSql, agentId);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (reader.IsDBNull(0))
                    continue;
                string? rowAgent = SqliteDatabase.Text(reader, 1);
                if (!family.Owns(rowAgent))
                    continue;
                SessionMainRows session = For(rows, SqliteDatabase.Text(reader, 0)!);
                if (session.AttachmentAgentId == null || string.CompareOrdinal(rowAgent, session.AttachmentAgentId) < 0)
                    session.AttachmentAgentId = rowAgent;
                session.Attachments.Add(
                    new AttachmentRow(
                        reader.GetInt64(2),
                        SqliteDatabase.Text(reader, 3),
                        reader.IsDBNull(6) ? 0 : reader.GetInt64(6)
                    )
                );
                if (!reader.IsDBNull(4) && (session.LastAttachmentJulian is not { } last || reader.GetDouble(4) > last))
                    session.LastAttachmentJulian = reader.GetDouble(4);
                session.HasUnreadableTime |= reader.GetInt64(5) != 0;
            }
        });
        return rows;
    }

    /// <summary>
    /// Adds the agent's <c>session_index</c> rows whose session id <paramref name="isOrphan"/> to
    /// <paramref name="rows"/>. Only orphans need them (a live session's index row goes by primary key).
    /// </summary>
    public void AddIndexRows(Dictionary<string, SessionMainRows> rows, AgentFamily family, Func<string, bool> isOrphan)
    {
        string agentId = family.ParentId;
        if (!_hasSessionIndex)
            return;
        Read(() =>
        {
            using var command = Command(IndexOfAgentSql, agentId);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (reader.IsDBNull(0))
                    continue;
                string sessionId = SqliteDatabase.Text(reader, 0)!;
                // session_index.agent_id holds the parent in some Evonic versions, the sub-agent in others.
                if (!family.Owns(SqliteDatabase.Text(reader, 1)))
                    continue;
                if (!isOrphan(sessionId))
                    continue;
                SessionMainRows session = For(rows, sessionId);
                session.IndexAgentId = SqliteDatabase.Text(reader, 1);
                session.IndexUpdatedJulian = reader.IsDBNull(2) ? null : reader.GetDouble(2);
                session.HasUnreadableTime |= reader.GetInt64(3) != 0;
            }
        });
    }

    private static SessionMainRows For(Dictionary<string, SessionMainRows> rows, string sessionId)
    {
        if (!rows.TryGetValue(sessionId, out SessionMainRows? found))
            rows[sessionId] = found = new SessionMainRows();
        return found;
    }

    private void Read(Action read)
    {
        try
        {
            read();
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.Unreadable(e, EvonicErrorKind.MainDatabaseFailed, Path);
        }
    }

    private SqliteCommand Command(string sql, string agentId)
    {
        SqliteCommand command = Connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$agent", agentId);
        command.Parameters.AddWithValue("$sub", agentId + "_");
        command.Parameters.AddWithValue("$subEnd", agentId + "`");
        return command;
    }

    /// <summary>The main database's <c>schedules</c> rows: every one not plainly disabled (Evonic's scheduler loads
    /// <c>enabled = 1</c>; any other value is kept to be safe).</summary>
    internal string ScheduledWorkSql =>
        $"SELECT {_scheduleColumn("action_config")}, {_scheduleColumn("metadata")} FROM schedules"
        + (_scheduleColumn("enabled") == "NULL" ? "" : " WHERE enabled IS NULL OR enabled NOT IN (0, '0')");

    /// <summary>
    /// Escalations a person's reply may still be routed through (timothybrush/evonic
    /// <c>models/mixins/escalations.py</c>): <c>delivering</c> or <c>pending</c> and not expired (<c>expires_at</c>,
    /// Unix seconds, after now; one that cannot be read as a number counts as live).
    /// </summary>
    internal static string LiveEscalationsSql(IEnumerable<string> columns) =>
        $@"SELECT {string.Join(", ", columns)} FROM user_escalations WHERE status IN ('delivering', 'pending')
            AND NOT (typeof(expires_at) IN ('integer', 'real') AND expires_at <= (julianday('now') - 2440587.5) *
            86400.0)";

    /// <summary>Tables of the main database that name sessions in a column the module does not handle.</summary>
    public IEnumerable<string> UnknownTables => _references.UnknownTables;

    /// <summary>Transfers not finished: <c>pending</c>, <c>running</c>, or a status Evonic's CHECK would
    /// refuse.</summary>
    internal const string TransfersInProgressSql =
        "SELECT session_id FROM transfer_jobs WHERE status IS NULL OR status NOT IN ('completed', 'failed', "
        + "'cancelled')";

    /// <summary>
    /// What the main database names of work Evonic has still to do: the JSON of enabled schedules (e.g.
    /// <c>poll_background_job</c>, which notifies the session when its job ends), transfers in progress, live
    /// escalations, tool calls awaiting approval, and unknown tables' session ids.
    /// </summary>
    private readonly bool _hasChannelTypes;

    /// <summary>The channels' types by channel id (<c>channels.type</c>: <c>telegram</c>, <c>whatsapp</c>, ...), which
    /// a retention policy may name instead of ids.</summary>
    internal const string ChannelTypesSql = "SELECT id, type FROM channels WHERE id IS NOT NULL AND type IS NOT NULL";

    /// <summary>Channel id → type, for a retention policy's channel rules; empty without a <c>channels</c>
    /// table.</summary>
    public Dictionary<string, string> ReadChannelTypes()
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!_hasChannelTypes)
            return types;
        Read(() =>
        {
            using var command = Connection.CreateCommand();
            command.CommandText = ChannelTypesSql;
            using var reader = command.ExecuteReader();
            while (reader.Read())
                types[SqliteDatabase.Text(reader, 0)!] = SqliteDatabase.Text(reader, 1)!;
        });
        return types;
    }

    /// <summary>
    /// The attachment rows of these sessions, for a person's copy of their data: session, file name, original name,
    /// type, size and path as Evonic recorded them (names only: the files are not read). Columns a schema lacks are
    /// null.
    /// </summary>
    public List<string?[]> ReadAttachmentNames(IReadOnlyCollection<string> sessionIds)
    {
        var rows = new List<string?[]>();
        if (!_hasAttachments || sessionIds.Count == 0)
            return rows;
        HashSet<string> columns = SqliteDatabase.Columns(Connection, "attachments");
        string[] names = { "session_id", "filename", "original_filename", "mime_type", "size_bytes", "file_path" };
        Read(() =>
        {
            using var command = Connection.CreateCommand();
            command.CommandText =
                $"SELECT {string.Join(", ", names.Select(n => columns.Contains(n) ? n : "NULL"))} FROM attachments "
                + "WHERE session_id IN (SELECT value FROM json_each($ids)) ORDER BY id";
            command.Parameters.AddWithValue("$ids", SqlJson.Array(sessionIds));
            using var reader = command.ExecuteReader();
            while (reader.Read())
                rows.Add(Enumerable.Range(0, names.Length).Select(i => SqliteDatabase.Text(reader, i)).ToArray());
        });
        return rows;
    }

    /// <summary>
    /// What else of a person the main database holds once their sessions are erased: <c>session_index</c> rows of
    /// their external user id (left-overs of sessions already gone; never those of <paramref name="keptSessions"/>,
    /// whose erasure was refused), their <c>channel_pending_approvals</c> (pairing requests), their contacts in
    /// Evonic's user directory (<c>user_contacts</c>) and their place in channels' allowlists. Deletes them, or with
    /// <paramref name="countOnly"/> counts them; returns the rows by table.
    /// </summary>
    public Dictionary<string, int> EraseUserRows(
        string externalUserId,
        IReadOnlyCollection<string> keptSessions,
        bool countOnly
    )
    {
        var rows = new Dictionary<string, int>(StringComparer.Ordinal);
        HashSet<string> tables = SqliteDatabase.Tables(Connection);
        var where = new List<(string Table, string Condition)>();
        if (_hasSessionIndex && _indexColumns.Contains("external_user_id"))
            where.Add(
                ("session_index", "external_user_id = $user AND session_id NOT IN (SELECT value FROM json_each($kept))")
            );
        if (
            tables.Contains("channel_pending_approvals")
            && SqliteDatabase.Columns(Connection, "channel_pending_approvals").Contains("external_user_id")
        )
            where.Add(("channel_pending_approvals", "external_user_id = $user"));
        if (
            tables.Contains("user_contacts")
            && SqliteDatabase.Columns(Connection, "user_contacts").Contains("external_user_id")
        )
            where.Add(("user_contacts", "external_user_id = $user"));
        try
        {
            using SqliteTransaction? transaction = countOnly ? null : Connection.BeginTransaction(deferred: false);
            if (tables.Contains("channels") && SqliteDatabase.Columns(Connection, "channels").Contains("config"))
                rows["channels"] = ForgetInChannels(externalUserId, transaction, countOnly);
            foreach ((string table, string condition) in where)
            {
                using var command = Connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText =
                    (countOnly ? "SELECT COUNT(*) FROM " : "DELETE FROM ") + table + " WHERE " + condition;
                command.Parameters.AddWithValue("$user", externalUserId);
                command.Parameters.AddWithValue("$kept", SqlJson.Array(keptSessions));
                rows[table] = countOnly
                    ? Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture)
                    : command.ExecuteNonQuery();
            }
            transaction?.Commit();
        }
        catch (SqliteException e)
        {
            throw countOnly
                ? SqliteErrors.ReadFailure(e, EvonicErrorKind.MainDatabaseFailed, Path)
                : SqliteErrors.WriteFailure(e, Path);
        }
        return rows;
    }

    /// <summary>
    /// Takes the person out of every channel's allowlist and names (<c>channels.config</c>: <c>allowed_users</c>,
    /// <c>user_names</c>, which Evonic's pairing approval fills, <c>models/mixins/channels.py</c>), keeping every other
    /// setting; returns the channels changed (or, <paramref name="countOnly"/>, that would be).
    /// </summary>
    private int ForgetInChannels(string externalUserId, SqliteTransaction? transaction, bool countOnly)
    {
        var changed = new List<(string Id, string Config)>();
        using (var read = Connection.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText =
                "SELECT id, config FROM channels WHERE json_valid(config) AND (EXISTS (SELECT 1 FROM "
                + "json_each(config, '$.allowed_users') WHERE value = $user) OR EXISTS (SELECT 1 FROM "
                + "json_each(config, '$.user_names') WHERE key = $user))";
            read.Parameters.AddWithValue("$user", externalUserId);
            using var reader = read.ExecuteReader();
            while (reader.Read())
                changed.Add((SqliteDatabase.Text(reader, 0)!, SqliteDatabase.Text(reader, 1)!));
        }
        if (countOnly)
            return changed.Count;
        foreach ((string id, string config) in changed)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(config)!.AsObject();
            if (node["allowed_users"] is System.Text.Json.Nodes.JsonArray allowed)
                foreach (
                    var entry in allowed
                        .Where(e => e?.GetValueKind() == JsonValueKind.String && (string?)e == externalUserId)
                        .ToList()
                )
                    allowed.Remove(entry);
            if (node["user_names"] is System.Text.Json.Nodes.JsonObject names)
                names.Remove(externalUserId);
            using var write = Connection.CreateCommand();
            write.Transaction = transaction;
            write.CommandText = "UPDATE channels SET config = $config, updated_at = CURRENT_TIMESTAMP WHERE id = $id";
            // Text as it is (other people's names stay as written), as Python's json.dumps would keep it readable.
            write.Parameters.AddWithValue(
                "$config",
                node.ToJsonString(
                    new JsonSerializerOptions
                    {
                        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                    }
                )
            );
            write.Parameters.AddWithValue("$id", id);
            write.ExecuteNonQuery();
        }
        return changed.Count;
    }

    public PendingWork ReadPendingWork()
    {
        var work = new PendingWork();
        Read(() =>
        {
            if (_escalationColumns.Length > 0)
            {
                using var command = Connection.CreateCommand();
                command.CommandText = LiveEscalationsSql(_escalationColumns);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                    for (int i = 0; i < reader.FieldCount; i++)
                        if (!reader.IsDBNull(i))
                            work.Escalations.Add(SqliteDatabase.Text(reader, i)!);
            }
            work.UnknownReferences.UnionWith(_references.Read(Connection, null));
            if (_hasPendingApprovals)
            {
                // A row is a tool call waiting for the person's approval (the fork snapshots it for reconnects and
                // deletes it once decided): the turn is still going.
                using var command = Connection.CreateCommand();
                command.CommandText =
                    "SELECT DISTINCT session_id FROM pending_tool_approvals WHERE session_id IS NOT NULL";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                    work.PendingApprovals.Add(SqliteDatabase.Text(reader, 0)!);
            }
            if (_hasSchedules)
            {
                using var command = Connection.CreateCommand();
                command.CommandText = ScheduledWorkSql;
                using var reader = command.ExecuteReader();
                while (reader.Read())
                    for (int i = 0; i < 2; i++)
                        if (!reader.IsDBNull(i))
                            work.Schedules.Add(SqliteDatabase.Text(reader, i)!);
            }
            if (_hasTransfers)
            {
                using var command = Connection.CreateCommand();
                command.CommandText = TransfersInProgressSql;
                using var reader = command.ExecuteReader();
                while (reader.Read())
                    if (!reader.IsDBNull(0))
                        work.Transfers.Add(SqliteDatabase.Text(reader, 0)!);
            }
        });
        return work;
    }

    internal const string AttachmentPathsSql = "SELECT id, file_path FROM attachments WHERE file_path IS NOT NULL";

    /// <summary>Every attachment row's file, of every agent: a file is deleted only when no remaining row points at
    /// it.</summary>
    public AttachmentReferences ReadAttachmentReferences(EvonicInstance instance)
    {
        var references = new AttachmentReferences(instance);
        if (!_hasAttachments)
            return references;
        Read(() =>
        {
            using var command = Connection.CreateCommand();
            command.CommandText = AttachmentPathsSql;
            using var reader = command.ExecuteReader();
            while (reader.Read())
                references.Add(reader.GetInt64(0), SqliteDatabase.Text(reader, 1)!);
        });
        return references;
    }

    /// <summary>Deletes the attachment and session_index rows of sessions whose chat rows are gone (see <see
    /// cref="DeleteIndexRows"/>), in one short transaction.</summary>
    public void DeleteSessionRows(IReadOnlyCollection<EvonicSession> sessions, Func<EvonicSession, DateTime> cutoffOf)
    {
        if (_hasAttachments || _hasSessionIndex)
            InWriteTransaction(sessions, transaction =>
            {
                DeleteAttachmentRowsIn(sessions, transaction);
                DeleteIndexRowsIn(CutoffsOf(sessions, cutoffOf), transaction);
            });
    }

    /// <summary>Deletes the attachment rows the listing read of sessions whose chat rows are gone, in one short
    /// transaction (none when they have none): before the files those rows name.</summary>
    public void DeleteAttachmentRows(IReadOnlyCollection<EvonicSession> sessions)
    {
        if (_hasAttachments && sessions.Any(s => s.AttachmentRows.Count > 0))
            InWriteTransaction(sessions, transaction => DeleteAttachmentRowsIn(sessions, transaction));
    }

    /// <summary>
    /// Deletes the <c>session_index</c> rows of sessions whose chat rows are gone (each session's id and the cutoff it
    /// was removed with), in one short transaction; each row only while its <c>updated_at</c> is older than the
    /// session's cutoff. Evonic names sessions by slug and creates one again under the same id when its user writes
    /// (<c>models/chat.py</c> <c>get_or_create_session</c>), then writes its index row anew
    /// (<c>_sync_session_index</c>): that row, newer than the cutoff, is the new session's and stays.
    /// </summary>
    public void DeleteIndexRows(IReadOnlyCollection<KeyValuePair<string, DateTime>> cutoffs)
    {
        if (_hasSessionIndex)
            InWriteTransaction(cutoffs, transaction => DeleteIndexRowsIn(cutoffs, transaction));
    }

    /// <summary>Each session's id and its cutoff, as <see cref="DeleteIndexRows"/> takes them.</summary>
    public static List<KeyValuePair<string, DateTime>> CutoffsOf(
        IEnumerable<EvonicSession> sessions,
        Func<EvonicSession, DateTime> cutoffOf
    ) => sessions.Select(s => new KeyValuePair<string, DateTime>(s.SessionId, cutoffOf(s))).ToList();

    /// <summary>By rowid for attachments (the rows the listing read, never one added since).</summary>
    internal const string DeleteAttachmentsSql =
        "DELETE FROM attachments WHERE id IN (SELECT value FROM json_each($attachments)) AND session_id IN (SELECT "
        + "value FROM json_each($sessions))";

    /// <summary>By primary key for session_index, rows not newer than their session's cutoff (a julian day).</summary>
    internal static readonly string DeleteIndexSql =
        "DELETE FROM session_index WHERE session_id IN (SELECT b.key FROM json_each($cutoffs) b "
        + "JOIN session_index i ON "
        + $"i.session_id = b.key WHERE NOT IFNULL({SqliteDatabase.JulianDayOf("i.updated_at")} >= b.value, 0))";

    private void InWriteTransaction<T>(IReadOnlyCollection<T> rows, Action<SqliteTransaction> write)
    {
        if (rows.Count == 0)
            return;
        try
        {
            using SqliteTransaction transaction = Connection.BeginTransaction(deferred: false);
            write(transaction);
            transaction.Commit();
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, Path);
        }
    }

    private void DeleteAttachmentRowsIn(IReadOnlyCollection<EvonicSession> sessions, SqliteTransaction transaction)
    {
        long[] attachmentIds = sessions.SelectMany(s => s.AttachmentRows).Select(r => r.Id).ToArray();
        if (_hasAttachments && attachmentIds.Length > 0)
            Execute(
                transaction,
                DeleteAttachmentsSql,
                ("$attachments", SqlJson.Array(attachmentIds)),
                ("$sessions", SqlJson.Array(sessions.Select(s => s.SessionId)))
            );
    }

    private void DeleteIndexRowsIn(IEnumerable<KeyValuePair<string, DateTime>> cutoffs, SqliteTransaction transaction)
    {
        if (!_hasSessionIndex)
            return;
        string julianDays = SqlJson.Object(
            cutoffs.Select(c => new KeyValuePair<string, double>(c.Key, SqliteDatabase.JulianDay(c.Value)))
        );
        Execute(transaction, DeleteIndexSql, ("$cutoffs", julianDays));
    }

    /// <summary>Runs a statement in the transaction; returns the rows it changed.</summary>
    private int Execute(SqliteTransaction transaction, string sql, params (string Name, string Value)[] parameters)
    {
        using var command = Connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return command.ExecuteNonQuery();
    }

    /// <summary>
    /// Writes a session's <c>session_index</c> row as Evonic's <c>_sync_session_index</c> does (<c>INSERT OR
    /// REPLACE</c>), the columns this table has; nothing where the table does not exist.
    /// </summary>
    public void WriteIndexRow(IReadOnlyDictionary<string, object?> row)
    {
        if (!_hasSessionIndex)
            return;
        try
        {
            var names = row.Keys.Where(_indexColumns.Contains).ToList();
            using var command = Connection.CreateCommand();
            command.CommandText =
                $"INSERT OR REPLACE INTO session_index ({string.Join(", ", names)}) VALUES "
                + $"({string.Join(", ", names.Select(n => "$" + n))})";
            foreach (string name in names)
                command.Parameters.AddWithValue("$" + name, row[name] ?? DBNull.Value);
            command.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, Path);
        }
    }

    public void UpdateSessionCount(string agentId, long count)
    {
        if (!_hasSessionCount)
            return;
        try
        {
            using var command = Connection.CreateCommand();
            command.CommandText = UpdateSessionCountSql;
            command.Parameters.AddWithValue("$count", count);
            command.Parameters.AddWithValue("$agent", agentId);
            command.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, Path);
        }
    }
}
