using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Evonic.Sessions;

/// <summary>Totals of one cleanup run, per agent and overall, for the closing summary.</summary>
public sealed class CleanupSummary
{
    /// <summary>At most this many failures are itemised in <see cref="Lines"/>; the ErrorRecords carry them all.</summary>
    public const int ListedFailures = 20;

    private readonly SortedDictionary<string, AgentTotals> _agents = new(StringComparer.Ordinal);
    private readonly List<(string AgentId, EvonicException Error)> _failures = new();

    public sealed class AgentTotals
    {
        public int Sessions { get; internal set; }
        public long Messages { get; internal set; }
        public int Files { get; internal set; }
        public long Bytes { get; internal set; }
        public int Kept { get; internal set; }
        public int Errors { get; internal set; }
    }

    public IReadOnlyDictionary<string, AgentTotals> Agents => _agents;
    public int Sessions => _agents.Values.Sum(a => a.Sessions);
    public long Messages => _agents.Values.Sum(a => a.Messages);
    public int Files => _agents.Values.Sum(a => a.Files);
    public long Bytes => _agents.Values.Sum(a => a.Bytes);
    public int Kept => _agents.Values.Sum(a => a.Kept);
    public int Errors => _agents.Values.Sum(a => a.Errors);

    public void Add(SessionRemovalResult result)
    {
        AgentTotals totals = For(result.AgentId);
        if (result.Status == RemovalStatus.Removed)
        {
            totals.Sessions++;
            totals.Messages += result.MessagesRemoved;
        }
        else if (result.Status == RemovalStatus.KeptActive)
        {
            totals.Kept++;
        }
        totals.Files += result.FilesRemoved;
        totals.Bytes += result.BytesFreed;
        if (result.Error != null) AddError(result.AgentId, result.Error);
    }

    public void AddError(string agentId, EvonicException error)
    {
        For(agentId).Errors++;
        _failures.Add((agentId, error));
    }

    /// <summary>What failed, in the order it failed.</summary>
    public IReadOnlyList<(string AgentId, EvonicException Error)> Failures => _failures;

    private AgentTotals For(string agentId)
    {
        if (!_agents.TryGetValue(agentId, out AgentTotals? totals)) _agents[agentId] = totals = new AgentTotals();
        return totals;
    }

    /// <summary>One line overall, then one per agent.</summary>
    public IEnumerable<string> Lines()
    {
        yield return string.Format(CultureInfo.InvariantCulture,
            "Removed {0} session(s): {1} message(s), {2} file(s), {3} freed; {4} kept because active or protected; {5} error(s).",
            Sessions, Messages, Files, FormatBytes(Bytes), Kept, Errors);
        foreach (KeyValuePair<string, AgentTotals> agent in _agents)
            yield return string.Format(CultureInfo.InvariantCulture,
                "  {0}: {1} session(s), {2} message(s), {3} file(s), {4}; {5} kept; {6} error(s).",
                agent.Key, agent.Value.Sessions, agent.Value.Messages, agent.Value.Files, FormatBytes(agent.Value.Bytes), agent.Value.Kept, agent.Value.Errors);
        foreach (var (agentId, error) in _failures.Take(ListedFailures))
            yield return $"  failed: {agentId}: {error.Kind} {Describe(error.Target)}";
        if (_failures.Count > ListedFailures)
            yield return $"  failed: ... and {_failures.Count - ListedFailures} more (see the errors).";
    }

    private static string Describe(object? target) => target == null ? "" : "'" + Convert.ToString(target, CultureInfo.InvariantCulture)!.Replace("\0", "\\0") + "'";

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (string line in Lines()) text.AppendLine(line);
        return text.ToString().TrimEnd();
    }

    public static string FormatBytes(long bytes)
    {
        string[] units = { "B", "KB", "MB", "GB", "TB" };
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
