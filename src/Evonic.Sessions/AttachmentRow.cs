namespace Evonic.Sessions;

/// <summary>One row of the main database's <c>attachments</c> table: its id (deletes go by it), its file and the file's
/// recorded size.</summary>
internal readonly struct AttachmentRow
{
    public AttachmentRow(long id, string? filePath, long size = 0)
    {
        Id = id;
        FilePath = filePath;
        Size = size;
    }

    public long Id { get; }
    public string? FilePath { get; }

    /// <summary>The file's size as Evonic recorded it (<c>size_bytes</c>); 0 when it did not.</summary>
    public long Size { get; }
}
