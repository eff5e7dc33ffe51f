using System.Diagnostics;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>
/// Makes files and folders unwritable and undeletable, and undoes it on dispose. Mode bits do not stop root, so as
/// root the immutable attribute (<c>chattr +i</c>) is used: the same "Operation not permitted" an admin meets on a
/// read-only mount. Other users get mode bits (a file cannot be deleted from a read-only folder).
/// </summary>
public sealed class WriteProtection : IDisposable
{
    private readonly List<(string Path, UnixFileMode Mode)> _modes = new();
    private readonly List<string> _immutable = new();

    private static bool IsRoot => !OperatingSystem.IsWindows() && Environment.UserName == "root";

    /// <summary>Protects <paramref name="path"/>; for a file without root, its folder (the only way to stop a
    /// delete).</summary>
    public void Protect(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(path, File.GetAttributes(path) | FileAttributes.ReadOnly);
            _modes.Add((path, 0));
            return;
        }
        if (IsRoot)
        {
            Chattr("+i", path);
            _immutable.Add(path);
            return;
        }
        string target = File.Exists(path) ? Path.GetDirectoryName(path)! : path;
        UnixFileMode mode = File.GetUnixFileMode(target);
        _modes.Add((target, mode));
        File.SetUnixFileMode(
            target,
            mode & ~(UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)
        );
    }

    /// <summary>Protects a whole tree: every folder and every file in it.</summary>
    public void ProtectTree(string root)
    {
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            if (!IsLink(file))
                Protect(file);
        foreach (string folder in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).Reverse())
            if (!IsLink(folder))
                Protect(folder);
        Protect(root);
    }

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget != null;

    private static void Chattr(string flag, string path)
    {
        var start = new ProcessStartInfo("chattr") { RedirectStandardError = true };
        start.ArgumentList.Add(flag);
        start.ArgumentList.Add(path);
        using Process process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"chattr {flag} '{path}' failed: {error}");
    }

    public void Dispose()
    {
        foreach (string path in Enumerable.Reverse(_immutable))
            Chattr("-i", path);
        foreach (var (path, mode) in Enumerable.Reverse(_modes))
        {
            if (OperatingSystem.IsWindows())
                File.SetAttributes(path, File.GetAttributes(path) & ~FileAttributes.ReadOnly);
            else
                File.SetUnixFileMode(path, mode);
        }
        _immutable.Clear();
        _modes.Clear();
    }
}
