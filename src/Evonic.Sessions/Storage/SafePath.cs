using System;
using System.Collections.Generic;
using System.IO;

namespace Evonic.Sessions.Storage;

/// <summary>
/// Guards every deletion: a path is deleted only when it lies inside the instance root and neither it nor any
/// folder between the root and it is a symbolic link (or junction), so nothing outside the root can be reached.
/// </summary>
internal static class SafePath
{
    internal static readonly StringComparison PathComparison =
        Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Compares paths the way the file system does.</summary>
    public static readonly StringComparer PathComparer =
        Path.DirectorySeparatorChar == '\\' ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>Returns the full path, or throws <see cref="EvonicErrorKind.UnsafePath"/> when it escapes the
    /// root.</summary>
    public static string Resolve(string root, string path) => Resolve(root, path, checkedFolders: null);

    /// <summary>
    /// As <see cref="Resolve(string, string)"/>; folders in <paramref name="checkedFolders"/> were found not to be
    /// links a moment ago and are not looked up again, and each folder checked now is added. The path itself is
    /// always checked.
    /// </summary>
    public static string Resolve(string root, string path, ISet<string>? checkedFolders)
    {
        string full;
        try
        {
            if (path.IndexOf('\0') >= 0)
                throw new ArgumentException("The path contains a NUL character.");
            full = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(root, path));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new EvonicException(
                EvonicErrorKind.UnsafePath,
                $"Refusing the invalid path '{path}': {e.Message}",
                path,
                e
            );
        }

        string rootWithSeparator = WithSeparator(root);
        if (!full.StartsWith(rootWithSeparator, PathComparison))
            throw new EvonicException(
                EvonicErrorKind.UnsafePath,
                $"Refusing '{path}': it resolves to '{full}', outside the instance root '{root}'.",
                path
            );

        // Walk from the root down: a link anywhere on the way could lead outside the root.
        string current = root;
        string[] parts = full.Substring(rootWithSeparator.Length).Split(Path.DirectorySeparatorChar);
        for (int i = 0; i < parts.Length; i++)
        {
            if (parts[i].Length == 0)
                continue;
            current = Path.Combine(current, parts[i]);
            bool folder = i < parts.Length - 1;
            if (folder && checkedFolders != null && checkedFolders.Contains(current))
                continue;
            FileAttributes? attributes = AttributesOf(current);
            if (attributes is { } found && (found & FileAttributes.ReparsePoint) != 0)
                throw new EvonicException(
                    EvonicErrorKind.UnsafePath,
                    $"Refusing '{full}': '{current}' is a symbolic link, and links are never followed for deletion.",
                    full
                );
            // Only a folder that exists is remembered: one missing now could still appear as a link.
            if (folder && attributes != null)
                checkedFolders?.Add(current);
        }
        return full;
    }

    /// <summary>The full path, or null when <paramref name="path"/> is not a valid path at all.</summary>
    public static string? TryGetFullPath(string path)
    {
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="path"/> (a full path) lies below <paramref name="root"/>, compared as the file
    /// system does.</summary>
    public static bool IsUnder(string root, string path) => path.StartsWith(WithSeparator(root), PathComparison);

    private static string WithSeparator(string root) =>
        root.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal)
            ? root
            : root + Path.DirectorySeparatorChar;

    public static bool IsLink(string path) =>
        AttributesOf(path) is { } attributes && (attributes & FileAttributes.ReparsePoint) != 0;

    /// <summary>The entry's own attributes (a link is not followed); null when nothing is there yet, so nothing to
    /// follow.</summary>
    private static FileAttributes? AttributesOf(string path)
    {
        try
        {
            return File.GetAttributes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
