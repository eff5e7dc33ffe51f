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
[Cmdlet(VerbsData.Restore, "EvonicSession", HelpUri = ProjectUrls.OnlineHelp + "Restore-EvonicSession.md", DefaultParameterSetName = InputObjectSet,
    SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SessionRestoreResult))]
public sealed class RestoreEvonicSessionCommand : PSCmdlet
{
    private const string InputObjectSet = "InputObject";
    private const string SessionSet = "Session";
    private const string ArchiveIdSet = "ArchiveId";

    // Instance root -> what to restore there: an archive id, or (agent, session) for its newest copy.
    private readonly Dictionary<string, List<(long? ArchiveId, string? AgentId, string? SessionId)>> _requested = new();
    private readonly Dictionary<(string Root, string Agent, string Session), ArchivedSessionInfo> _newestPiped = new();

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

    /// <summary>The Evonic instance root, with -SessionId or -ArchiveId; defaults to $env:EVONIC_HOME, else ~/.evonic.</summary>
    [Parameter(Position = 0, ParameterSetName = SessionSet)]
    [Parameter(Position = 0, ParameterSetName = ArchiveIdSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Days the cleanup keeps each restored session (RestoredHold) before judging it by its age again; 0 for none.</summary>
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
                string root = InstanceParameter.Open(this, Path).Root;
                foreach (long id in ArchiveId!) Request(root).Add((id, null, null));
                break;
            case SessionSet:
                string instance = InstanceParameter.Open(this, Path).Root;
                foreach (string session in SessionId!) Request(instance).Add((null, AgentId, session));
                break;
            default:
                foreach (ArchivedSessionInfo archived in InputObject!)
                {
                    var key = (archived.InstanceRoot, archived.AgentId, archived.SessionId);
                    if (_newestPiped.TryGetValue(key, out ArchivedSessionInfo? other) && IsNewer(other, archived))
                    {
                        WriteWarning($"Archive entry {archived.ArchiveId} of session '{archived.SessionId}' is skipped: entry {other.ArchiveId}, a newer copy, was piped too.");
                        continue;
                    }
                    if (other != null) WriteWarning($"Archive entry {other.ArchiveId} of session '{other.SessionId}' is skipped: entry {archived.ArchiveId}, a newer copy, was piped too.");
                    _newestPiped[key] = archived;
                }
                break;
        }
    }

    private static bool IsNewer(ArchivedSessionInfo a, ArchivedSessionInfo b)
        => (a.ArchivedAt ?? DateTime.MinValue, a.ArchiveId).CompareTo((b.ArchivedAt ?? DateTime.MinValue, b.ArchiveId)) > 0;

    private List<(long?, string?, string?)> Request(string root)
    {
        if (!_requested.TryGetValue(root, out var list)) _requested[root] = list = new();
        return list;
    }

    protected override void EndProcessing()
    {
        foreach (ArchivedSessionInfo archived in _newestPiped.Values.OrderBy(a => a.ArchiveId))
            Request(archived.InstanceRoot).Add((archived.ArchiveId, null, null));
        int total = _requested.Values.Sum(r => r.Count), done = 0;
        foreach (KeyValuePair<string, List<(long? ArchiveId, string? AgentId, string? SessionId)>> instance in _requested)
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
                foreach (var request in instance.Value)
                {
                    if (total > 1)
                        WriteProgress(new ProgressRecord(1, "Restoring archived sessions", $"{done} of {total}") { PercentComplete = done * 100 / total });
                    done++;
                    try
                    {
                        RestorePlan plan = request.ArchiveId is long id ? restorer.Plan(id) : restorer.PlanNewest(request.AgentId!, request.SessionId!);
                        if (!Approval.Ask(this, force: false, plan.Describe(), "Restore from Evonic's session archive")) continue;
                        SessionRestoreResult result = restorer.Restore(plan, HoldDays);
                        WriteVerbose($"Restored {plan.Describe()}{(result.ChatLogPath != null ? $"; log written to '{result.ChatLogPath}'" : "")}.");
                        if (PassThru) WriteObject(result);
                    }
                    catch (EvonicException e)
                    {
                        WriteError(ErrorRecords.From(e));
                    }
                }
            }
        }
        if (total > 1) WriteProgress(new ProgressRecord(1, "Restoring archived sessions", "Done") { RecordType = ProgressRecordType.Completed });
    }
}
