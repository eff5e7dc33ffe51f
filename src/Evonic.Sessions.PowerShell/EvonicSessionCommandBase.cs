using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Evonic.Sessions.Rules;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// What Get- and Remove-EvonicOldSession share: -MaxAgeDays, how -Path and -LiteralPath name instances, how -AgentId
/// selects agents, errors per agent, and progress. Each cmdlet declares -Path, -LiteralPath and -AgentId itself, with
/// the pipeline binding that fits it.
/// </summary>
public abstract class EvonicSessionCommandBase : PSCmdlet
{
    internal const string SelectionSet = "Selection";
    internal const string LiteralPathSet = "LiteralPath";

    /// <summary>Sessions idle longer than this many days are old; 0 disables cleanup.</summary>
    [Parameter]
    [WholeDays]
    [ValidateRange(0, CleanupPolicy.LongestMaxAgeDays)]
    public int MaxAgeDays { get; set; }

    /// <summary>The Evonic instance root(s) exactly as written (no wildcards); binds the folders Get-Item and Get-ChildItem pipe.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[]? LiteralPath { get; set; }

    /// <summary>The instance folders named by -LiteralPath, else <paramref name="path"/> (-Path, wildcards expanded), else the default instance.</summary>
    protected IEnumerable<string> InstanceFolders(string[]? path)
    {
        if (LiteralPath != null) return LiteralPath.SelectMany(p => InstanceParameter.FileSystemPath(this, p, literal: true));
        if (path != null) return path.SelectMany(p => InstanceParameter.FileSystemPath(this, p, literal: false));
        return InstanceParameter.FileSystemPath(this, EvonicInstance.DefaultPath(Environment.GetEnvironmentVariable), literal: true);
    }

    private bool MaxAgeDaysBound => MyInvocation.BoundParameters.ContainsKey(nameof(MaxAgeDays));

    /// <summary>The age limit: -MaxAgeDays, else <paramref name="listedMaxAgeDays"/> (piped sessions), else the environment or .env.</summary>
    private CleanupPolicy ResolvePolicy(EvonicInstance instance, int? listedMaxAgeDays)
    {
        try
        {
            if (MaxAgeDaysBound) return CleanupPolicy.FromParameter(MaxAgeDays);
            if (listedMaxAgeDays is { } listed) return CleanupPolicy.FromParameter(listed);
            return CleanupPolicy.Resolve(instance, Environment.GetEnvironmentVariable);
        }
        catch (EvonicException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e));
            throw;
        }
    }

    /// <summary>Opens the instance at <paramref name="folder"/> (a file system path) with its age limit; null (after saying so) when cleanup is disabled.</summary>
    protected SessionStore? OpenStore(string folder, int? listedMaxAgeDays = null)
    {
        EvonicInstance instance = InstanceParameter.OpenFolder(this, folder);
        CleanupPolicy policy = ResolvePolicy(instance, listedMaxAgeDays);
        if (!policy.IsDisabled) return new SessionStore(instance, policy);
        WriteWarning($"Session cleanup is disabled: MaxAgeDays is 0 (from {policy.Source}). Nothing is listed or removed.");
        OnCleanupDisabled(policy);
        return null;
    }

    /// <summary>Lets Remove-EvonicOldSession log that a (scheduled) run found cleanup disabled.</summary>
    protected virtual void OnCleanupDisabled(CleanupPolicy policy)
    {
    }

    /// <summary>The agents <paramref name="agentIds"/> names (all when null); a literal name that does not exist is an error.</summary>
    protected List<AgentInfo> SelectAgents(SessionStore store, string[]? agentIds)
    {
        IReadOnlyList<AgentInfo> agents;
        try
        {
            agents = store.GetAgents();
        }
        catch (EvonicException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e));
            throw;
        }
        if (agentIds == null) return agents.ToList();

        var selected = new List<AgentInfo>();
        foreach (string name in agentIds)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matches = agents.Where(a => pattern.IsMatch(a.Id)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                WriteAgentError(name, new EvonicException(EvonicErrorKind.AgentNotFound,
                    $"The instance '{store.Instance.Root}' has no agent '{name}' in its main database.", name));
            selected.AddRange(matches.Where(m => !selected.Contains(m)));
        }
        return selected;
    }

    /// <summary>A failure that stops one agent (or one named agent that does not exist): a non-terminating error.</summary>
    protected void WriteAgentError(string agentId, EvonicException error)
    {
        OnAgentError(agentId, error);
        WriteError(ErrorRecords.From(error));
    }

    /// <summary>Lets a cmdlet count failures (Remove-EvonicOldSession's summary) before they are written.</summary>
    protected virtual void OnAgentError(string agentId, EvonicException error)
    {
    }

    private readonly System.Diagnostics.Stopwatch _sinceProgress = System.Diagnostics.Stopwatch.StartNew();
    private readonly Dictionary<int, ProgressRecord> _openProgress = new();

    /// <summary>
    /// Progress, at most five times a second: a record per session would cost more than the work on large instances.
    /// A record with <paramref name="parentActivityId"/> nests under that one (an agent's sessions under the run).
    /// </summary>
    protected void ReportProgress(int activityId, string activity, string status, int done, int total, int parentActivityId = -1)
    {
        if (done > 0 && done < total && _sinceProgress.ElapsedMilliseconds < 200) return;
        _sinceProgress.Restart();
        var record = new ProgressRecord(activityId, activity, status)
        {
            PercentComplete = total == 0 ? 100 : Math.Min(100, done * 100 / total),
            ParentActivityId = parentActivityId,
        };
        _openProgress[activityId] = record;
        WriteProgress(record);
    }

    protected void CompleteProgress(int activityId, string activity, int parentActivityId = -1)
    {
        _openProgress.Remove(activityId);
        WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed, ParentActivityId = parentActivityId });
    }

    /// <summary>
    /// Completes every record still shown, innermost first: when a command downstream has all it wants (Select-Object
    /// -First) the pipeline stops this one mid-way, and a record left open would stay on the screen.
    /// </summary>
    protected void CompleteOpenProgress()
    {
        foreach (ProgressRecord open in _openProgress.Values.OrderByDescending(r => r.ParentActivityId).ToList())
        {
            try
            {
                CompleteProgress(open.ActivityId, open.Activity, open.ParentActivityId);
            }
            catch (PipelineStoppedException)
            {
                return; // Ctrl+C: the host clears the screen's records itself
            }
        }
    }
}
