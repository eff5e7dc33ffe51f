namespace Evonic.Sessions;

/// <summary>Who a session talks to, as far as Evonic's data tells.</summary>
public enum SessionKind
{
    /// <summary>A person on a channel (Telegram, WhatsApp, ...).</summary>
    Human,

    /// <summary>A person in Evonic's web UI (no channel).</summary>
    Web,

    /// <summary>Another agent (<c>__agent__</c> external user).</summary>
    Agent,

    /// <summary>The scheduler (<c>__scheduler__</c> external user).</summary>
    Scheduler,

    /// <summary>Evonic itself (<c>__system__</c> external user).</summary>
    System,

    /// <summary>A sub-agent session (<c>&lt;parent&gt;_sub_&lt;n&gt;</c>) stored in its parent's chat.db.</summary>
    SubAgent,

    /// <summary>
    /// What is left of a session whose chat.db rows are gone: a JSONL log (Evonic's "clear all" leaves these),
    /// attachment rows and files, or a <c>session_index</c> row (a cleanup stopped between its commits).
    /// </summary>
    Orphan,
}
