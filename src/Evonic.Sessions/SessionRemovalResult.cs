using System.Collections.Generic;

namespace Evonic.Sessions;

/// <summary>The outcome of removing one session (what <c>-PassThru</c> emits).</summary>
public sealed class SessionRemovalResult
{
    public SessionRemovalResult(EvonicSession session) => Session = session;

    public EvonicSession Session { get; }
    public string AgentId => Session.AgentId;
    public string SessionId => Session.SessionId;
    public RemovalStatus Status { get; internal set; }

    /// <summary>
    /// Why the session was kept, when <see cref="Status"/> is <see cref="RemovalStatus.KeptProtected"/>: the
    /// protections it was listed with, or those its removal's write transaction found. The listed session itself is not
    /// changed.
    /// </summary>
    public SessionProtection Protection { get; internal set; }
    public long MessagesRemoved { get; internal set; }
    public int FilesRemoved { get; internal set; }
    public long BytesFreed { get; internal set; }

    /// <summary>True when the chat log was appended to after listing, so it was kept although the rows went.</summary>
    public bool ChatLogKept { get; internal set; }

    /// <summary>
    /// Attachment files whose rows went with the session but which stay on disk: another attachment row still points
    /// at them, or they lie outside the session's own folder (<c>data/attachments/&lt;agent&gt;/&lt;session
    /// id&gt;/</c>).
    /// </summary>
    public IReadOnlyList<string> KeptFiles => _keptFiles;

    private readonly List<string> _keptFiles = new();

    internal void Keep(string file)
    {
        if (!_keptFiles.Contains(file))
            _keptFiles.Add(file);
    }

    /// <summary>The id of the session's entry in Evonic's archive (<c>archive_sessions.id</c>), when it was archived
    /// before removal.</summary>
    public long? ArchiveId { get; internal set; }

    /// <summary>
    /// The session's attachment files with their sizes in bytes, when it was archived: Evonic's archive format has
    /// no place for attachments, so their bytes are not in the archive.
    /// </summary>
    public IReadOnlyDictionary<string, long> AttachmentsNotArchived => _attachmentsNotArchived;

    private readonly Dictionary<string, long> _attachmentsNotArchived = new(System.StringComparer.Ordinal);

    internal void AddAttachmentNotArchived(string path, long size) => _attachmentsNotArchived[path] = size;

    /// <summary>The failure, when <see cref="Status"/> is <see cref="RemovalStatus.Failed"/> or a file could not be
    /// removed.</summary>
    public EvonicException? Error { get; internal set; }
}
