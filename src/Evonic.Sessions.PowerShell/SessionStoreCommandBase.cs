using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// What Get-EvonicSessionStore and Optimize-EvonicSessionStore share: -Path, -AgentId, and the databases they name
/// (the chosen agents' chat.db, and without -AgentId the main database and the archive), each measured.
/// </summary>
public abstract class SessionStoreCommandBase : InstanceCommandBase
{
    /// <summary>Only these agents' chat databases (wildcards allowed); the main database and the archive are then left
    /// out.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(AgentIdCompleter))]
    public string[]? AgentId { get; set; }

    /// <summary>Each named database, measured; one that cannot be read is a non-terminating error and the others go
    /// on.</summary>
    protected IEnumerable<DatabaseSpace> MeasureDatabases(SessionStore store)
    {
        foreach (AgentInfo agent in SelectAgents(store, AgentId))
        {
            DatabaseSpace? space = null;
            try
            {
                space = store.GetSpace(agent);
            }
            catch (EvonicException e)
            {
                WriteError(ErrorRecords.From(e));
            }
            if (space != null)
                yield return space;
        }
        if (AgentId != null)
            yield break;
        List<DatabaseSpace> shared = new();
        try
        {
            shared.AddRange(store.GetSharedSpace());
        }
        catch (EvonicException e)
        {
            WriteError(ErrorRecords.From(e));
        }
        foreach (DatabaseSpace space in shared)
            yield return space;
    }

    protected SessionStore OpenStore() => new(OpenInstance());
}
