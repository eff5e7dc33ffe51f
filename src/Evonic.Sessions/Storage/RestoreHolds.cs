using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Storage;

/// <summary>
/// The module's own record of restored sessions, in its own table of the archive (<c>evonic_sessions_holds</c>), never
/// in Evonic's tables. A restore puts every column back as it was, <c>updated_at</c> included, so a restored session is
/// as old as it was and the next cleanup would take it again: its hold keeps it (<see
/// cref="SessionProtection.RestoredHold"/>) until <c>held_until</c>. A row is written before the restore starts and
/// marked <c>restored</c> when it ends, so a restore a crash or a full disk stopped halfway is still held, and is
/// recognised and finished by the next one.
/// </summary>
internal sealed class RestoreHolds
{
    internal const string Ddl =
        @"CREATE TABLE IF NOT EXISTS evonic_sessions_holds (
    agent_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    archive_id INTEGER NOT NULL,
    held_until TEXT NOT NULL,
    restored INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (agent_id, session_id)
);";

    private readonly SqliteConnection _connection;
    private readonly string _path;
    private readonly bool _exists;

    public RestoreHolds(SqliteConnection archive, string path)
    {
        _connection = archive;
        _path = path;
        _exists = SqliteDatabase.Tables(archive).Contains("evonic_sessions_holds");
    }

    /// <summary>The sessions of <paramref name="chatAgentId"/>'s <c>chat.db</c> held at <paramref name="nowUtc"/>:
    /// unfinished restores and holds not yet ended.</summary>
    public HashSet<string> ReadHeld(string chatAgentId, DateTime nowUtc)
    {
        var held = new HashSet<string>(StringComparer.Ordinal);
        if (!_exists)
            return held;
        Run(reading: true, command =>
        {
            command.CommandText =
                "SELECT session_id FROM evonic_sessions_holds WHERE agent_id = $agent AND (restored = 0 OR "
                + "IFNULL(julianday(held_until) > $now, 1))";
            command.Parameters.AddWithValue("$agent", chatAgentId);
            command.Parameters.AddWithValue("$now", SqliteDatabase.JulianDay(nowUtc));
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
                held.Add(reader.GetString(0));
        });
        return held;
    }

    /// <summary>The archive entry of a restore of this session that began and did not finish; null when there is
    /// none.</summary>
    public long? FindUnfinished(string chatAgentId, string sessionId)
    {
        if (!_exists)
            return null;
        long? found = null;
        Run(reading: true, command =>
        {
            command.CommandText =
                "SELECT archive_id FROM evonic_sessions_holds WHERE agent_id = $agent AND session_id = $session AND "
                + "restored = 0";
            command.Parameters.AddWithValue("$agent", chatAgentId);
            command.Parameters.AddWithValue("$session", sessionId);
            found = command.ExecuteScalar() is long id ? id : null;
        });
        return found;
    }

    /// <summary>Records a restore about to start (durable before the first row is written).</summary>
    public void Begin(string chatAgentId, string sessionId, long archiveId, DateTime heldUntilUtc) =>
        Run(reading: false, command =>
        {
            command.CommandText =
                @"INSERT OR REPLACE INTO evonic_sessions_holds (agent_id, session_id, archive_id, held_until, restored)
                VALUES ($agent, $session, $archive, $until, 0)";
            command.Parameters.AddWithValue("$agent", chatAgentId);
            command.Parameters.AddWithValue("$session", sessionId);
            command.Parameters.AddWithValue("$archive", archiveId);
            command.Parameters.AddWithValue(
                "$until",
                heldUntilUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
            );
            command.ExecuteNonQuery();
        });

    /// <summary>The restore is whole: the hold stays until it ends, or goes now when <paramref name="hold"/> is
    /// false.</summary>
    public void Finish(string chatAgentId, string sessionId, bool hold) => Run(reading: false, command =>
        {
            command.CommandText = hold
                ? "UPDATE evonic_sessions_holds SET restored = 1 WHERE agent_id = $agent AND session_id = $session"
                : "DELETE FROM evonic_sessions_holds WHERE agent_id = $agent AND session_id = $session";
            command.Parameters.AddWithValue("$agent", chatAgentId);
            command.Parameters.AddWithValue("$session", sessionId);
            command.ExecuteNonQuery();
        });

    /// <summary>Ends the hold of a session now (a finished restore only); false when it had none.</summary>
    public bool Remove(string chatAgentId, string sessionId)
    {
        if (!_exists)
            return false;
        int removed = 0;
        Run(reading: false, command =>
        {
            command.CommandText =
                "DELETE FROM evonic_sessions_holds WHERE agent_id = $agent AND session_id = $session AND restored = 1";
            command.Parameters.AddWithValue("$agent", chatAgentId);
            command.Parameters.AddWithValue("$session", sessionId);
            removed = command.ExecuteNonQuery();
        });
        return removed > 0;
    }

    /// <summary>Runs one statement; SQLite's failures come out as the archive's: unreadable for a read, else the
    /// write's kind.</summary>
    private void Run(bool reading, Action<SqliteCommand> action)
    {
        try
        {
            using SqliteCommand command = _connection.CreateCommand();
            action(command);
        }
        catch (SqliteException e)
        {
            throw reading ? ArchiveDatabase.Unreadable(e, _path) : SqliteErrors.WriteFailure(e, _path);
        }
    }
}
