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

    /// <summary>When the restore ran (UTC). The session's own times are put back as they were.</summary>
    public DateTime RestoredAt { get; internal set; }

    /// <summary>Until when the cleanup keeps the session (<c>RestoredHold</c>); null without a hold (-HoldDays
    /// 0).</summary>
    public DateTime? HeldUntil { get; internal set; }

    public override string ToString() => $"{AgentId}/{SessionId}";
}
