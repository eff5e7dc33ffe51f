using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// What every cmdlet that works on an Evonic instance shares, written once: opening the instance a path names,
/// choosing agents by -AgentId, matching ids against wildcards, grouping piped input by the instance it came from,
/// and progress that is throttled and always completed. Each cmdlet stays a thin shell over the store.
/// </summary>
public abstract class EvonicCommandBase : PSCmdlet
{
    /// <summary>Opens the instance at <paramref name="path"/> (a PowerShell path; null: $env:EVONIC_HOME, else
    /// ~/.evonic), or ends the command.</summary>
    protected EvonicInstance OpenInstance(string? path) => InstanceParameter.Open(this, path);

    /// <summary>
    /// The agents <paramref name="agentIds"/> names (all when null), each once, wildcards allowed; a literal name that
    /// is no agent of the instance is a non-terminating AgentNotFound error; a main database that cannot be read ends
    /// the command.
    /// </summary>
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
        if (agentIds == null)
            return agents.ToList();

        var selected = new List<AgentInfo>();
        foreach (string name in agentIds)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matches = agents.Where(a => pattern.IsMatch(a.Id)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                WriteAgentError(
                    name,
                    new EvonicException(
                        EvonicErrorKind.AgentNotFound,
                        $"The instance '{store.Instance.Root}' has no agent '{name}' in its main database.",
                        name
                    )
                );
            selected.AddRange(matches.Where(m => !selected.Contains(m)));
        }
        return selected;
    }

    /// <summary>A failure that stops one agent (or one named agent that does not exist): a non-terminating
    /// error.</summary>
    protected void WriteAgentError(string agentId, EvonicException failure)
    {
        OnAgentError(agentId, failure);
        WriteError(ErrorRecords.From(failure));
    }

    /// <summary>Lets a cmdlet count failures (Remove-EvonicOldSession's summary) before they are written.</summary>
    protected virtual void OnAgentError(string agentId, EvonicException failure) { }

    /// <summary>Wildcard patterns of a filter parameter (case-insensitive, as PowerShell matches names); null when not
    /// given.</summary>
    protected static WildcardPattern[]? Patterns(string[]? values) =>
        values?.Select(v => new WildcardPattern(v, WildcardOptions.IgnoreCase)).ToArray();

    /// <summary>True when no filter was given, or <paramref name="value"/> matches one of its patterns.</summary>
    protected static bool Matches(WildcardPattern[]? patterns, string value) =>
        patterns == null || patterns.Any(p => p.IsMatch(value));

    /// <summary>
    /// Piped input grouped by the instance each item came from, in the order instances were first seen: each instance
    /// is then opened (and locked) once. Roots are compared as the file system compares paths.
    /// </summary>
    protected static IEnumerable<IGrouping<string, T>> ByInstance<T>(
        IEnumerable<T> items,
        Func<T, string> instanceRoot
    ) => items.GroupBy(instanceRoot, EvonicInstance.RootComparer);

    private readonly System.Diagnostics.Stopwatch _sinceProgress = System.Diagnostics.Stopwatch.StartNew();
    private readonly Dictionary<int, ProgressRecord> _openProgress = new();

    /// <summary>
    /// Progress, at most five times a second: a record per session would cost more than the work on large instances.
    /// A record with <paramref name="parentActivityId"/> nests under that one (an agent's sessions under the run).
    /// </summary>
    protected void ReportProgress(
        int activityId,
        string activity,
        string status,
        int done,
        int total,
        int parentActivityId = -1
    ) => ReportProgress(activityId, activity, () => status, done, total, parentActivityId);

    /// <summary>As above; <paramref name="status"/> is called only for a record that is written.</summary>
    protected void ReportProgress(
        int activityId,
        string activity,
        Func<string> status,
        int done,
        int total,
        int parentActivityId = -1
    )
    {
        if (done > 0 && done < total && _sinceProgress.ElapsedMilliseconds < 200)
            return;
        _sinceProgress.Restart();
        var record = new ProgressRecord(activityId, activity, status())
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
        WriteProgress(
            new ProgressRecord(activityId, activity, "Done")
            {
                RecordType = ProgressRecordType.Completed,
                ParentActivityId = parentActivityId,
            }
        );
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

    /// <summary>Runs <paramref name="work"/>; when a downstream Select-Object -First stops the pipeline, its progress
    /// records are completed.</summary>
    protected void CompletingProgressWhenStopped(Action work)
    {
        try
        {
            work();
        }
        catch (PipelineStoppedException)
        {
            CompleteOpenProgress();
            throw;
        }
    }
}
