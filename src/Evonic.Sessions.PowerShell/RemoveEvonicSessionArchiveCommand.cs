using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>Purges entries from an Evonic instance's session archive, so archived conversations have an end of life too.</summary>
[Cmdlet(VerbsCommon.Remove, "EvonicSessionArchive", HelpUri = ProjectUrls.OnlineHelp + "Remove-EvonicSessionArchive.md", DefaultParameterSetName = InputObjectSet,
    SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
public sealed class RemoveEvonicSessionArchiveCommand : PSCmdlet
{
    private const string InputObjectSet = "InputObject";
    private const string ArchiveIdSet = "ArchiveId";

    private readonly Dictionary<string, List<long>> _approved = new();

    /// <summary>Archived sessions from Get-EvonicSessionArchive.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public ArchivedSessionInfo[]? InputObject { get; set; }

    /// <summary>The archive entries (archive_sessions.id) to purge.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ArchiveIdSet)]
    public long[]? ArchiveId { get; set; }

    /// <summary>The Evonic instance root, with -ArchiveId; defaults to $env:EVONIC_HOME, else ~/.evonic.</summary>
    [Parameter(Position = 0, ParameterSetName = ArchiveIdSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Purges without asking for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ArchiveIdSet)
        {
            string root = InstanceParameter.Open(this, Path).Root;
            foreach (long id in ArchiveId!) Offer(root, id, $"archive entry {id} of '{root}'");
            return;
        }
        foreach (ArchivedSessionInfo archived in InputObject!)
            Offer(archived.InstanceRoot, archived.ArchiveId,
                $"archive entry {archived.ArchiveId}: agent '{archived.AgentId}', session '{archived.SessionId}' (archived {archived.ArchivedAt:yyyy-MM-dd HH:mm:ss}Z)");
    }

    protected override void EndProcessing()
    {
        foreach (KeyValuePair<string, List<long>> instance in _approved)
        {
            try
            {
                var store = new SessionStore(EvonicInstance.Open(instance.Key));
                int purged = store.RemoveArchivedSessions(instance.Value);
                WriteVerbose($"Purged {purged} archive entr{(purged == 1 ? "y" : "ies")} from '{store.Instance.ArchiveDatabasePath}'.");
            }
            catch (EvonicException e)
            {
                WriteError(ErrorRecords.From(e));
            }
        }
    }

    /// <summary>One ShouldProcess per entry.</summary>
    private void Offer(string root, long id, string target)
    {
        if (!Approval.Ask(this, Force, target, "Purge from Evonic's session archive")) return;
        if (!_approved.TryGetValue(root, out List<long>? ids)) _approved[root] = ids = new List<long>();
        if (!ids.Contains(id)) ids.Add(id);
    }
}
