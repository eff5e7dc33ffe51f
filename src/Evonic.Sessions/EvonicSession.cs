using System;
using System.Collections.Generic;
using System.Globalization;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions;

/// <summary>One chat session of an Evonic agent (or what is left of one, see <see cref="SessionKind.Orphan"/>), as the
/// cleanup sees it.</summary>
public sealed class EvonicSession
{
    /// <summary>The instance root the session was read from.</summary>
    public string InstanceRoot { get; internal set; } = "";

    /// <summary>The agent whose <c>chat.db</c> and folder hold the session.</summary>
    public string AgentId { get; internal set; } = "";

    /// <summary>The <c>agent_id</c> column of the session row: differs from <see cref="AgentId"/> for
    /// sub-agents.</summary>
    public string SessionAgentId { get; internal set; } = "";

    public string SessionId { get; internal set; } = "";

    public SessionKind Kind { get; internal set; }

    public string? ExternalUserId { get; internal set; }

    public string? ChannelId { get; internal set; }

    /// <summary>The latest of <c>updated_at</c>, the newest message, the last JSONL <c>ts</c> and the log's
    /// modification time (UTC); null when nothing can be dated.</summary>
    public DateTime? LastActivity { get; internal set; }

    /// <summary>Whole days between <see cref="LastActivity"/> and the time the session was read.</summary>
    public int? AgeDays { get; internal set; }

    public long MessageCount { get; internal set; }

    /// <summary>Evonic's soft delete (<c>archived = 1</c>).</summary>
    public bool Archived { get; internal set; }

    public bool BotEnabled { get; internal set; } = true;

    /// <summary>Full path of the JSONL chat log, when one exists.</summary>
    public string? JsonlPath { get; internal set; }

    public long JsonlSize { get; internal set; }

    /// <summary>The log's modification time when listed: unchanged (with its size), it need not be read again before
    /// deletion.</summary>
    internal DateTime? JsonlLastWriteUtc { get; set; }

    /// <summary>The bytes of the messages' text; read only by a measure (<see cref="SessionStore.Measure"/>).</summary>
    internal long MessageBytes { get; set; }

    /// <summary>Nothing but empty folders is left of it (a cleanup stopped while deleting files): old at any age,
    /// since nothing in them can be lost.</summary>
    internal bool OldAtAnyAge { get; set; }

    public int AttachmentCount => AttachmentRows.Count;

    /// <summary>The session's rows of the main database's <c>attachments</c> table, as listed.</summary>
    internal IReadOnlyList<AttachmentRow> AttachmentRows { get; set; } = Array.Empty<AttachmentRow>();

    /// <summary>
    /// How many copies of the session Evonic's archive (<c>shared/db/session_archive.db</c>) already holds, from
    /// <c>/clear</c> or earlier cleanups: removing the session does not remove them (Remove-EvonicSessionArchive does).
    /// </summary>
    public int ArchivedCopies { get; internal set; }

    /// <summary>The age limit the session was listed with (0: never removed); a removal of piped sessions uses the
    /// same one.</summary>
    public int MaxAgeDays { get; internal set; }

    /// <summary>Where <see cref="MaxAgeDays"/> came from: a rule of the instance's retention policy, its default,
    /// <c>EVONIC_SESSION_MAX_AGE_DAYS</c>, the <c>-MaxAgeDays</c> parameter, or the default of 90.</summary>
    public string PolicySource { get; internal set; } = "";

    /// <summary>Older than the cutoff the session was listed with.</summary>
    public bool IsOld { get; internal set; }

    /// <summary>Why the session is kept although old; <see cref="SessionProtection.None"/> when it may be
    /// removed.</summary>
    public SessionProtection Protection { get; internal set; }

    public bool IsRemovable => IsOld && Protection == SessionProtection.None;

    /// <summary>An orphan JSONL log that names no orphan session id of its own: removing it deletes that file
    /// only.</summary>
    internal bool OrphanChatLogOnly { get; set; }

    /// <summary>
    /// A session named by its instance, agent and id only (a row of a saved listing, a session that went through
    /// serialization): a removal reads it again and judges it as it is then, as it does a listed session.
    /// </summary>
    public static EvonicSession Named(string instanceRoot, string agentId, string sessionId, SessionKind kind) =>
        new()
        {
            InstanceRoot = instanceRoot,
            AgentId = agentId,
            SessionAgentId = agentId,
            SessionId = sessionId,
            Kind = kind,
        };

    /// <summary>The text PowerShell's ShouldProcess shows: agent, session, last activity and message count.</summary>
    public string Describe()
    {
        string activity = LastActivity is { } at
            ? at.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z"
            : "unknown";
        return $"agent '{AgentId}', session '{SessionId}' ({Kind}, last activity {activity}, {MessageCount} messages)";
    }

    public override string ToString() => $"{AgentId}/{SessionId}";
}
