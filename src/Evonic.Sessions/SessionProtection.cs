using System;
using Evonic.Sessions.Rules;

namespace Evonic.Sessions;

/// <summary>
/// Why an old session is kept anyway. A session can have several reasons at once. The first three are the
/// sessions Evonic's own lookups return (see <see cref="EvonicLookups"/>): removing one would send reminders,
/// escalations or channel notifications nowhere, or to the wrong person.
/// </summary>
[Flags]
public enum SessionProtection
{
    None = 0,
    /// <summary>What <c>get_latest_human_session</c> returns (its channel query, or either version of its fallback): reminders and reports go there.</summary>
    LatestHumanSession = 1,
    /// <summary>The newest session of its channel, archived or not: Evonic's notifier sends to its <c>external_user_id</c>.</summary>
    ChannelRecipient = 2,
    /// <summary>A human took the conversation over (<c>bot_enabled = 0</c>).</summary>
    HumanTakeover = 4,
    /// <summary>Its <c>session_state</c> has a pending or in-progress task (or cannot be read).</summary>
    OpenTasks = 8,
    /// <summary>Its JSONL log has a <c>turn_begin</c> with no later <c>turn_end</c>.</summary>
    TurnInProgress = 16,
    /// <summary>The agent's state (its <c>'__agent__'</c> row, else the newest per-session row Evonic promotes) says <c>focus: true</c> (or cannot be read).</summary>
    AgentInFocus = 32,
    /// <summary>A timestamp of the session cannot be parsed: never delete what cannot be dated.</summary>
    UnreadableTimestamp = 64,
    /// <summary>One of the two newest web sessions <c>get_web_fallback_session</c> can return: escalations are copied there.</summary>
    WebFallbackSession = 128,
    /// <summary>Its <c>session_state</c> names a <c>plan_file</c>: a plan is being worked on.</summary>
    PlanFile = 256,
    /// <summary>An enabled row of the main database's <c>schedules</c> names it (e.g. a background job's poller).</summary>
    ScheduledWork = 512,
    /// <summary>A <c>transfer_jobs</c> row that is pending or running names it.</summary>
    TransferInProgress = 1024,
}
