using System;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions;

/// <summary>
/// One archived session, checked and ready to restore: which copy, into which agent's <c>chat.db</c>, and where its
/// log goes. What Restore-EvonicSession shows before asking (ShouldProcess) and then restores.
/// </summary>
public sealed class RestorePlan
{
    internal RestorePlan(ArchivedSession entry, string chatAgentId, string? chatLogPath, bool resumes = false)
    {
        Entry = entry;
        AgentId = chatAgentId;
        ChatLogPath = chatLogPath;
        Resumes = resumes;
    }

    /// <summary>A restore of this copy began and was stopped halfway (a crash, a full disk): this one finishes it.</summary>
    public bool Resumes { get; }

    internal ArchivedSession Entry { get; }

    public long ArchiveId => Entry.ArchiveId;
    public string SessionId => Entry.SessionId;

    /// <summary>The agent whose <c>chat.db</c> receives the session.</summary>
    public string AgentId { get; }

    /// <summary>The <c>agent_id</c> column of the session row (a sub-agent's id for a sub-agent's session).</summary>
    public string SessionAgentId => Entry.AgentId;

    public DateTime? ArchivedAt => Entry.ArchivedAtUtc;
    public int MessageCount => Entry.Messages.Count;
    public int JsonlLineCount => Entry.JsonlLines.Count;

    /// <summary>Where the JSONL log is written back; null when the archive holds no log lines.</summary>
    public string? ChatLogPath { get; }

    /// <summary>The text PowerShell's ShouldProcess shows.</summary>
    public string Describe()
        => $"{(Resumes ? "finish restoring " : "")}agent '{AgentId}', session '{SessionId}' from archive entry {ArchiveId}" +
           $" (archived {(ArchivedAt is { } at ? at.ToString("yyyy-MM-dd HH:mm:ss") + "Z" : "at an unknown time")}, {MessageCount} messages, {JsonlLineCount} log lines)";

    public override string ToString() => $"{AgentId}/{SessionId}@{ArchiveId}";
}
