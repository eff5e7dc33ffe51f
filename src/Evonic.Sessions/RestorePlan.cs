using System;
using System.Globalization;

namespace Evonic.Sessions;

/// <summary>
/// One archived session, checked and ready to restore: which copy, into which agent's <c>chat.db</c>, and where its
/// log goes. What Restore-EvonicSession shows before asking (ShouldProcess) and then restores.
/// </summary>
public sealed class RestorePlan
{
    internal RestorePlan(
        long archiveId,
        string sessionId,
        string chatAgentId,
        string sessionAgentId,
        DateTime? archivedAt,
        int messageCount,
        int jsonlLineCount,
        string? chatLogPath,
        bool resumes
    )
    {
        ArchiveId = archiveId;
        SessionId = sessionId;
        AgentId = chatAgentId;
        SessionAgentId = sessionAgentId;
        ArchivedAt = archivedAt;
        MessageCount = messageCount;
        JsonlLineCount = jsonlLineCount;
        ChatLogPath = chatLogPath;
        Resumes = resumes;
    }

    public bool Resumes { get; }

    public long ArchiveId { get; }
    public string SessionId { get; }

    /// <summary>The agent whose <c>chat.db</c> receives the session.</summary>
    public string AgentId { get; }

    /// <summary>The <c>agent_id</c> column of the session row (a sub-agent's id for a sub-agent's session).</summary>
    public string SessionAgentId { get; }

    public DateTime? ArchivedAt { get; }
    public int MessageCount { get; }
    public int JsonlLineCount { get; }

    /// <summary>Where the JSONL log is written back; null when the archive holds no log lines.</summary>
    public string? ChatLogPath { get; }

    /// <summary>The text PowerShell's ShouldProcess shows.</summary>
    public string Describe()
    {
        string archived = ArchivedAt is { } at
            ? at.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z"
            : "at an unknown time";
        return $"{(Resumes ? "finish restoring " : "")}agent '{AgentId}', session '{SessionId}' from archive entry "
            + $"{ArchiveId} (archived {archived}, {MessageCount} messages, {JsonlLineCount} log lines)";
    }

    public override string ToString() => $"{AgentId}/{SessionId}@{ArchiveId}";
}
