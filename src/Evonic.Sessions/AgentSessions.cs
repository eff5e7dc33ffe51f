using System.Collections.Generic;

namespace Evonic.Sessions;

/// <summary>One agent's sessions, or why they could not be read.</summary>
public sealed class AgentSessions
{
    public AgentSessions(AgentInfo agent, IReadOnlyList<EvonicSession>? sessions, EvonicException? error)
    {
        Agent = agent;
        Sessions = sessions;
        Error = error;
    }

    public AgentInfo Agent { get; }

    /// <summary>Null when <see cref="Error"/> says why the agent could not be read.</summary>
    public IReadOnlyList<EvonicSession>? Sessions { get; }

    public EvonicException? Error { get; }
}
