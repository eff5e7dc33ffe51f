using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Evonic.Sessions.Archive;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// Puts archived sessions back into their agent's chat.db, with their log, session_index row and session_count.
/// Pipeline input is collected first: when several copies of one session arrive, the newest of them is restored.
/// </summary>
[Cmdlet(
    VerbsData.Restore,
    "EvonicSession",
    HelpUri = ProjectUrls.OnlineHelp + "Restore-EvonicSession.md",
    DefaultParameterSetName = InputObjectSet,
    SupportsShouldProcess = true,
    ConfirmImpact = ConfirmImpact.Medium
)]
[OutputType(typeof(SessionRestoreResult))]
public sealed class RestoreEvonicSessionCommand : InstanceCommandBase
{
    private const string InputObjectSet = "InputObject";
    private const string SessionSet = "Session";
    private const string ArchiveIdSet = "ArchiveId";

    private const string Activity = "Restoring archived sessions";

    // What to restore, by instance root: an archive id, or (agent, session) for its newest copy.
    private readonly List<(string Root, long? ArchiveId, string? AgentId, string? SessionId)> _requested = new();
    private readonly NewestCopies _newestPiped = new();

    /// <summary>Archived sessions from Get-EvonicSessionArchive.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public ArchivedSessionInfo[]? InputObject { get; set; }

    /// <summary>The sessions to restore (their newest archived copy), with -AgentId.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SessionSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ArchivedSessionIdCompleter))]
    public string[]? SessionId { get; set; }

    /// <summary>The agent of -SessionId: the agent named in the archive, or whose chat.db held the session.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SessionSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AgentIdCompleter))]
    public string? AgentId { get; set; }

    /// <summary>The archive entries (archive_sessions.id) to restore: a chosen copy.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ArchiveIdSet)]
    public long[]? ArchiveId { get; set; }

    /// <summary>Days the cleanup keeps each restored session (RestoredHold) before judging it by its age again; 0 for
    /// none.</summary>
    [Parameter]
    [ValidateRange(0, 36500)]
    public int HoldDays { get; set; } = SessionRestorer.DefaultHoldDays;

    /// <summary>Emits a SessionRestoreResult for each restored session.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case ArchiveIdSet:
                string root = OpenInstance().Root;
                foreach (long id in ArchiveId!)
                    _requested.Add((root, id, null, null));
                break;
            case SessionSet:
                string instance = OpenInstance().Root;
                foreach (string session in SessionId!)
                    _requested.Add((instance, null, AgentId, session));
                break;
            default:
                RefusePathWithPipedInput("archive entries");
                foreach (ArchivedSessionInfo archived in InputObject!)
                {
                    if (_newestPiped.Offer(archived) is { } lost)
                        WriteWarning(
                            $"Archive entry {lost.Skipped.ArchiveId} of session '{lost.Skipped.SessionId}' is "
                                + $"skipped: entry {lost.Newer.ArchiveId}, a newer copy, was piped too."
                        );
                }
                break;
        }
    }

    protected override void EndProcessing()
    {
        foreach (ArchivedSessionInfo archived in _newestPiped.Copies)
            _requested.Add((archived.InstanceRoot, archived.ArchiveId, null, null));
        int total = _requested.Count,
            done = 0;
        foreach (var instance in ByInstance(_requested, r => r.Root))
        {
            SessionRestorer restorer;
            try
            {
                restorer = new SessionStore(EvonicInstance.Open(instance.Key)).OpenRestorer();
            }
            catch (EvonicException e)
            {
                WriteError(ErrorRecords.From(e));
                continue;
            }
            using (restorer)
            {
                foreach (var request in instance)
                {
                    if (total > 1)
                        ReportProgress(1, Activity, $"{done} of {total}", done, total);
                    done++;
                    try
                    {
                        RestorePlan plan = request.ArchiveId is long id
                            ? restorer.Plan(id)
                            : restorer.PlanNewest(request.AgentId!, request.SessionId!);
                        if (!Approval.Ask(this, force: false, plan.Describe(), "Restore from Evonic's session archive"))
                            continue;
                        SessionRestoreResult result = restorer.Restore(plan, HoldDays);
                        string log = result.ChatLogPath != null ? $"; log written to '{result.ChatLogPath}'" : "";
                        WriteVerbose($"Restored {plan.Describe()}{log}.");
                        if (PassThru)
                            WriteObject(result);
                    }
                    catch (EvonicException e)
                    {
                        WriteError(ErrorRecords.From(e));
                    }
                }
            }
        }
        if (total > 1)
            CompleteProgress(1, Activity);
    }
}
