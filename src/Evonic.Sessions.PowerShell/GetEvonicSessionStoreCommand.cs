using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>Shows the disk space of an Evonic instance's databases, chat logs and attachments, and what is free in them.</summary>
[Cmdlet(VerbsCommon.Get, "EvonicSessionStore")]
[OutputType(typeof(DatabaseSpace))]
public sealed class GetEvonicSessionStoreCommand : PSCmdlet
{
    /// <summary>The Evonic instance root; defaults to $env:EVONIC_HOME, else ~/.evonic.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Only these agents' chat databases (wildcards allowed); the main database and the archive are then left out.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(AgentIdCompleter))]
    public string[]? AgentId { get; set; }

    protected override void ProcessRecord()
    {
        EvonicInstance instance = InstanceParameter.Open(this, Path);
        var store = new SessionStore(instance);
        WildcardPattern[]? agents = AgentId?.Select(a => new WildcardPattern(a, WildcardOptions.IgnoreCase)).ToArray();
        IReadOnlyList<AgentInfo> all;
        try
        {
            all = store.GetAgents();
        }
        catch (EvonicException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e));
            return;
        }
        foreach (AgentInfo agent in all.Where(a => agents == null || agents.Any(p => p.IsMatch(a.Id))))
        {
            try
            {
                if (store.GetSpace(agent) is { } space) WriteObject(space);
            }
            catch (EvonicException e)
            {
                WriteError(ErrorRecords.From(e));
            }
        }
        if (agents != null) return;
        try
        {
            foreach (DatabaseSpace space in store.GetSharedSpace()) WriteObject(space);
        }
        catch (EvonicException e)
        {
            WriteError(ErrorRecords.From(e));
        }
    }
}
