using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Evonic.Sessions;

/// <summary>Totals of one cleanup run, per agent and overall, for the closing summary.</summary>
public sealed class CleanupSummary
{
    private readonly SortedDictionary<string, AgentTotals> _agents = new(StringComparer.Ordinal);

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
        if (result.Error != null) totals.Errors++;
    }

    public void AddError(string agentId) => For(agentId).Errors++;

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
    }

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
