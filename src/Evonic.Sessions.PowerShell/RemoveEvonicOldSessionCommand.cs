using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// <para type="synopsis">Removes old sessions of an Evonic instance with everything that belongs to them.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "EvonicOldSession", DefaultParameterSetName = SelectionSet,
    SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(SessionRemovalResult))]
public sealed class RemoveEvonicOldSessionCommand : EvonicSessionCommandBase, IDisposable
{
    private const string InputObjectSet = "InputObject";
    private const string Activity = "Removing old Evonic sessions";
    private const string Action = "Remove Evonic session with its messages, chat log and attachments";

    private readonly List<EvonicSession> _piped = new();
    private readonly CleanupSummary _summary = new();
    private readonly Stopwatch _clock = new();
    private readonly Dictionary<string, CleanupLock?> _locks = new(StringComparer.Ordinal);
    private readonly HashSet<string> _lockedOut = new(StringComparer.Ordinal);
    private CleanupLogFile? _logFile;
    private int _offered;

    /// <summary>Sessions from Get-EvonicOldSession.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public EvonicSession[]? InputObject { get; set; }

    /// <summary>Removes without asking for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Emits a result object per removed session.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Also appends the [SESSION_CLEANUP] lines to this file (created when missing), each with its UTC time.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogPath { get; set; }

    protected override void BeginProcessing()
    {
        _clock.Start();
        if (LogPath != null && !WhatIfRequested)
            _logFile = new CleanupLogFile(SessionState.Path.GetUnresolvedProviderPathFromPSPath(LogPath));
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            _piped.AddRange(InputObject!);
            return;
        }
        SessionStore? store = OpenStore(Path);
        if (store == null) return;
        var agents = SelectAgents(store);
        int done = 0;
        foreach (AgentSessions read in ReadAgents(store, agents))
        {
            ReportProgress(1, Activity, $"Agent '{read.Agent.Id}' ({done + 1} of {agents.Count})", done++, agents.Count);
            if (read.Sessions != null) RemoveFromAgent(store, read.Agent, read.Sessions, read.Sessions.Where(s => s.IsRemovable).ToList());
            LogAgentDone(read.Agent.Id);
        }
        CompleteProgress(1, Activity);
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName == InputObjectSet) RemovePiped();
        WriteSummary();
        ReleaseLocks();
    }

    protected override void StopProcessing() => ReleaseLocks();

    public void Dispose() => ReleaseLocks();

    /// <summary>
    /// Piped sessions are checked again against a fresh read of their agent, with the age limit they were listed
    /// with: only those still old and unprotected go.
    /// </summary>
    private void RemovePiped()
    {
        var groups = _piped.GroupBy(s => (s.InstanceRoot, s.MaxAgeDays)).ToList();
        foreach (var group in groups)
        {
            SessionStore? store = OpenStore(group.Key.InstanceRoot, group.Key.MaxAgeDays);
            if (store == null) continue;
            Dictionary<string, AgentInfo> agents = SelectAgents(store).ToDictionary(a => a.Id, StringComparer.Ordinal);
            var byAgent = group.GroupBy(s => s.AgentId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            foreach (string missing in byAgent.Keys.Where(id => !agents.ContainsKey(id)))
            {
                WriteAgentError(missing, new EvonicException(EvonicErrorKind.AgentNotFound,
                    $"The instance '{store.Instance.Root}' has no agent '{missing}' in its main database.", missing));
                LogAgentDone(missing);
            }
            var wanted = byAgent.Keys.Where(agents.ContainsKey).Select(id => agents[id]).ToList();
            int done = 0;
            foreach (AgentSessions read in ReadAgents(store, wanted))
            {
                string agentId = read.Agent.Id;
                ReportProgress(1, Activity, $"Agent '{agentId}' ({done + 1} of {wanted.Count})", done++, wanted.Count);
                if (read.Sessions == null)
                {
                    LogAgentDone(agentId);
                    continue;
                }
                // A left-over and a live session may share an id: each piped entry is matched to its own kind, and
                // a listing that names one twice can never stop the run.
                var current = read.Sessions.GroupBy(Key).ToDictionary(g => g.Key, g => g.First());
                var candidates = new List<EvonicSession>();
                foreach (EvonicSession listed in byAgent[agentId].GroupBy(Key).Select(g => g.First()))
                {
                    if (current.TryGetValue(Key(listed), out EvonicSession? now) && now.IsRemovable)
                        candidates.Add(now);
                    else if (now == null)
                        WriteVerbose($"Skipped {listed.Describe()}: it no longer exists.");
                    else
                        WriteWarning($"Kept {now.Describe()}: it is {(now.IsOld ? "protected (" + now.Protection + ")" : "no longer old")}.");
                }
                RemoveFromAgent(store, read.Agent, read.Sessions, candidates);
                LogAgentDone(agentId);
            }
        }
        CompleteProgress(1, Activity);
    }

    private static (string SessionId, bool Leftover) Key(EvonicSession session) => (session.SessionId, session.Kind == SessionKind.Orphan);

    private void RemoveFromAgent(SessionStore store, AgentInfo agent, IReadOnlyList<EvonicSession> listed, IReadOnlyList<EvonicSession> candidates)
    {
        var approved = candidates.Where(ShouldRemove).ToList();
        _offered += candidates.Count;
        if (approved.Count == 0)
        {
            // A run killed after its last commit for this agent left agents.session_count behind; fix it even
            // when nothing else is left to do (a removal recounts anyway).
            if (!WhatIfRequested && agent.SessionCount != listed.Count(s => s.Kind != SessionKind.Orphan)) SyncSessionCount(store, agent);
            return;
        }
        if (!HoldLock(store.Instance, agent.Id)) return;
        try
        {
            int done = 0;
            foreach (SessionRemovalResult result in store.Remove(agent, approved))
            {
                ReportProgress(2, $"Agent '{agent.Id}'", result.Session.Describe(), ++done, approved.Count);
                _summary.Add(result);
                if (result.Error != null)
                {
                    Log(CleanupSummary.FailureLine(agent.Id, result.Error));
                    WriteError(ErrorRecords.From(result.Error));
                }
                if (result.Status == RemovalStatus.KeptActive)
                    WriteWarning($"Kept {result.Session.Describe()}: it became active after it was listed.");
                if (result.Status == RemovalStatus.Removed && PassThru) WriteObject(result);
            }
            CompleteProgress(2, $"Agent '{agent.Id}'");
        }
        catch (EvonicException e)
        {
            WriteAgentError(agent.Id, e);
        }
        finally
        {
            _summary.AddWriteTransaction(store.LongestWriteTransaction);
        }
    }

    /// <summary>
    /// One ShouldProcess call per session, so -WhatIf prints one line each and -Confirm asks for each.
    /// -Force skips the prompt, as in Microsoft's Remove-* cmdlets, unless -Confirm or -WhatIf is given too.
    /// </summary>
    private bool ShouldRemove(EvonicSession session)
    {
        string target = session.Describe();
        if (Force && !IsBound("Confirm") && !WhatIfRequested)
        {
            WriteVerbose($"Removing {target}.");
            return true;
        }
        try
        {
            return ShouldProcess(target, Action);
        }
        catch (Exception e) when (e is HostException or PSInvalidOperationException or NotImplementedException)
        {
            // A host that cannot prompt (a scheduled task, a service): fail fast instead of hanging.
            ThrowTerminatingError(ErrorRecords.Create("ConfirmationRequired", ErrorCategory.InvalidOperation,
                $"Removing sessions needs confirmation, and this host cannot ask for it ({e.Message}). Add -Force (or -Confirm:$false) to remove without asking.", target));
            throw;
        }
    }

    private void SyncSessionCount(SessionStore store, AgentInfo agent)
    {
        try
        {
            store.SyncSessionCount(agent);
        }
        catch (EvonicException e)
        {
            WriteAgentError(agent.Id, e);
        }
    }

    /// <summary>
    /// Takes the instance's cleanup lock before the first deletion (not for -WhatIf or declined prompts); when
    /// another run holds it, says so once and removes nothing from that instance.
    /// </summary>
    private bool HoldLock(EvonicInstance instance, string agentId)
    {
        if (_lockedOut.Contains(instance.Root)) return false;
        if (_locks.ContainsKey(instance.Root)) return true;
        try
        {
            CleanupLock? held = CleanupLock.TryAcquire(instance);
            if (held == null) WriteVerbose($"The lock file '{CleanupLock.PathFor(instance)}' cannot be created: the instance is read-only.");
            _locks[instance.Root] = held;
            return true;
        }
        catch (EvonicException e)
        {
            _lockedOut.Add(instance.Root);
            WriteAgentError(agentId, e);
            return false;
        }
    }

    private void ReleaseLocks()
    {
        foreach (CleanupLock? held in _locks.Values) held?.Dispose();
        _locks.Clear();
    }

    protected override void OnAgentError(string agentId, EvonicException error)
    {
        _summary.AddError(agentId);
        Log(CleanupSummary.FailureLine(agentId, error));
    }

    protected override void OnCleanupDisabled(CleanupPolicy policy) => Log(CleanupSummary.DisabledLine(policy));

    private void LogAgentDone(string agentId)
    {
        if (!WhatIfRequested) Log(_summary.AgentLine(agentId));
    }

    /// <summary>
    /// A [SESSION_CLEANUP] line: to the information stream (the closing one as its <see cref="CleanupReport"/>, which
    /// prints as the line), and to -LogPath when given.
    /// </summary>
    private void Log(string line, CleanupReport? report = null)
    {
        if (WhatIfRequested) return;
        WriteInformation(report ?? (object)line, report == null ? new[] { "SESSION_CLEANUP" } : new[] { "SESSION_CLEANUP", "Summary" });
        if (_logFile == null) return;
        try
        {
            _logFile.Append(line, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteWarning($"The log file '{_logFile.Path}' cannot be written ({e.Message}); this run logs no more lines there.");
            _logFile = null;
        }
    }

    private bool IsBound(string name) => SwitchState.IsSet(this, name);

    private bool WhatIfRequested => SwitchState.IsWhatIf(this);

    private void WriteSummary()
    {
        if (WhatIfRequested)
        {
            WriteInformation($"What if: {_offered} session(s) would be removed.", new[] { "Summary" });
            return;
        }
        var report = new CleanupReport(Environment.MachineName, InstanceRoots.ToArray(), _summary, _clock.Elapsed);
        Log(report.Line, report);
    }
}
