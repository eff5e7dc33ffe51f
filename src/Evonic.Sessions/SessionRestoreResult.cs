using System;

namespace Evonic.Sessions;

/// <summary>A session put back from Evonic's archive: what Restore-EvonicSession -PassThru emits.</summary>
public sealed class SessionRestoreResult
{
    public string InstanceRoot { get; internal set; } = "";

    /// <summary>The agent whose <c>chat.db</c> now holds the session.</summary>
    public string AgentId { get; internal set; } = "";

    public string SessionId { get; internal set; } = "";

    /// <summary>The archive entry it was restored from (the entry stays in the archive).</summary>
    public long ArchiveId { get; internal set; }

    public int MessageCount { get; internal set; }

    public bool SummaryRestored { get; internal set; }

    public bool StateRestored { get; internal set; }

    /// <summary>The JSONL log written back, byte for byte as archived; null when the archive held no lines.</summary>
    public string? ChatLogPath { get; internal set; }

    public int JsonlLineCount { get; internal set; }

    /// <summary>The session's new <c>updated_at</c> (UTC): the time of the restore, so the next cleanup does not take it again.</summary>
    public DateTime RestoredAt { get; internal set; }

    public override string ToString() => $"{AgentId}/{SessionId}";
}
