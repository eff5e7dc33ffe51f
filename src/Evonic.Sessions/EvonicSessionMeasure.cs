using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Evonic.Sessions;

/// <summary>
/// What a cleanup at one age (or by the instance's retention policy) would remove from one agent, or from all of
/// them (<see cref="AgentId"/> <c>(all)</c>): sessions, messages and bytes, and how many old sessions it keeps and
/// why. Plain properties, for <c>Export-Csv</c>; <see cref="Bar"/> draws it against the widest of its kind.
/// </summary>
public sealed class EvonicSessionMeasure
{
    /// <summary>The <see cref="AgentId"/> of the rows that add up every agent.</summary>
    public const string AllAgents = "(all)";

    /// <summary>The <see cref="Limit"/> of the rows measured by the instance's retention policy.</summary>
    public const string ByPolicy = "policy";

    private readonly Dictionary<SessionProtection, long> _reasons = new();

    internal EvonicSessionMeasure(string instanceRoot, string agentId, int? maxAgeDays)
    {
        InstanceRoot = instanceRoot;
        AgentId = agentId;
        MaxAgeDays = maxAgeDays;
    }

    public string InstanceRoot { get; }

    /// <summary>The agent, or <c>(all)</c> for the sum of every agent measured.</summary>
    public string AgentId { get; }

    /// <summary>The age measured, in days; null for the retention policy (each session by the age that applies to
    /// it, as tonight's cleanup would).</summary>
    public int? MaxAgeDays { get; }

    /// <summary><c>30 days</c>, or <c>policy</c>.</summary>
    public string Limit => MaxAgeDays is { } days ? days.ToString(CultureInfo.InvariantCulture) + " days" : ByPolicy;

    /// <summary>Sessions the cleanup would remove (what <c>Remove-EvonicOldSession -WhatIf</c> lists).</summary>
    public long Sessions { get; private set; }

    public long Messages { get; private set; }

    /// <summary>The bytes of those messages' text.</summary>
    public long MessageBytes { get; private set; }

    /// <summary>The bytes of their JSONL chat logs.</summary>
    public long LogBytes { get; private set; }

    /// <summary>The bytes of their attachment files, as Evonic recorded them (<c>attachments.size_bytes</c>).</summary>
    public long AttachmentBytes { get; private set; }

    /// <summary>Messages, logs and attachments together.</summary>
    public long Bytes => MessageBytes + LogBytes + AttachmentBytes;

    /// <summary>Sessions old enough that the cleanup keeps anyway, and those it cannot date.</summary>
    public long Protected { get; private set; }

    /// <summary>Why: each protection with how many kept sessions have it (a session may have several).</summary>
    public string ProtectedBy =>
        string.Join(
            ", ",
            _reasons
                .OrderByDescending(r => r.Value)
                .ThenBy(r => r.Key.ToString(), StringComparer.Ordinal)
                .Select(r => $"{r.Key} {r.Value.ToString(CultureInfo.InvariantCulture)}")
        );

    /// <summary>The largest <see cref="Bytes"/> among the measures drawn beside this one.</summary>
    internal long Widest { get; set; }

    /// <summary>A bar of <see cref="Bytes"/>, <paramref name="width"/> characters for the widest measure of its kind
    /// (agents, or the sums).</summary>
    public string Bar(int width)
    {
        if (Widest <= 0 || Bytes <= 0 || width <= 0)
            return "";
        int length = (int)Math.Round((double)Bytes * width / Widest, MidpointRounding.AwayFromZero);
        return new string('\u2588', Math.Max(1, Math.Min(width, length)));
    }

    internal void AddRemovable(EvonicSession session)
    {
        Sessions++;
        Messages += session.MessageCount;
        MessageBytes += session.MessageBytes;
        LogBytes += session.JsonlPath != null ? session.JsonlSize : 0;
        AttachmentBytes += session.AttachmentRows.Sum(r => r.Size);
    }

    internal void AddProtected(SessionProtection protection)
    {
        Protected++;
        foreach (SessionProtection reason in Enum.GetValues(typeof(SessionProtection)))
            if (reason != SessionProtection.None && (protection & reason) == reason)
                _reasons[reason] = _reasons.TryGetValue(reason, out long n) ? n + 1 : 1;
    }

    /// <summary>The sum of the agents' measures at the same limit.</summary>
    internal void Add(EvonicSessionMeasure agent)
    {
        Sessions += agent.Sessions;
        Messages += agent.Messages;
        MessageBytes += agent.MessageBytes;
        LogBytes += agent.LogBytes;
        AttachmentBytes += agent.AttachmentBytes;
        Protected += agent.Protected;
        foreach (KeyValuePair<SessionProtection, long> reason in agent._reasons)
            _reasons[reason.Key] = (_reasons.TryGetValue(reason.Key, out long n) ? n : 0) + reason.Value;
    }

    /// <summary>
    /// The agents' measures, then one sum per limit over every agent, each drawn against the widest of its kind.
    /// </summary>
    public static IReadOnlyList<EvonicSessionMeasure> WithTotals(IReadOnlyList<EvonicSessionMeasure> agents)
    {
        var totals = new List<EvonicSessionMeasure>();
        foreach (
            IGrouping<(string, int?), EvonicSessionMeasure> limit in agents.GroupBy(m => (m.InstanceRoot, m.MaxAgeDays))
        )
        {
            var total = new EvonicSessionMeasure(limit.Key.Item1, AllAgents, limit.Key.Item2);
            foreach (EvonicSessionMeasure agent in limit)
                total.Add(agent);
            totals.Add(total);
        }
        long widestAgent = agents.Select(m => m.Bytes).DefaultIfEmpty(0).Max();
        long widestTotal = totals.Select(m => m.Bytes).DefaultIfEmpty(0).Max();
        foreach (EvonicSessionMeasure agent in agents)
            agent.Widest = widestAgent;
        foreach (EvonicSessionMeasure total in totals)
            total.Widest = widestTotal;
        return agents.Concat(totals).ToList();
    }
}
