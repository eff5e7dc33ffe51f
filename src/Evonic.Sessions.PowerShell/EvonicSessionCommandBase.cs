using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Evonic.Sessions.Rules;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>The selection parameters both cmdlets share (-Path, -MaxAgeDays, -AgentId) and how they resolve.</summary>
public abstract class EvonicSessionCommandBase : PSCmdlet
{
    internal const string SelectionSet = "Selection";

    /// <summary>The Evonic instance root; defaults to $env:EVONIC_HOME, else ~/.evonic.</summary>
    [Parameter(Position = 0, ParameterSetName = SelectionSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Sessions idle longer than this many days are old; 0 disables cleanup.</summary>
    [Parameter]
    [WholeDays]
    [ValidateRange(0, CleanupPolicy.LongestMaxAgeDays)]
    public int MaxAgeDays { get; set; }

    /// <summary>Only these agents (wildcards allowed).</summary>
    [Parameter(ParameterSetName = SelectionSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(AgentIdCompleter))]
    public string[]? AgentId { get; set; }

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

    /// <summary>Opens the instance with its age limit; null (after saying so) when cleanup is disabled.</summary>
    protected SessionStore? OpenStore(string? path, int? listedMaxAgeDays = null)
    {
        EvonicInstance instance = InstanceParameter.Open(this, path);
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

    /// <summary>The agents named by -AgentId (all when not given); a literal name that does not exist is an error.</summary>
    protected List<AgentInfo> SelectAgents(SessionStore store)
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
        if (AgentId == null) return agents.ToList();

        var selected = new List<AgentInfo>();
        foreach (string name in AgentId)
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
