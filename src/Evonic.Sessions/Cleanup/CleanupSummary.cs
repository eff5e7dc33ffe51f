using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Evonic.Sessions.Rules;

namespace Evonic.Sessions.Cleanup;

/// <summary>
/// Totals of one cleanup run, per agent and overall, and the <c>[SESSION_CLEANUP]</c> lines that report them: one
/// per agent as it finishes, one per failure, and a final one with the duration.
/// </summary>
public sealed class CleanupSummary
{
    /// <summary>Every log line starts with this tag, as in Evonic's own cleanup proposal, so logs can be
    /// grepped.</summary>
    public const string Tag = "[SESSION_CLEANUP]";

    private readonly SortedDictionary<string, AgentTotals> _agents = new(StringComparer.Ordinal);

    private sealed class AgentTotals
    {
        public int Sessions;
        public long Messages;
        public int Files;
        public long Bytes;
        public int Kept;
        public int Errors;
    }

    public int Sessions => _agents.Values.Sum(a => a.Sessions);
    public long Messages => _agents.Values.Sum(a => a.Messages);
    public int Files => _agents.Values.Sum(a => a.Files);
    public long Bytes => _agents.Values.Sum(a => a.Bytes);
    public int Kept => _agents.Values.Sum(a => a.Kept);
    public int Errors => _agents.Values.Sum(a => a.Errors) + _runErrors;

    private int _runErrors;

    public void Add(SessionRemovalResult result)
    {
        AgentTotals totals = For(result.AgentId);
        if (result.Status == RemovalStatus.Removed)
        {
            totals.Sessions++;
            totals.Messages += result.MessagesRemoved;
        }
        else if (result.Status is RemovalStatus.KeptActive or RemovalStatus.KeptProtected)
        {
            totals.Kept++;
        }
        totals.Files += result.FilesRemoved;
        totals.Bytes += result.BytesFreed;
        if (result.Error != null)
            totals.Errors++;
    }

    public void AddError(string agentId) => For(agentId).Errors++;

    /// <summary>An error of the run itself, not of one agent (its log file refused).</summary>
    public void AddRunError() => _runErrors++;

    /// <summary>Bytes the databases gave back to the file system after the removal (-Optimize), beside the deleted
    /// files' <see cref="Bytes"/>.</summary>
    public long DatabaseBytesReturned { get; private set; }

    public void AddReturned(long bytes) => DatabaseBytesReturned += bytes;

    /// <summary>The longest write transaction of the run, for the closing line.</summary>
    public TimeSpan LongestWriteTransaction { get; private set; }

    public void AddWriteTransaction(TimeSpan held)
    {
        if (held > LongestWriteTransaction)
            LongestWriteTransaction = held;
    }

    private AgentTotals For(string agentId)
    {
        if (!_agents.TryGetValue(agentId, out AgentTotals? totals))
            _agents[agentId] = totals = new AgentTotals();
        return totals;
    }

    /// <summary>The line for one agent, written when it is done.</summary>
    public string AgentLine(string agentId)
    {
        AgentTotals a = For(agentId);
        return Format(
            "agent {0}: removed {1} session(s), {2} message(s), {3} file(s), {4} freed; {5} kept; {6} error(s)",
            agentId,
            a.Sessions,
            a.Messages,
            a.Files,
            FormatBytes(a.Bytes),
            a.Kept,
            a.Errors
        );
    }

    /// <summary>The line for one failure: what failed, as its ErrorId and the path or value it is about.</summary>
    public static string FailureLine(string agentId, EvonicException error) =>
        Format(
            "failed: agent {0}: {1} '{2}'",
            agentId.Replace("\0", "\\0"),
            error.Kind,
            Convert.ToString(error.Target, CultureInfo.InvariantCulture)?.Replace("\0", "\\0")
        );

    /// <summary>The line for a failure of the run itself (its code, its log file), not of one agent.</summary>
    public static string RunFailureLine(EvonicException error) =>
        Format(
            "failed: {0} '{1}'",
            error.Kind,
            Convert.ToString(error.Target, CultureInfo.InvariantCulture)?.Replace("\0", "\\0")
        );

    /// <summary>The line for a database that kept its free pages after -Optimize, and why.</summary>
    public static string NotOptimizedLine(string path, string kept, string reason) =>
        Format("not optimized: '{0}' kept {1}: {2}", path, kept, reason);

    /// <summary>How the run ended, as the object the cmdlet writes: these totals and the closing line.</summary>
    public CleanupReport Report(
        string computerName,
        string[] instanceRoots,
        TimeSpan duration,
        string? moduleVersion
    ) =>
        new(
            computerName,
            instanceRoots,
            Sessions,
            Messages,
            Files,
            Bytes,
            DatabaseBytesReturned,
            Kept,
            Errors,
            duration,
            LongestWriteTransaction,
            FinalLine(duration, moduleVersion),
            moduleVersion
        );

    /// <summary>The closing line of a run; it ends with the module version that ran, when known.</summary>
    public string FinalLine(TimeSpan duration, string? moduleVersion) =>
        Format(
            "done: removed {0} session(s), {1} message(s), {2} file(s), {3} ({4} bytes) freed, {5} ({6} bytes) "
                + "returned by databases, in {7:0.0} s; {8} kept; {9} error(s); longest write transaction {10:0} ms",
            Sessions,
            Messages,
            Files,
            FormatBytes(Bytes),
            Bytes,
            FormatBytes(DatabaseBytesReturned),
            DatabaseBytesReturned,
            duration.TotalSeconds,
            Kept,
            Errors,
            LongestWriteTransaction.TotalMilliseconds
        ) + (string.IsNullOrEmpty(moduleVersion) ? "" : "; Evonic.Sessions " + moduleVersion);

    public static string DisabledLine(CleanupPolicy policy) =>
        Format("cleanup disabled: MaxAgeDays is 0 (from {0}); nothing removed", policy.Source);

    public static string PolicyRefusedLine(EvonicException failure) => Format("policy refused: {0}", failure.Message);

    private static string Format(string format, params object?[] values) =>
        Tag + " " + string.Format(CultureInfo.InvariantCulture, format, values);

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
