using System;
using System.Collections.Generic;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions;

/// <summary>
/// The instance's main database (<c>shared/db/evonic.db</c>): the agent list, attachment rows, the optional
/// <c>session_index</c> copy of every session row, and the cached <c>agents.session_count</c>.
/// </summary>
internal sealed class MainDatabase : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly bool _hasAttachments;
    private readonly bool _hasSessionIndex;

    private MainDatabase(SqliteConnection connection, string path)
    {
        _connection = connection;
        HashSet<string> tables = SqliteDatabase.Tables(connection);
        if (!tables.Contains("agents"))
            throw new EvonicException(EvonicErrorKind.UnknownSchema,
                $"The main database '{path}' has no 'agents' table: it is not an Evonic main database.", path);
        _hasAttachments = tables.Contains("attachments")
            && SqliteDatabase.Columns(connection, "attachments") is var columns
            && columns.Contains("session_id") && columns.Contains("agent_id") && columns.Contains("file_path");
        _hasSessionIndex = tables.Contains("session_index");
    }

    public static MainDatabase Open(EvonicInstance instance, bool writable)
    {
        string path = instance.MainDatabasePath;
        SqliteConnection? connection = null;
        try
        {
            connection = SqliteDatabase.Open(path, writable);
            return new MainDatabase(connection, path);
        }
        catch (SqliteException e)
        {
            connection?.Dispose();
            throw new EvonicException(EvonicErrorKind.NotAnInstance,
                $"The main database '{path}' cannot be read: {e.Message}", path, e);
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
        bool hasCount = SqliteDatabase.Columns(_connection, "agents").Contains("session_count");
        using var command = _connection.CreateCommand();
        command.CommandText = hasCount ? "SELECT id, session_count FROM agents ORDER BY id" : "SELECT id, NULL FROM agents ORDER BY id";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (reader.IsDBNull(0)) continue;
            agents.Add(new AgentInfo(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!,
                reader.IsDBNull(1) ? null : reader.GetInt64(1)));
        }
        return agents;
    }

    /// <summary>Attachment rows per session of an agent and its sub-agents.</summary>
    public Dictionary<string, int> CountAttachments(string agentId)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!_hasAttachments) return counts;
        using var command = _connection.CreateCommand();
        command.CommandText = @"SELECT session_id, COUNT(*) FROM attachments
            WHERE agent_id = $agent OR substr(agent_id, 1, length($sub)) = $sub GROUP BY session_id";
        command.Parameters.AddWithValue("$agent", agentId);
        command.Parameters.AddWithValue("$sub", agentId + "_sub_");
        using var reader = command.ExecuteReader();
        while (reader.Read())
            if (!reader.IsDBNull(0)) counts[reader.GetString(0)] = reader.GetInt32(1);
        return counts;
    }

    /// <summary>The <c>file_path</c> of every attachment row of one session.</summary>
    public List<string> AttachmentFiles(EvonicSession session)
    {
        var files = new List<string>();
        if (!_hasAttachments) return files;
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT file_path FROM attachments WHERE session_id = $session AND agent_id IN ($agent, $sessionAgent)";
        command.Parameters.AddWithValue("$session", session.SessionId);
        command.Parameters.AddWithValue("$agent", session.AgentId);
        command.Parameters.AddWithValue("$sessionAgent", session.SessionAgentId);
        using var reader = command.ExecuteReader();
        while (reader.Read())
            if (!reader.IsDBNull(0) && reader.GetString(0).Length > 0) files.Add(reader.GetString(0));
        return files;
    }

    /// <summary>Deletes the attachment and session_index rows of sessions whose chat rows are gone, in one short transaction.</summary>
    public void DeleteSessionRows(IReadOnlyCollection<EvonicSession> sessions)
    {
        if (sessions.Count == 0 || (!_hasAttachments && !_hasSessionIndex)) return;
        using SqliteTransaction transaction = _connection.BeginTransaction(deferred: false);
        using var attachments = _connection.CreateCommand();
        attachments.Transaction = transaction;
        attachments.CommandText = "DELETE FROM attachments WHERE session_id = $session AND agent_id IN ($agent, $sessionAgent)";
        var session = attachments.Parameters.Add("$session", SqliteType.Text);
        var agent = attachments.Parameters.Add("$agent", SqliteType.Text);
        var sessionAgent = attachments.Parameters.Add("$sessionAgent", SqliteType.Text);
        using var index = _connection.CreateCommand();
        index.Transaction = transaction;
        index.CommandText = "DELETE FROM session_index WHERE session_id = $session";
        var indexSession = index.Parameters.Add("$session", SqliteType.Text);
        foreach (EvonicSession s in sessions)
        {
            if (_hasAttachments)
            {
                session.Value = s.SessionId;
                agent.Value = s.AgentId;
                sessionAgent.Value = s.SessionAgentId;
                attachments.ExecuteNonQuery();
            }
            if (_hasSessionIndex)
            {
                indexSession.Value = s.SessionId;
                index.ExecuteNonQuery();
            }
        }
        transaction.Commit();
    }

    public void UpdateSessionCount(string agentId, long count)
    {
        if (!SqliteDatabase.Columns(_connection, "agents").Contains("session_count")) return;
        using var command = _connection.CreateCommand();
        command.CommandText = "UPDATE agents SET session_count = $count WHERE id = $agent";
        command.Parameters.AddWithValue("$count", count);
        command.Parameters.AddWithValue("$agent", agentId);
        command.ExecuteNonQuery();
    }

    public void Dispose() => _connection.Dispose();
}
