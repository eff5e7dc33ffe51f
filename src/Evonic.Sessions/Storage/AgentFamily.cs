using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace Evonic.Sessions.Storage;

/// <summary>
/// An agent and the sub-agents whose sessions, attachments and index rows it holds. Evonic names sub-agents
/// <c>&lt;parent&gt;_sub_&lt;n&gt;</c> (<c>backend/subagent_manager.py</c>) and, in newer releases, explorers
/// <c>&lt;parent&gt;_explorer_&lt;n&gt;</c>. An id of that shape that is itself an agent of the main database is that
/// agent's own, never its namesake parent's: a real agent <c>siwa_sub_team</c> or <c>siwa_sub_2</c> is not siwa's.
/// </summary>
internal sealed class AgentFamily
{
    private static readonly Regex SubAgentSuffix = new("^_(sub|explorer)_[0-9]+$", RegexOptions.CultureInvariant);

    private readonly ISet<string> _agents;

    public AgentFamily(string parentId, ISet<string> agentsOfInstance)
    {
        ParentId = parentId;
        _agents = agentsOfInstance;
    }

    public string ParentId { get; }

    /// <summary>The parent itself, or one of its sub-agents.</summary>
    public bool Owns(string? agentId) => agentId == ParentId || IsSubAgent(agentId);

    public bool IsSubAgent(string? agentId) =>
        agentId != null
        && agentId.Length > ParentId.Length
        && agentId.StartsWith(ParentId, StringComparison.Ordinal)
        && SubAgentSuffix.IsMatch(agentId.Substring(ParentId.Length))
        && !_agents.Contains(agentId);
}
