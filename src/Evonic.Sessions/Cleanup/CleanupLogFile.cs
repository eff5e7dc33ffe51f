using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace Evonic.Sessions.Cleanup;

/// <summary>
/// The file a scheduled run appends its <c>[SESSION_CLEANUP]</c> lines to, each prefixed with the UTC time. Each
/// line is appended and flushed on its own, so a run that is killed leaves every line it wrote.
/// </summary>
public sealed class CleanupLogFile
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    public CleanupLogFile(string path) => Path = path;

    public string Path { get; }

    /// <summary>Appends one line; creates the folder and the file when missing. Throws IOException or UnauthorizedAccessException.</summary>
    public void Append(string line, DateTime utcNow)
    {
        string? folder = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        File.AppendAllText(Path, utcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) + " " + line + "\n", Utf8);
    }
}
