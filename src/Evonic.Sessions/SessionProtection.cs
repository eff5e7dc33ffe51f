using System;

namespace Evonic.Sessions;

/// <summary>
/// Why an old session is kept anyway. A session can have several reasons at once. The first three are the
/// sessions Evonic's own lookups return (see <see cref="Storage.EvonicLookups"/>): removing one would send reminders,
/// escalations or channel notifications nowhere, or to the wrong person.
/// </summary>
[Flags]
public enum SessionProtection
{
    None = 0,

    /// <summary>What <c>get_latest_human_session</c> returns (its channel query, else its fallback): reminders and
    /// reports go there.</summary>
    LatestHumanSession = 1,

    /// <summary>The newest session of its channel, archived or not: Evonic's notifier sends to its
    /// <c>external_user_id</c>.</summary>
    ChannelRecipient = 2,

    /// <summary>A human took the conversation over (<c>bot_enabled = 0</c>).</summary>
    HumanTakeover = 4,

    /// <summary>Its <c>session_state</c> has a pending or in-progress task (or cannot be read).</summary>
    OpenTasks = 8,

    /// <summary>Its JSONL log has a <c>turn_begin</c> with no later <c>turn_end</c>.</summary>
    TurnInProgress = 16,

    /// <summary>The agent's state (its <c>'__agent__'</c> row, else the newest per-session row Evonic promotes) says
    /// <c>focus: true</c> (or cannot be read).</summary>
    AgentInFocus = 32,

    /// <summary>A timestamp of the session cannot be parsed: never delete what cannot be dated.</summary>
    UnreadableTimestamp = 64,

    /// <summary>What <c>get_web_fallback_session</c> returns when <c>escalate_to_user</c> asks it: escalations are
    /// copied there.</summary>
    WebFallbackSession = 128,

    /// <summary>Its <c>session_state</c> names a <c>plan_file</c>: a plan is being worked on.</summary>
    PlanFile = 256,

    /// <summary>An enabled row of the main database's <c>schedules</c> names it (e.g. a background job's
    /// poller).</summary>
    ScheduledWork = 512,

    /// <summary>A <c>transfer_jobs</c> row that is pending or running names it.</summary>
    TransferInProgress = 1024,

    /// <summary>A live <c>user_escalations</c> row (<c>delivering</c> or <c>pending</c>, not expired) names it: a
    /// person's reply is routed back to it.</summary>
    PendingEscalation = 2048,

    /// <summary>A table the module does not know (a plugin's, a newer Evonic's) has a row naming it: that row's data
    /// would outlive the session unseen.</summary>
    UnknownTable = 4096,

    /// <summary>Restored from the archive not long ago (Restore-EvonicSession -HoldDays, 30 by default): the module's
    /// own record keeps it until the hold ends.</summary>
    RestoredHold = 8192,
}
