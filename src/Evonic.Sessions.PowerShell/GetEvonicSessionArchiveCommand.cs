using System;
using System.Linq;
using System.Management.Automation;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>Lists the sessions in an Evonic instance's session archive, whether archived by Evonic's /clear or by this
/// module.</summary>
[Cmdlet(VerbsCommon.Get, "EvonicSessionArchive", HelpUri = ProjectUrls.OnlineHelp + "Get-EvonicSessionArchive.md")]
[OutputType(typeof(ArchivedSessionInfo))]
public sealed class GetEvonicSessionArchiveCommand : InstanceCommandBase
{
    /// <summary>Only these agents (wildcards allowed).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(AgentIdCompleter))]
    public string[]? AgentId { get; set; }

    /// <summary>Only these sessions (wildcards allowed).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? SessionId { get; set; }

    /// <summary>Only sessions archived before this time (a local time unless it says otherwise).</summary>
    [Parameter]
    public DateTime Before { get; set; }

    /// <summary>Only sessions archived at or after this time.</summary>
    [Parameter]
    public DateTime After { get; set; }

    protected override void ProcessRecord()
    {
        EvonicInstance instance = OpenInstance();
        var store = new SessionStore(instance);
        WildcardPattern[]? agents = Patterns(AgentId);
        WildcardPattern[]? sessions = Patterns(SessionId);
        DateTime? before = MyInvocation.BoundParameters.ContainsKey(nameof(Before)) ? Before.ToUniversalTime() : null;
        DateTime? after = MyInvocation.BoundParameters.ContainsKey(nameof(After)) ? After.ToUniversalTime() : null;
        if (!System.IO.File.Exists(instance.ArchiveDatabasePath))
        {
            WriteVerbose($"'{instance.Root}' has no session archive ({instance.ArchiveDatabasePath}).");
            return;
        }
        try
        {
            foreach (ArchivedSessionInfo archived in store.GetArchivedSessions())
            {
                if (!Matches(agents, archived.AgentId) || !Matches(sessions, archived.SessionId))
                    continue;
                if (before != null && !(archived.ArchivedAt < before))
                    continue;
                if (after != null && !(archived.ArchivedAt >= after))
                    continue;
                WriteObject(archived);
            }
        }
        catch (EvonicException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e));
        }
    }
}
