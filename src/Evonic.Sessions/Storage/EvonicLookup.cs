using System;

namespace Evonic.Sessions.Storage;

/// <summary>Which of Evonic's own lookups (<see cref="EvonicLookups"/>) return a session: a fact; the rules decide what
/// it means.</summary>
[Flags]
internal enum EvonicLookup
{
    None = 0,

    /// <summary><c>get_latest_human_session</c>.</summary>
    LatestHumanSession = 1,

    /// <summary><c>get_web_fallback_session</c>, as <c>escalate_to_user</c> calls it.</summary>
    WebFallbackSession = 2,

    /// <summary>The notifier's <c>_resolve_agent_target</c>: the newest session of its channel.</summary>
    ChannelRecipient = 4,
}
