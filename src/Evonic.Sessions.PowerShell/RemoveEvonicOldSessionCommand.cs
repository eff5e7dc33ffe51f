using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Evonic.Sessions.Rules;

namespace Evonic.Sessions.PowerShell;

/// <summary>Removes old sessions of an Evonic instance with everything that belongs to them.</summary>
[Cmdlet(
    VerbsCommon.Remove,
    "EvonicOldSession",
    HelpUri = ProjectUrls.OnlineHelp + "Remove-EvonicOldSession.md",
    DefaultParameterSetName = SelectionSet,
    SupportsShouldProcess = true,
    ConfirmImpact = ConfirmImpact.High
)]
[OutputType(typeof(SessionRemovalResult))]
public sealed class RemoveEvonicOldSessionCommand : EvonicSessionCommandBase, ICleanupRunHost, IDisposable
{
    private const string Action = "Remove Evonic session with its messages, chat log and attachments";

    private const string IdentitySet = "Identity";

    private readonly List<EvonicSession> _piped = new();
    private readonly List<EvonicSession> _named = new();
    private CleanupRun? _run;

    /// <summary>Sessions from Get-EvonicOldSession.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public EvonicSession[]? InputObject { get; set; }

    /// <summary>
    /// The Evonic instance root(s), wildcards allowed; defaults to $env:EVONIC_HOME, else ~/.evonic. With -SessionId,
    /// the instance of the named sessions (binds the InstanceRoot of piped rows).
    /// </summary>
    [Parameter(Position = 0, ParameterSetName = SelectionSet)]
    [Parameter(ParameterSetName = IdentitySet, ValueFromPipelineByPropertyName = true)]
    [Alias("InstanceRoot")]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? Path { get; set; }

    /// <summary>Only these agents (wildcards allowed); with -SessionId, the one agent of the named sessions.</summary>
    [Parameter(ParameterSetName = SelectionSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [Parameter(Mandatory = true, ParameterSetName = IdentitySet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(AgentIdCompleter))]
    public string[]? AgentId { get; set; }

    /// <summary>
    /// Sessions named by id (rows of Export-Csv, sessions that came through remoting): each is read again and removed
    /// only if it is still old and unprotected, as a piped session is.
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = IdentitySet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? SessionId { get; set; }

    /// <summary>With -SessionId: Orphan names what is left of a session (rows or files without a session); else a
    /// session.</summary>
    [Parameter(ParameterSetName = IdentitySet, ValueFromPipelineByPropertyName = true)]
    public SessionKind? Kind { get; set; }

    /// <summary>The computer a piped session came from (remoting adds it): a session of another computer is refused
    /// here.</summary>
    [Parameter(ParameterSetName = IdentitySet, ValueFromPipelineByPropertyName = true, DontShow = true)]
    public string? PSComputerName { get; set; }

    /// <summary>Removes without asking for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Emits a result object per removed session.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>
    /// Archives each session in Evonic's session_archive.db before removing it; -Archive:$false never archives.
    /// Without it, EVONIC_SESSION_ARCHIVE (environment, then the instance's .env) decides, as it does for /clear.
    /// </summary>
    [Parameter]
    public SwitchParameter Archive { get; set; }

    /// <summary>
    /// After the removal, the databases in auto_vacuum = INCREMENTAL give their free pages back in ~50 ms steps; the
    /// others are left as they are (one Optimize-EvonicSessionStore -EnableIncrementalVacuum switches them).
    /// </summary>
    [Parameter]
    public SwitchParameter Optimize { get; set; }

    /// <summary>Also appends the [SESSION_CLEANUP] lines to this file (created when missing), each with its UTC
    /// time.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogPath { get; set; }

    private const string InputObjectSet = "InputObject";

    private bool WhatIfRequested => SwitchState.IsWhatIf(this);

    // Read once, not per session: each read walks the caller's scopes for a preference variable.
    private bool _skipsPrompt;
    private bool _verbose;

    protected override void BeginProcessing()
    {
        _skipsPrompt = Approval.SkipsPrompt(this, Force);
        _verbose = SwitchState.IsVerbose(this);
        _run = new CleanupRun(
            this,
            LogPath == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(LogPath),
            WhatIfRequested,
            Optimize.IsPresent,
            MyInvocation.MyCommand.Module?.Version?.ToString()
        );
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            _piped.AddRange(InputObject!); // judged again, per instance and age limit, once the pipeline has ended
            return;
        }
        if (ParameterSetName == IdentitySet)
        {
            Name();
            return;
        }
        CompletingProgressWhenStopped(() =>
        {
            foreach (string folder in InstanceFolders(Path))
                if (OpenArchivingStore(folder, null) is { } store)
                    _run!.RemoveOld(store, SelectAgents(store, AgentId));
        });
    }

    /// <summary>Sessions named by -SessionId (with -AgentId and -Path), kept for the end of the pipeline like piped
    /// ones.</summary>
    private void Name()
    {
        if (!string.IsNullOrEmpty(PSComputerName) && !IsThisComputer(PSComputerName!))
        {
            WriteError(
                ErrorRecords.Create(
                    "SessionOfAnotherComputer",
                    ErrorCategory.InvalidArgument,
                    $"Session(s) {string.Join(", ", SessionId!)} came from '{PSComputerName}' and were not removed "
                        + $"here: remove them on that computer (Invoke-Command -ComputerName {PSComputerName}).",
                    PSComputerName
                )
            );
            return;
        }
        if (AgentId!.Length != 1 || (Path != null && Path.Length != 1))
            ThrowTerminatingError(
                ErrorRecords.Create(
                    "AmbiguousSession",
                    ErrorCategory.InvalidArgument,
                    "-SessionId names sessions of one agent of one instance: give one -AgentId and at most one -Path.",
                    SessionId
                )
            );
        string folder =
            Path == null
                ? InstanceFolders(null).First()
                : InstanceParameter.FileSystemPath(this, Path[0], literal: true)[0];
        foreach (string id in SessionId!)
            _named.Add(EvonicSession.Named(folder, AgentId[0], id, Kind ?? SessionKind.Human));
    }

    private static bool IsThisComputer(string name) =>
        name is "localhost" or "127.0.0.1" or "::1" or "."
        || string.Equals(name, Environment.MachineName, StringComparison.OrdinalIgnoreCase)
        || name.StartsWith(Environment.MachineName + ".", StringComparison.OrdinalIgnoreCase);

    protected override void EndProcessing() =>
        CompletingProgressWhenStopped(() =>
        {
            // Piped and named sessions are read again in their instance, among all its agents; each listing keeps the
            // age limit it was made with (named ones: -MaxAgeDays, else the instance's setting).
            foreach (IGrouping<string, EvonicSession> instance in ByInstance(_piped, s => s.InstanceRoot))
            foreach (IGrouping<int, EvonicSession> listing in instance.GroupBy(s => s.MaxAgeDays))
                if (OpenArchivingStore(instance.Key, listing.Key) is { } store)
                    _run!.RemoveListed(store, SelectAgents(store, null), listing.ToList());
            foreach (IGrouping<string, EvonicSession> named in ByInstance(_named, s => s.InstanceRoot))
                if (OpenArchivingStore(named.Key, null) is { } store)
                    _run!.RemoveListed(store, SelectAgents(store, null), named.ToList());
            _run!.Finish();
        });

    /// <summary>The store, with whether it archives: -Archive when given, else the instance's setting.</summary>
    private SessionStore? OpenArchivingStore(string folder, int? listedMaxAgeDays)
    {
        SessionStore? store = OpenStore(folder, listedMaxAgeDays, instance =>
            MyInvocation.BoundParameters.ContainsKey(nameof(Archive))
                ? ArchivePolicy.FromParameter(Archive.IsPresent)
                : ArchivePolicy.Resolve(instance, Environment.GetEnvironmentVariable)
        );
        if (store == null)
            return null;
        if (store.Archive!.Enabled)
            WriteVerbose(
                $"Each session is archived in '{store.Instance.ArchiveDatabasePath}' before it is removed "
                    + $"({store.Archive.Source})."
            );
        return store;
    }

    protected override void StopProcessing() => _run?.Dispose();

    public void Dispose() => _run?.Dispose();

    protected override void OnAgentError(string agentId, EvonicException failure) =>
        _run!.AgentFailed(agentId, failure);

    protected override void OnCleanupDisabled(CleanupPolicy policy) => _run!.Disabled(policy);

    protected override void OnPolicyRefused(EvonicException failure) => _run!.PolicyRefused(failure);

    /// <summary>One ShouldProcess call per session, so -WhatIf prints one line each and -Confirm asks for
    /// each.</summary>
    bool ICleanupRunHost.Approve(EvonicSession session) =>
        Approval.Ask(this, _skipsPrompt, _verbose, session.Describe, Action);

    void ICleanupRunHost.Removed(SessionRemovalResult result)
    {
        if (PassThru)
            WriteObject(result);
    }

    void ICleanupRunHost.Failed(EvonicException failure) => WriteError(ErrorRecords.From(failure));

    void ICleanupRunHost.Warn(string message) => WriteWarning(message);

    void ICleanupRunHost.Detail(string message) => WriteVerbose(message);

    private static readonly string[] LineTags = { "SESSION_CLEANUP" };
    private static readonly string[] SummaryTags = { "SESSION_CLEANUP", "Summary" };
    private static readonly string[] PreviewSummaryTags = { "Summary" };

    void ICleanupRunHost.Line(string line) => WriteInformation(line, LineTags);

    /// <summary>The closing line's data is its <see cref="CleanupReport"/>, which prints as the line.</summary>
    void ICleanupRunHost.Closing(string text, CleanupReport? report) =>
        WriteInformation(report ?? (object)text, report == null ? PreviewSummaryTags : SummaryTags);

    /// <summary>The run's record (agents, activity 1) and, nested under it, the current agent's sessions (activity
    /// 2).</summary>
    void ICleanupRunHost.Progress(int activityId, string activity, Func<string> status, int done, int total)
    {
        int parent = activityId == 1 ? -1 : 1;
        if (total == 0)
            CompleteProgress(activityId, activity, parent);
        else
            ReportProgress(activityId, activity, status, done, total, parent);
    }
}
