namespace Evonic.Sessions;

/// <summary>One row of the main database's <c>attachments</c> table: its id (deletes go by it) and its file.</summary>
internal readonly struct AttachmentRow
{
    public AttachmentRow(long id, string? filePath)
    {
        Id = id;
        FilePath = filePath;
    }

    public long Id { get; }
    public string? FilePath { get; }
}
