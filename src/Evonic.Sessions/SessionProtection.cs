using System;

namespace Evonic.Sessions;

/// <summary>Why an old session is kept anyway. A session can have several reasons at once.</summary>
[Flags]
public enum SessionProtection
{
    None = 0,
    /// <summary>The most recently active human-facing session of its agent: Evonic routes reminders there.</summary>
    NewestHumanSession = 1,
    /// <summary>The most recently active session of its (agent, channel) pair: Evonic's notifier looks it up.</summary>
    NewestChannelSession = 2,
    /// <summary>A human took the conversation over (<c>bot_enabled = 0</c>).</summary>
    HumanTakeover = 4,
    /// <summary>Its <c>session_state</c> has a pending or in-progress task (or cannot be read).</summary>
    OpenTasks = 8,
    /// <summary>Its JSONL log has a <c>turn_begin</c> with no later <c>turn_end</c>.</summary>
    TurnInProgress = 16,
    /// <summary>The agent's <c>'__agent__'</c> state has <c>focus: true</c> (or cannot be read).</summary>
    AgentInFocus = 32,
    /// <summary>A timestamp of the session cannot be parsed: never delete what cannot be dated.</summary>
    UnreadableTimestamp = 64,
}
