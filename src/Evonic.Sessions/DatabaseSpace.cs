namespace Evonic.Sessions;

/// <summary>
/// How much disk one of an instance's databases takes and how much of it is free, as Get-EvonicSessionStore emits
/// it: before and after a cleanup, this is what an admin compares. For an agent's <c>chat.db</c>, also the bytes of
/// the agent's JSONL logs and attachment files.
/// </summary>
public sealed class DatabaseSpace
{
    public string InstanceRoot { get; internal set; } = "";

    /// <summary>Which database: an agent's <c>chat.db</c>, the main database or the archive.</summary>
    public DatabaseKind Database { get; internal set; }

    /// <summary>The agent of a <c>chat.db</c>; null for the main database and the archive.</summary>
    public string? AgentId { get; internal set; }

    public string Path { get; internal set; } = "";

    /// <summary>The database file's size.</summary>
    public long FileBytes { get; internal set; }

    /// <summary>The size of its <c>-wal</c> file (0 when there is none).</summary>
    public long WalBytes { get; internal set; }

    /// <summary>Free pages (<c>PRAGMA freelist_count</c>) times the page size: what a vacuum could give back.</summary>
    public long FreeBytes { get; internal set; }

    public long PageSize { get; internal set; }

    /// <summary>Its <c>PRAGMA auto_vacuum</c>.</summary>
    public AutoVacuumMode AutoVacuum { get; internal set; }

    /// <summary>For a <c>chat.db</c>: the agent's JSONL chat logs (<c>sessions/*.jsonl</c>).</summary>
    public long LogBytes { get; internal set; }
    public int LogCount { get; internal set; }

    /// <summary>For a <c>chat.db</c>: the files under <c>data/attachments/&lt;agent&gt;/</c>.</summary>
    public long AttachmentBytes { get; internal set; }
    public int AttachmentCount { get; internal set; }

    public override string ToString() => Path;
}
