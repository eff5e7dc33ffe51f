using System;
using System.Collections.Generic;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions;

/// <summary>
/// The entry point of the store: lists an instance's agents, reads each agent's sessions dated against one
/// cutoff, and removes sessions. Knows nothing of PowerShell; the cmdlets are thin wrappers over it.
/// </summary>
public sealed class SessionStore
{
    public SessionStore(EvonicInstance instance, CleanupPolicy policy)
        : this(instance, policy, DateTime.UtcNow)
    {
    }

    public SessionStore(EvonicInstance instance, CleanupPolicy policy, DateTime nowUtc)
    {
        Instance = instance;
        Policy = policy;
        NowUtc = DateTime.SpecifyKind(nowUtc, DateTimeKind.Utc);
        CutoffUtc = policy.CutoffUtc(NowUtc);
    }

    public EvonicInstance Instance { get; }
    public CleanupPolicy Policy { get; }
    public DateTime NowUtc { get; }

    /// <summary>Sessions whose last activity is before this instant are old.</summary>
    public DateTime CutoffUtc { get; }

    /// <summary>The longest any write transaction of <see cref="Remove"/> held a database's write lock: what the live app may have waited.</summary>
    public TimeSpan LongestWriteTransaction { get; private set; }

    /// <summary>The agents of the main database's <c>agents</c> table (never a folder listing).</summary>
    public IReadOnlyList<AgentInfo> GetAgents()
    {
        using MainDatabase main = MainDatabase.Open(Instance, writable: false);
        return main.ReadAgents();
    }

    /// <summary>Every session of the agent, dated and with its protection decided. Throws <see cref="EvonicException"/> for an unreadable agent.</summary>
    public IReadOnlyList<EvonicSession> GetSessions(AgentInfo agent)
    {
        if (!EvonicInstance.IsValidAgentId(agent.Id))
            throw new EvonicException(EvonicErrorKind.InvalidAgentId,
                $"The main database lists the agent id '{agent.Id.Replace("\0", "\\0")}', which is not a valid Evonic agent id (^[a-z0-9_]+$); it is skipped.", agent.Id);
        try
        {
            Dictionary<string, SessionMainRows> mainRows;
            using (MainDatabase main = MainDatabase.Open(Instance, writable: false))
                mainRows = main.ReadAgentRows(agent.Id);
            using ChatDatabase chat = ChatDatabase.Open(Instance, agent.Id, writable: false);
            try
            {
                return new SessionScanner(Instance, NowUtc, Policy).Scan(agent.Id, chat, mainRows);
            }
            catch (SqliteException e)
            {
                throw ChatDatabase.Translate(e, chat.Path);
            }
        }
        catch (SqliteException e)
        {
            throw new EvonicException(EvonicErrorKind.MainDatabaseFailed,
                $"The main database '{Instance.MainDatabasePath}' cannot be read: {e.Message}", Instance.MainDatabasePath, e);
        }
    }

    /// <summary>Sets the agent's cached <c>agents.session_count</c> to its real number of sessions.</summary>
    public void SyncSessionCount(AgentInfo agent)
    {
        if (!EvonicInstance.IsValidAgentId(agent.Id))
            throw new EvonicException(EvonicErrorKind.InvalidAgentId, $"'{agent.Id}' is not a valid Evonic agent id.", agent.Id);
        using ChatDatabase chat = ChatDatabase.Open(Instance, agent.Id, writable: false);
        long count;
        try
        {
            count = chat.CountSessions();
        }
        catch (SqliteException e)
        {
            throw ChatDatabase.Translate(e, chat.Path);
        }
        using MainDatabase main = MainDatabase.Open(Instance, writable: true);
        main.UpdateSessionCount(agent.Id, count);
    }

    /// <summary>
    /// Removes the given sessions of one agent, as read by <see cref="GetSessions"/> of this store. Sessions that
    /// are not removable, or became active since, are kept whole and reported as <see cref="RemovalStatus.KeptActive"/>.
    /// Results stream as each batch commits.
    /// </summary>
    public IEnumerable<SessionRemovalResult> Remove(AgentInfo agent, IEnumerable<EvonicSession> sessions)
    {
        if (!EvonicInstance.IsValidAgentId(agent.Id))
            throw new EvonicException(EvonicErrorKind.InvalidAgentId, $"'{agent.Id}' is not a valid Evonic agent id.", agent.Id);
        return new SessionRemover(Instance, CutoffUtc, held => { if (held > LongestWriteTransaction) LongestWriteTransaction = held; }).Remove(agent.Id, sessions);
    }
}
