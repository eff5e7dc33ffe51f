using System;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Microsoft.Win32.SafeHandles;

namespace Evonic.Sessions.Storage;

/// <summary>
/// Every file the module creates, truncates, appends to or renames is opened here, because the 04:00 run is often
/// root in folders other users can write: a symbolic link (on Windows, any reparse point) at the file itself is
/// never followed, and no folder between the instance root and the file may lead outside the root (a link that
/// stays inside, such as the release layout's <c>current</c>, is fine). Each refusal is an
/// <see cref="EvonicErrorKind.UnsafePath"/> naming the path, before anything is written.
/// <list type="bullet">
/// <item>New files are created exclusively (<c>O_CREAT|O_EXCL</c>, <c>CREATE_NEW</c>): a link already at the path
/// makes the create fail instead of being followed.</item>
/// <item>Existing files are opened on Unix with <c>O_NOFOLLOW</c>, never truncated on open; on Windows the reparse
/// attribute is checked before the open and again after it, before the first write.</item>
/// <item>On Linux every open is checked afterwards through <c>/proc/self/fd</c>: the file reached must be the file
/// named, so a folder swapped for a link after the checks is caught before the first write.</item>
/// <item>SQLite opens its own files: a writable connection is checked with <see cref="CheckDatabase"/> (SQLite
/// resolves links in the database path, and <c>PRAGMA database_list</c> says where it landed); SQLite itself opens
/// its <c>-wal</c>, <c>-shm</c> and <c>-journal</c> files with <c>O_NOFOLLOW</c>.</item>
/// </list>
/// </summary>
internal static class NoFollowFile
{
    private static readonly bool IsWindows = Path.DirectorySeparatorChar == '\\';

    /// <summary>Creates <paramref name="path"/>, which must not exist (a link there counts as existing).</summary>
    public static FileStream CreateNew(string path, string? root)
    {
        CheckFolders(path, root);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (IsLink(path))
        {
            throw LinkRefused(path, path);
        }
        return Verified(stream, path, root);
    }

    /// <summary>
    /// Writes <paramref name="path"/> whole: <paramref name="write"/> fills a new file beside it, which is then renamed
    /// over it (a reader meanwhile sees the old file or the new one, never half); a link in its place is refused, not
    /// replaced. <paramref name="ownerOnly"/>: readable by its owner only (<see cref="CreateNewPrivate"/>).
    /// </summary>
    public static void WriteWhole(string path, string? root, bool ownerOnly, Action<FileStream> write)
    {
        string temporary = path + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
        try
        {
            using (FileStream stream = ownerOnly ? CreateNewPrivate(temporary, root) : CreateNew(temporary, root))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            CheckFolders(path, root);
            if (File.Exists(path))
                File.Replace(temporary, path, null);
            else
                File.Move(temporary, path);
        }
        catch
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Creates <paramref name="path"/> as <see cref="CreateNew"/> does, readable and writable by its owner
    /// only (0600 on Unix; Windows: the folder's permissions): it holds a person's data.</summary>
    public static FileStream CreateNewPrivate(string path, string? root)
    {
        FileStream stream = CreateNew(path, root);
        if (IsWindows || Unix.OwnerOnly(stream.SafeFileHandle.DangerousGetHandle().ToInt32()) == 0)
            return stream;
        int errno = Marshal.GetLastWin32Error();
        stream.Dispose();
        File.Delete(path);
        throw new IOException($"'{path}' cannot be made readable by its owner only (errno {errno}).", errno);
    }

    /// <summary>
    /// Opens <paramref name="path"/> for writing, creating it when missing; never truncates on open. With
    /// <paramref name="exclusive"/> the file is locked (flock on Unix, a sharing lock on Windows) or
    /// <see cref="FileLockedException"/> is thrown.
    /// </summary>
    public static FileStream OpenOrCreate(string path, string? root, bool append, bool exclusive)
    {
        CheckFolders(path, root);
        for (int attempt = 0; ; attempt++)
        {
            FileStream? existing = OpenExisting(path, append, exclusive);
            if (existing != null)
                return Verified(existing, path, root);
            try
            {
                var created = new FileStream(
                    path,
                    FileMode.CreateNew,
                    FileAccess.ReadWrite,
                    exclusive ? FileShare.None : FileShare.ReadWrite
                );
                return Verified(created, path, root);
            }
            catch (IOException) when (attempt < 3 && (File.Exists(path) || IsLink(path)))
            {
                // Created by someone else in between: open that one (a link is refused there).
            }
        }
    }

    /// <summary>Refuses a writable SQLite connection that reached its file through a link (see the type's
    /// remarks).</summary>
    public static void CheckDatabase(SqliteConnection connection, string path, string? root)
    {
        // Windows' SQLite does not resolve links in the path, so its answer says nothing: the attribute check, again.
        if (IsWindows)
        {
            if (IsLink(path))
                throw LinkRefused(path, path);
            return;
        }
        string? reached;
        using (SqliteCommand command = connection.CreateCommand())
        {
            command.CommandText = "SELECT file FROM pragma_database_list WHERE name = 'main'";
            reached = command.ExecuteScalar() as string;
        }
        if (string.IsNullOrEmpty(reached))
            return;
        string expected = Expected(path);
        if (!string.Equals(reached, expected, SafePath.PathComparison))
            throw LinkRefused(path, IsLink(path) ? path : Path.GetDirectoryName(path)!, reached);
        CheckInsideRoot(path, root, reached!);
    }

    /// <summary>
    /// Refuses the path when it is itself a link, when a database's <c>-wal</c>/<c>-shm</c>/<c>-journal</c> is
    /// (<paramref name="sqliteCompanions"/>), or when a folder between <paramref name="root"/> and it leads outside
    /// the root. Paths outside the root (a <c>-LogPath</c> of the admin's choice) have only the file itself checked.
    /// </summary>
    public static void CheckFolders(string path, string? root, bool sqliteCompanions = false)
    {
        if (IsLink(path))
            throw LinkRefused(path, path);
        if (sqliteCompanions)
            foreach (string suffix in new[] { "-wal", "-shm", "-journal" })
                if (IsLink(path + suffix))
                    throw LinkRefused(path, path + suffix);
        if (root == null || !IsUnder(root, path))
            return;
        string current = root;
        foreach (
            string part in Path.GetDirectoryName(path)!
                .Substring(root.TrimEnd(Path.DirectorySeparatorChar).Length)
                .Split(new[] { Path.DirectorySeparatorChar }, StringSplitOptions.RemoveEmptyEntries)
        )
        {
            current = Path.Combine(current, part);
            if (!IsLink(current))
                continue;
            if (IsWindows)
                throw LinkRefused(path, current);
            string? target = RealPath(current);
            if (target == null || !IsUnder(RealPath(root) ?? root, target))
                throw LinkRefused(path, current, target);
        }
    }

    private static bool IsLink(string path) => SafePath.IsLink(path);

    private static bool IsUnder(string root, string path) => SafePath.IsUnder(root, path);

    private static EvonicException LinkRefused(string path, string link, string? target = null) =>
        new(
            EvonicErrorKind.UnsafePath,
            $"Refusing to open '{path}': '{link}' is a symbolic link{(target != null ? $" (to '{target}')" : "")}, "
                + $"and the module never writes, nor reads its own settings, through a link that could lead outside "
                + "the instance. Remove the link, "
                + $"or point -Path at the real folder.",
            path
        );

    /// <summary>
    /// Opens an existing file for reading only, never through a link (the file itself, or a folder between
    /// <paramref name="root"/> and it that leads outside the root); null when nothing is there. A file the module
    /// only reads still counts: what it reads may end up in a message (a parse error quoting a line).
    /// </summary>
    public static FileStream? OpenRead(string path, string? root)
    {
        CheckFolders(path, root);
        FileStream? stream = OpenExisting(path, append: false, exclusive: false, readOnly: true);
        return stream == null ? null : Verified(stream, path, root);
    }

    /// <summary>Null when nothing is there to open; else the open file (an O_NOFOLLOW open on Unix).</summary>
    private static FileStream? OpenExisting(string path, bool append, bool exclusive, bool readOnly = false)
    {
        if (IsWindows)
        {
            if (!File.Exists(path))
                return null;
            if (IsLink(path))
                throw LinkRefused(path, path);
            try
            {
                return new FileStream(
                    path,
                    append ? FileMode.Append : FileMode.Open,
                    readOnly ? FileAccess.Read
                        : append ? FileAccess.Write
                        : FileAccess.ReadWrite,
                    exclusive ? FileShare.None : FileShare.ReadWrite
                );
            }
            catch (FileNotFoundException)
            {
                return null;
            }
        }
        int fd = Unix.Open(
            path,
            (readOnly ? Unix.ReadOnly : Unix.ReadWrite)
                | Unix.NoFollow
                | Unix.CloseOnExec
                | Unix.NonBlock
                | (append ? Unix.Append : 0)
        );
        if (fd < 0)
        {
            int errno = Marshal.GetLastWin32Error();
            if (IsErrno(errno, Errno.NoEntry))
                return null;
            if (IsErrno(errno, Errno.Loop))
                throw LinkRefused(path, path);
            if (
                IsErrno(errno, Errno.Access)
                || IsErrno(errno, Errno.ReadOnlyFileSystem)
                || IsErrno(errno, Errno.Permission)
            )
                throw new UnauthorizedAccessException($"Access to the path '{path}' is denied (errno {errno}).");
            throw new IOException($"'{path}' cannot be opened (errno {errno}).", errno);
        }
        var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        if (exclusive && Unix.Flock(fd, Unix.LockExclusive | Unix.LockNonBlocking) != 0)
        {
            int errno = Marshal.GetLastWin32Error();
            handle.Dispose();
            if (IsErrno(errno, Errno.WouldBlock))
                throw new FileLockedException(path);
            throw new IOException($"'{path}' cannot be locked (errno {errno}).", errno);
        }
        var stream = new FileStream(handle, readOnly ? FileAccess.Read : FileAccess.ReadWrite, 1);
        if (append)
            stream.Seek(0, SeekOrigin.End);
        return stream;
    }

    /// <summary>The stream, once the file it reached is known to be the one named (else closed and refused).</summary>
    private static FileStream Verified(FileStream stream, string path, string? root)
    {
        try
        {
            if (IsWindows)
            {
                if (IsLink(path))
                    throw LinkRefused(path, path);
                return stream;
            }
            if (!IsLinux)
                return stream;
            string? reached = RealPath("/proc/self/fd/" + stream.SafeFileHandle.DangerousGetHandle().ToInt64());
            if (reached == null)
                return stream;
            if (!string.Equals(reached, Expected(path), StringComparison.Ordinal))
                throw LinkRefused(path, IsLink(path) ? path : Path.GetDirectoryName(path)!, reached);
            CheckInsideRoot(path, root, reached);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static void CheckInsideRoot(string path, string? root, string reached)
    {
        if (root == null || !IsUnder(root, path))
            return;
        string realRoot = IsWindows ? root : RealPath(root) ?? root;
        if (!IsUnder(realRoot, reached))
            throw LinkRefused(path, Path.GetDirectoryName(path)!, reached);
    }

    /// <summary>Where the path's file really is: its folder with every link resolved, and its own name.</summary>
    private static string Expected(string path)
    {
        string folder = Path.GetDirectoryName(path)!;
        return Path.Combine(IsWindows ? folder : RealPath(folder) ?? folder, Path.GetFileName(path));
    }

    /// <summary>The path with every link resolved (Windows: the full path); null when it does not exist.</summary>
    internal static string? RealPathOf(string path) => RealPath(path);

    private static string? RealPath(string path)
    {
        if (IsWindows)
            return Path.GetFullPath(path);
        IntPtr resolved = Unix.RealPath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
            return null;
        try
        {
            return Marshal.PtrToStringAnsi(resolved);
        }
        finally
        {
            Unix.Free(resolved);
        }
    }

    private static readonly bool IsLinux = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

    private enum Errno
    {
        NoEntry,
        Loop,
        Access,
        Permission,
        ReadOnlyFileSystem,
        WouldBlock,
    }

    private static bool IsErrno(int value, Errno which) =>
        which switch
        {
            Errno.NoEntry => value == 2,
            Errno.Permission => value == 1,
            Errno.Access => value == 13,
            Errno.ReadOnlyFileSystem => value == 30,
            Errno.Loop => value == (IsLinux ? 40 : 62),
            Errno.WouldBlock => value == (IsLinux ? 11 : 35),
            _ => false,
        };

    /// <summary>
    /// The few libc calls .NET Standard 2.0 lacks. None is called with a variable argument (no <c>O_CREAT</c> here:
    /// new files are .NET's <c>CreateNew</c>), so the calls are the same on every ABI. Flag values per platform;
    /// on a platform not listed, opening an existing file fails closed.
    /// </summary>
    private static class Unix
    {
        public const int ReadOnly = 0;
        public const int ReadWrite = 2;
        public const int LockExclusive = 2,
            LockNonBlocking = 4;
        private static readonly bool Arm =
            RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64;
        public static readonly int Append = IsLinux ? 0x400 : 0x8;
        public static readonly int NonBlock = IsLinux ? 0x800 : 0x4;
        public static readonly int NoFollow = IsLinux ? (Arm ? 0x8000 : 0x20000) : 0x100;
        public static readonly int CloseOnExec = IsLinux ? 0x80000 : 0x1000000;

        [DllImport(
            "libc",
            EntryPoint = "open",
            SetLastError = true,
            CharSet = CharSet.Ansi,
            BestFitMapping = false,
            ThrowOnUnmappableChar = true
        )]
        public static extern int Open([MarshalAs(UnmanagedType.LPStr)] string path, int flags);

        [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
        public static extern int Flock(int fd, int operation);

        [DllImport("libc", EntryPoint = "fchmod", SetLastError = true)]
        private static extern int FChmod(int fd, uint mode);

        /// <summary>fchmod 0600.</summary>
        public static int OwnerOnly(int fd) => FChmod(fd, 0x180);

        [DllImport(
            "libc",
            EntryPoint = "realpath",
            SetLastError = true,
            CharSet = CharSet.Ansi,
            BestFitMapping = false,
            ThrowOnUnmappableChar = true
        )]
        public static extern IntPtr RealPath([MarshalAs(UnmanagedType.LPStr)] string path, IntPtr resolved);

        [DllImport("libc", EntryPoint = "free")]
        public static extern void Free(IntPtr pointer);
    }
}

/// <summary>Another process holds the exclusive lock of the file.</summary>
internal sealed class FileLockedException : IOException
{
    public FileLockedException(string path)
        : base($"'{path}' is locked by another process.") => Path = path;

    public string Path { get; }
}
