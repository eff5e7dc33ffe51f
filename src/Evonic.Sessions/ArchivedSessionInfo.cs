using System;

namespace Evonic.Sessions;

/// <summary>
/// One session in Evonic's archive (<c>shared/db/session_archive.db</c>), archived by Evonic's <c>/clear</c> or by
/// this module's cleanup: what Get-EvonicSessionArchive emits.
/// </summary>
public sealed class ArchivedSessionInfo
{
    public string InstanceRoot { get; internal set; } = "";

    /// <summary><c>archive_sessions.id</c>.</summary>
    public long ArchiveId { get; internal set; }

    public string AgentId { get; internal set; } = "";
    public string SessionId { get; internal set; } = "";
    public string? ChannelId { get; internal set; }
    public string? ExternalUserId { get; internal set; }

    /// <summary>When it was archived (UTC); null when the archive's time cannot be read.</summary>
    public DateTime? ArchivedAt { get; internal set; }

    public long MessageCount { get; internal set; }

    /// <summary>How many lines of its JSONL log the archive holds.</summary>
    public long JsonlLineCount { get; internal set; }

    public bool HasSummary { get; internal set; }
    public bool HasState { get; internal set; }

    /// <summary>"Evonic.Sessions" for the cleanup's copies; null for Evonic's own (<c>/clear</c>), which does not
    /// say.</summary>
    public string? ArchivedBy { get; internal set; }

    public override string ToString() => $"{AgentId}/{SessionId}@{ArchiveId}";
}
