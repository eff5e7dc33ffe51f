using System;
using System.IO;

namespace Evonic.Sessions;

/// <summary>
/// Guards every deletion: a path is deleted only when it lies inside the instance root and neither it nor any
/// folder between the root and it is a symbolic link (or junction), so nothing outside the root can be reached.
/// </summary>
internal static class SafePath
{
    private static readonly StringComparison PathComparison =
        Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Returns the full path, or throws <see cref="EvonicErrorKind.UnsafePath"/> when it escapes the root.</summary>
    public static string Resolve(string root, string path)
    {
        string full;
        try
        {
            if (path.IndexOf('\0') >= 0) throw new ArgumentException("The path contains a NUL character.");
            full = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(root, path));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new EvonicException(EvonicErrorKind.UnsafePath, $"Refusing the invalid path '{path}': {e.Message}", path, e);
        }

        string rootWithSeparator = root.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal)
            ? root : root + Path.DirectorySeparatorChar;
        if (!full.StartsWith(rootWithSeparator, PathComparison))
            throw new EvonicException(EvonicErrorKind.UnsafePath,
                $"Refusing '{path}': it resolves to '{full}', outside the instance root '{root}'.", path);

        // Walk from the root down: a link anywhere on the way could lead outside the root.
        string current = root;
        foreach (string part in full.Substring(rootWithSeparator.Length).Split(Path.DirectorySeparatorChar))
        {
            if (part.Length == 0) continue;
            current = Path.Combine(current, part);
            if (IsLink(current))
                throw new EvonicException(EvonicErrorKind.UnsafePath,
                    $"Refusing '{full}': '{current}' is a symbolic link, and links are never followed for deletion.", full);
        }
        return full;
    }

    public static bool IsLink(string path)
    {
        try
        {
            return (File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false; // nothing there yet, so nothing to follow
        }
    }
}
