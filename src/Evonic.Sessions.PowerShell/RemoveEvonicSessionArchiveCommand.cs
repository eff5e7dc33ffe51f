using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>Purges entries from an Evonic instance's session archive, so archived conversations have an end of life
/// too.</summary>
[Cmdlet(
    VerbsCommon.Remove,
    "EvonicSessionArchive",
    HelpUri = ProjectUrls.OnlineHelp + "Remove-EvonicSessionArchive.md",
    DefaultParameterSetName = InputObjectSet,
    SupportsShouldProcess = true,
    ConfirmImpact = ConfirmImpact.High
)]
public sealed class RemoveEvonicSessionArchiveCommand : InstanceCommandBase
{
    private const string InputObjectSet = "InputObject";
    private const string ArchiveIdSet = "ArchiveId";

    private readonly List<(string Root, long ArchiveId)> _approved = new();

    /// <summary>Archived sessions from Get-EvonicSessionArchive.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public ArchivedSessionInfo[]? InputObject { get; set; }

    /// <summary>The archive entries (archive_sessions.id) to purge.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ArchiveIdSet)]
    public long[]? ArchiveId { get; set; }

    /// <summary>Purges without asking for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ArchiveIdSet)
        {
            string root = OpenInstance().Root;
            foreach (long id in ArchiveId!)
                Offer(root, id, $"archive entry {id} of '{root}'");
            return;
        }
        RefusePathWithPipedInput("archive entries");
        foreach (ArchivedSessionInfo archived in InputObject!)
            Offer(
                archived.InstanceRoot,
                archived.ArchiveId,
                $"archive entry {archived.ArchiveId}: agent '{archived.AgentId}', session '{archived.SessionId}' "
                    + $"(archived {archived.ArchivedAt:yyyy-MM-dd HH:mm:ss}Z)"
            );
    }

    protected override void EndProcessing()
    {
        foreach (IGrouping<string, (string Root, long ArchiveId)> instance in ByInstance(_approved, a => a.Root))
        {
            try
            {
                var store = new SessionStore(EvonicInstance.Open(instance.Key));
                int purged = store.RemoveArchivedSessions(instance.Select(a => a.ArchiveId).Distinct().ToList());
                WriteVerbose(
                    $"Purged {purged} archive entr{(purged == 1 ? "y" : "ies")} from "
                        + $"'{store.Instance.ArchiveDatabasePath}'."
                );
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
        if (Approval.Ask(this, Force, target, "Purge from Evonic's session archive"))
            _approved.Add((root, id));
    }
}
