namespace Evonic.Sessions;

/// <summary>What <c>Export-EvonicUserData</c> wrote: a person's copy of their data (format:
/// about_EvonicUserData).</summary>
public sealed class UserDataExportResult
{
    internal UserDataExportResult(string path, string externalUserId)
    {
        Path = path;
        ExternalUserId = externalUserId;
    }

    /// <summary>The file written.</summary>
    public string Path { get; }

    public string ExternalUserId { get; }

    /// <summary>Sessions of the person, over every agent.</summary>
    public int Sessions { get; internal set; }

    public long Messages { get; internal set; }

    /// <summary>Lines of their JSONL chat logs.</summary>
    public long LogLines { get; internal set; }

    /// <summary>Attachment rows (names, types and sizes; not the files).</summary>
    public int Attachments { get; internal set; }

    /// <summary>Memories Evonic drew from their sessions.</summary>
    public int Memories { get; internal set; }

    /// <summary>The file's size.</summary>
    public long Bytes { get; internal set; }
}
