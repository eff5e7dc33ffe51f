using System;
using System.Globalization;
using System.IO;
using System.Text;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Cleanup;

/// <summary>
/// The file a scheduled run appends its <c>[SESSION_CLEANUP]</c> lines to, each prefixed with the UTC time. Each
/// line is appended and flushed on its own, so a run that is killed leaves every line it wrote. A link at the file,
/// or a folder below the instance root that leads outside it, is refused (<see cref="NoFollowFile"/>).
/// </summary>
public sealed class CleanupLogFile
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    public CleanupLogFile(string path) => Path = path;

    public string Path { get; }

    /// <summary>
    /// Appends one line; creates the folder and the file when missing. Throws IOException or
    /// UnauthorizedAccessException, or <see cref="EvonicErrorKind.UnsafePath"/> for a link.
    /// </summary>
    /// <param name="line">The line, without its time.</param>
    /// <param name="utcNow">The time the line starts with.</param>
    /// <param name="instanceRoot">The instance the run cleans: folders between it and the file are checked.</param>
    public void Append(string line, DateTime utcNow, string? instanceRoot)
    {
        string? folder = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(folder))
            Directory.CreateDirectory(folder);
        byte[] bytes = Utf8.GetBytes(
            utcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) + " " + line + "\n"
        );
        using FileStream stream = NoFollowFile.OpenOrCreate(Path, instanceRoot, append: true, exclusive: false);
        stream.Write(bytes, 0, bytes.Length);
        stream.Flush();
    }
}
