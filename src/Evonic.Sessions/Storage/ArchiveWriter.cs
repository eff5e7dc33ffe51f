using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Storage;

/// <summary>
/// A cleanup's writer of copies into Evonic's archive (<see cref="ArchiveDatabase"/>) for one agent: built once per
/// agent, it attaches the agent's <c>chat.db</c> (and the main database, for <c>session_index</c>) to the archive's
/// connection and prepares the SQL that copies a batch's rows straight across; then writes batches, and settles each
/// batch's copies once its delete has run.
/// </summary>
internal sealed class ArchiveWriter
{
    private static readonly string[] SessionIdOnly = { "session_id" };
    private static readonly string[] SummaryColumns = ArchivedSession.ArchivedSummaryColumns;

    /// <summary>The agent's own state row (<c>'__agent__'</c>) is never a session's.</summary>
    private const string NotTheAgentsOwn = " AND a.session_id <> '__agent__'";

    private readonly ArchiveDatabase _archive;
    private readonly string _chatAgentId;
    private readonly string _copySessionsSql,
        _copyMessagesSql,
        _copySummariesSql,
        _copyStateSql,
        _recordSql,
        _fingerprintSql;

    /// <summary>
    /// Attaches the <c>chat.db</c> of <paramref name="chatAgentId"/> to copy sessions from, in SQL: what Evonic's
    /// tables hold goes into them, what they have no column for into <c>original_columns</c>, each value with its type.
    /// </summary>
    public ArchiveWriter(ArchiveDatabase archive, EvonicInstance instance, string chatAgentId)
    {
        _archive = archive;
        try
        {
            using (SqliteCommand attach = _archive.Connection.CreateCommand())
            {
                attach.CommandText = "ATTACH DATABASE $path AS chat";
                attach.Parameters.AddWithValue("$path", instance.ChatDatabasePath(chatAgentId));
                attach.ExecuteNonQuery();
            }
            _chatAgentId = chatAgentId;
            HashSet<string> Columns(string table) => SqliteDatabase.Columns(_archive.Connection, table, schema: "chat");
            HashSet<string> sessions = Columns("chat_sessions"),
                messages = Columns("chat_messages"),
                summaries = Columns("chat_summaries"),
                state = Columns("session_state"),
                agentState = Columns("agent_state");
            // The session's session_index row as it was, so that a restore puts back that row, or none when it had
            // none.
            using (SqliteCommand attach = _archive.Connection.CreateCommand())
            {
                attach.CommandText = "ATTACH DATABASE $path AS evonic";
                attach.Parameters.AddWithValue("$path", instance.MainDatabasePath);
                attach.ExecuteNonQuery();
            }
            HashSet<string> index = SqliteDatabase.Columns(_archive.Connection, "session_index", schema: "evonic");
            string C(HashSet<string> columns, string alias, string name) =>
                columns.Contains(name) ? $"{alias}.{ArchiveDatabase.Quote(name)}" : "NULL";
            // A value as JSON that keeps its type (ColumnValues reads it back): SQLite writes reals with a decimal
            // point; blobs as hex.
            string Rest(HashSet<string> columns, string alias, string[] archived) =>
                "json_object("
                + string.Join(
                    ", ",
                    columns
                        .Where(c => !archived.Contains(c, StringComparer.OrdinalIgnoreCase))
                        .Select(c =>
                            $"'{c.Replace("'", "''")}', CASE typeof({alias}.{ArchiveDatabase.Quote(c)}) WHEN 'blob' "
                            + $"THEN json_object('hex', hex({alias}.{ArchiveDatabase.Quote(c)})) ELSE "
                            + $"{alias}.{ArchiveDatabase.Quote(c)} END"
                        )
                )
                + ")";

            // As models/session_archive.py fills them: external_user_id '' when missing, bot_enabled as stored.
            _fingerprintSql = ChatDatabase.FingerprintSql("chat.", summaries.Count > 0, state.Count > 0);
            _copySessionsSql =
                $@"INSERT INTO archive_sessions (session_id, agent_id, channel_id, external_user_id, bot_enabled)
                SELECT s.id, s.agent_id, {C(sessions, "s", "channel_id")},
                IFNULL({C(sessions, "s", "external_user_id")}, ''),
                {(sessions.Contains("bot_enabled") ? "s.bot_enabled" : "1")}
                FROM json_each($ids) j JOIN chat.chat_sessions s ON s.id = j.value ORDER BY j.key";
            // CROSS JOIN keeps the batch as the outer loop: without statistics for temp.batch, SQLite would otherwise
            // scan every message of chat.db's index for each batch.
            _copyMessagesSql =
                $@"INSERT INTO archive_messages (archive_id, role, content, tool_calls, tool_call_id, metadata,
                created_at)
                SELECT b.archive_id, IFNULL(m.role, ''), {C(messages, "m", "content")},
                {C(messages, "m", "tool_calls")}, {C(messages, "m", "tool_call_id")},
                    {C(messages, "m", "metadata")}, {C(messages, "m", "created_at")}
                FROM temp.batch b CROSS JOIN chat.chat_messages m ON m.session_id = b.session_id ORDER BY
                b.session_id, m.id";
            _copySummariesSql =
                summaries.Count == 0
                    ? ""
                    : $@"INSERT INTO archive_summaries (archive_id, summary, last_message_id, message_count, created_at)
                SELECT b.archive_id, IFNULL(su.summary, ''), {C(summaries, "su", "last_message_id")},
                {C(summaries, "su", "message_count")}, {C(summaries, "su", "created_at")}
                FROM temp.batch b CROSS JOIN chat.chat_summaries su ON su.session_id = b.session_id";
            // Evonic archives a state only when it has one ("if session_state:").
            _copyStateSql =
                state.Count == 0
                    ? ""
                    : @"INSERT INTO archive_session_state (archive_id, content)
                SELECT b.archive_id, st.content FROM temp.batch b CROSS JOIN chat.session_state st ON st.session_id =
                b.session_id
                WHERE st.content IS NOT NULL AND st.content <> ''";
            static string OfSession(string alias) => $" WHERE {alias}.session_id = s.id";
            // Each row of the session as JSON, or NULL where chat.db (or the main database) has no such table.
            string RowOf(HashSet<string> columns, string alias, string[] archived, string from) =>
                columns.Count == 0 ? "NULL" : $"json((SELECT {Rest(columns, alias, archived)} FROM {from}))";
            IEnumerable<string> otherMessageColumns = messages
                .Where(c => !ArchivedSession.ArchivedMessageColumns.Contains(c, StringComparer.OrdinalIgnoreCase))
                .Select(ArchiveDatabase.Quote);
            string original =
                $@"json_object('log_file', b.log_file,
                'session', {Rest(sessions, "s", ArchivedSession.ArchivedSessionColumns)},
                'messages', json((SELECT json_group_array({Rest(messages, "m", ArchivedSession.ArchivedMessageColumns)})
                    FROM (SELECT
                    {string.Join(", ", otherMessageColumns)}
                          FROM chat.chat_messages WHERE session_id = s.id ORDER BY id) m)),
                'summary',
                {RowOf(summaries, "su", SummaryColumns, "chat.chat_summaries su" + OfSession("su"))},
                'session_state',
                {RowOf(state, "st", ArchivedSession.ArchivedStateColumns, "chat.session_state st" + OfSession("st"))},
                'agent_state',
                {RowOf(agentState, "a", SessionIdOnly, "chat.agent_state a" + OfSession("a") + NotTheAgentsOwn)},
                'session_index',
                {RowOf(index, "si", Array.Empty<string>(), "evonic.session_index si" + OfSession("si"))})";
            _recordSql =
                $@"INSERT INTO evonic_sessions_archive (archive_id, agent_id, session_id, archived_by,
                jsonl_unterminated, chat_agent_id, original_columns, pending)
                SELECT b.archive_id, s.agent_id, s.id, $by, b.unterminated, $chat, {original}, 1
                FROM temp.batch b CROSS JOIN chat.chat_sessions s ON s.id = b.session_id";
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, _archive.Path);
        }
    }

    /// <summary>
    /// Archives a batch in one durable transaction, before the batch's delete: each session's rows copied from the
    /// attached <c>chat.db</c>, each log line as given, the entry marked pending until <see cref="Settle"/>. An orphan
    /// log (<see cref="ArchivedSession.LogOnly"/>) whose session already has a full copy, or a copy with its log, is
    /// not copied again: it is the leftover of a run killed between the session's rows and its files. Returns each
    /// session's entry and whether this call wrote it; a session whose rows vanished meanwhile gets none.
    /// </summary>
    /// <param name="sessions">The batch's sessions.</param>
    /// <param name="fingerprints">What each copied session's rows were in the snapshot the copy came from
    /// (<see cref="ChatDatabase.FingerprintSql"/>).</param>
    public Dictionary<string, (long Id, bool Written)> Write(
        IReadOnlyList<ArchivedSession> sessions,
        out Dictionary<string, string> fingerprints
    )
    {
        fingerprints = new Dictionary<string, string>(StringComparer.Ordinal);
        var ids = new Dictionary<string, (long, bool)>(StringComparer.Ordinal);
        try
        {
            // Deferred, not IMMEDIATE: BEGIN IMMEDIATE would take the write lock of the attached chat.db too. The first
            // statement writes the archive, so its write lock comes with its read snapshot.
            using SqliteTransaction transaction = _archive.Connection.BeginTransaction(deferred: true);
            _archive.Run(transaction, ArchiveDatabase.LockArchiveSql);
            using ArchiveDatabase.Statement copySessions = new(
                _archive.Connection,
                transaction,
                _copySessionsSql,
                "$ids"
            );
            using ArchiveDatabase.Statement lastId = new(
                _archive.Connection,
                transaction,
                "SELECT IFNULL(MAX(id), 0) FROM archive_sessions"
            );
            using ArchiveDatabase.Statement mapBatch = new(
                _archive.Connection,
                transaction,
                "INSERT INTO temp.batch (session_id, archive_id) SELECT session_id, id FROM archive_sessions WHERE "
                    + "id > $before",
                "$before"
            );
            using ArchiveDatabase.Statement record = new(_archive.Connection, transaction, _recordSql, "$by", "$chat");
            using ArchiveDatabase.Statement logs = new(
                _archive.Connection,
                transaction,
                @"UPDATE temp.batch SET log_file = json_extract(l.value, '$[0]'), unterminated = json_extract(l.value,
                '$[1]')
                    FROM json_each($logs) l WHERE l.key = temp.batch.session_id",
                "$logs"
            );
            using ArchiveDatabase.Statement insertLine = new(
                _archive.Connection,
                transaction,
                "INSERT INTO archive_jsonl (archive_id, line_number, entry_type, entry_json, ts) VALUES ($i, $n, $t, "
                    + "$j, $ts)",
                "$i",
                "$n",
                "$t",
                "$j",
                "$ts"
            );
            // A full copy (rows) of the session, or any copy with its log: the orphan log is what a killed run left of
            // a session already copied (a session cleared by /clear leaves an empty log), never copied again alone.
            using ArchiveDatabase.Statement copiedLog = new(
                _archive.Connection,
                transaction,
                @"SELECT k.archive_id FROM evonic_sessions_archive k WHERE k.chat_agent_id = $chat AND k.session_id = $s
                    AND (json_extract(k.original_columns, '$.log_only') IS NOT 1 OR EXISTS (SELECT 1 FROM
                    archive_jsonl j WHERE j.archive_id = k.archive_id))
                    ORDER BY json_extract(k.original_columns, '$.log_only') IS 1, k.archive_id DESC LIMIT 1",
                "$chat",
                "$s"
            );
            using ArchiveDatabase.Statement insertOrphan = new(
                _archive.Connection,
                transaction,
                @"INSERT INTO archive_sessions (session_id, agent_id, channel_id, external_user_id, bot_enabled)
                VALUES ($s, $a, NULL, '', 1);
                  INSERT INTO evonic_sessions_archive (archive_id, agent_id, session_id, archived_by,
                  jsonl_unterminated, chat_agent_id, original_columns, pending)
                    VALUES (last_insert_rowid(), $a, $s, $by, $unterminated, $chat, json_object('log_only',
                    json('true'), 'log_file', $logFile), 1);
                  SELECT last_insert_rowid()",
                "$s",
                "$a",
                "$by",
                "$unterminated",
                "$chat",
                "$logFile"
            );

            var rows = sessions.Where(s => !s.LogOnly).ToList();
            var copied = new Dictionary<string, long>(StringComparer.Ordinal);
            if (rows.Count > 0)
            {
                _archive.Run(transaction, "DELETE FROM temp.batch");
                // Ids only grow (AUTOINCREMENT) and this transaction holds the archive's write lock: the new rows are
                // those above.
                object? before = lastId.Scalar();
                string batchIds = SqlJson.Array(rows.Select(r => r.SessionId));
                copySessions.Execute(batchIds);
                // In the snapshot the copy was read from: what the delete must still find.
                using (SqliteCommand fingerprint = _archive.Connection.CreateCommand())
                {
                    fingerprint.Transaction = transaction;
                    fingerprint.CommandText = _fingerprintSql;
                    fingerprint.Parameters.AddWithValue("$ids", batchIds);
                    using SqliteDataReader reader = fingerprint.ExecuteReader();
                    while (reader.Read())
                        fingerprints[reader.GetString(0)] = reader.IsDBNull(1) ? "" : reader.GetString(1);
                }
                mapBatch.Execute(before);
                // Each session's log name and torn-last-line flag, for its record below: one statement for the batch.
                logs.Execute(
                    SqlJson.Write(writer =>
                    {
                        writer.WriteStartObject();
                        var bySession = new Dictionary<string, ArchivedSession>(StringComparer.Ordinal);
                        foreach (ArchivedSession each in rows)
                            bySession[each.SessionId] = each;
                        foreach (ArchivedSession row in bySession.Values)
                        {
                            writer.WriteStartArray(row.SessionId);
                            writer.WriteStringValue(row.LogFileName);
                            writer.WriteNumberValue(row.JsonlUnterminated ? 1 : 0);
                            writer.WriteEndArray();
                        }
                        writer.WriteEndObject();
                    })
                );
                using (SqliteCommand batch = _archive.Connection.CreateCommand())
                {
                    batch.Transaction = transaction;
                    batch.CommandText = "SELECT session_id, archive_id FROM temp.batch";
                    using SqliteDataReader reader = batch.ExecuteReader();
                    while (reader.Read())
                        copied[reader.GetString(0)] = reader.GetInt64(1);
                }
                foreach (
                    string sql in new[] { _copyMessagesSql, _copySummariesSql, _copyStateSql }.Where(q => q.Length > 0)
                )
                    _archive.Run(transaction, sql);
                record.Execute(ArchiveSchema.ArchivedBy, _chatAgentId);
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
                    id = (long)
                        insertOrphan.Scalar(
                            session.SessionId,
                            session.AgentId,
                            ArchiveSchema.ArchivedBy,
                            session.JsonlUnterminated ? 1L : 0L,
                            _chatAgentId,
                            session.LogFileName
                        )!;
                }
                else
                {
                    if (!copied.TryGetValue(session.SessionId, out id))
                        continue;
                }
                for (int i = 0; i < session.JsonlLines.Count; i++)
                {
                    (string type, object? ts) = ArchiveDatabase.Describe(session.JsonlLines[i]);
                    // Text, as Evonic's archive holds it; a line that is not UTF-8 as its bytes (a BLOB), never
                    // altered.
                    insertLine.Execute(
                        id,
                        (long)(i + 1),
                        type,
                        ChatLog.TextOf(session.JsonlLines[i]) ?? (object)session.JsonlLines[i],
                        ts
                    );
                }
                ids[session.SessionId] = (id, true);
            }
            transaction.Commit();
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, _archive.Path);
        }
        return ids;
    }

    /// <summary>
    /// After a batch's delete: the entries of removed sessions are final, those of sessions the delete kept are
    /// removed again (the archive holds removed sessions only). One transaction.
    /// </summary>
    public void Settle(IReadOnlyCollection<long> removed, IReadOnlyCollection<long> kept)
    {
        if (removed.Count == 0 && kept.Count == 0)
            return;
        try
        {
            using SqliteTransaction transaction = _archive.Connection.BeginTransaction(deferred: true);
            _archive.Run(transaction, ArchiveDatabase.LockArchiveSql);
            using (
                ArchiveDatabase.Statement done = new(
                    _archive.Connection,
                    transaction,
                    "UPDATE evonic_sessions_archive SET pending = 0 WHERE archive_id IN (SELECT value FROM "
                        + "json_each($ids))",
                    "$ids"
                )
            )
                done.Execute(SqlJson.Array(removed));
            _archive.Forget(transaction, kept);
            transaction.Commit();
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, _archive.Path);
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
            using SqliteCommand pending = _archive.Connection.CreateCommand();
            pending.CommandText =
                @"SELECT k.archive_id, EXISTS (SELECT 1 FROM chat.chat_sessions s WHERE s.id = k.session_id),
                    json_extract(k.original_columns, '$.log_only'), json_extract(k.original_columns, '$.log_file')
                FROM evonic_sessions_archive k WHERE k.pending <> 0 AND k.chat_agent_id = $chat";
            pending.Parameters.AddWithValue("$chat", _chatAgentId);
            using SqliteDataReader reader = pending.ExecuteReader();
            while (reader.Read())
            {
                bool whole =
                    reader.GetInt64(1) != 0
                    || (
                        !reader.IsDBNull(2)
                        && reader.GetInt64(2) != 0
                        && SqliteDatabase.Text(reader, 3) is { } log
                        && logFileExists(log)
                    );
                (whole ? kept : removed).Add(reader.GetInt64(0));
            }
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, _archive.Path);
        }
        Settle(removed, kept);
    }
}
