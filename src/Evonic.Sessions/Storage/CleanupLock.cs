using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;

namespace Evonic.Sessions.Storage;

/// <summary>
/// Keeps two cleanups (or a cleanup and a restore) of one instance from writing at the same time (a slow run still
/// going at the next 04:00 trigger). The lock is the file <see cref="FileName"/> in the instance root, held open for
/// exclusive use: the operating system releases it when the process ends, however it ends, so a crash never leaves it
/// stuck. The file itself stays: deleting it on release would let a waiting run lock a file a newer run no longer
/// sees. No lock, no run: a lock that cannot be taken (a link at its path, no rights, a read-only instance) is an
/// error, never a reason to go on unlocked.
/// </summary>
public sealed class CleanupLock : IDisposable
{
    public const string FileName = ".evonic-session-cleanup.lock";

    private readonly FileStream _stream;

    private CleanupLock(FileStream stream) => _stream = stream;

    public static string PathFor(EvonicInstance instance) => Path.Combine(instance.Root, FileName);

    /// <summary>
    /// Takes the lock, or throws: <see cref="EvonicErrorKind.CleanupAlreadyRunning"/> when another run holds it,
    /// <see cref="EvonicErrorKind.UnsafePath"/> when its path is a link, <see
    /// cref="EvonicErrorKind.CleanupLockFailed"/> when it cannot be opened at all.
    /// </summary>
    public static CleanupLock Acquire(EvonicInstance instance)
    {
        string path = PathFor(instance);
        FileStream stream;
        try
        {
            stream = NoFollowFile.OpenOrCreate(path, instance.Root, append: false, exclusive: true);
        }
        catch (FileLockedException e)
        {
            throw new EvonicException(
                EvonicErrorKind.CleanupAlreadyRunning,
                $"Another session cleanup or restore of '{instance.Root}' is running (it holds '{path}'). This run "
                    + $"changes nothing; the next one will.",
                path,
                e
            );
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EvonicException(
                EvonicErrorKind.CleanupLockFailed,
                $"The cleanup lock '{path}' cannot be taken ({e.Message}), so nothing is changed: a run never writes "
                    + $"without it. Run as a user who can write the instance root.",
                path,
                e
            );
        }
        try
        {
            // Who holds the lock, for admins. The open above never follows a link, so this writes only the lock file.
            byte[] owner = Encoding.UTF8.GetBytes(
                string.Format(
                    CultureInfo.InvariantCulture,
                    "pid {0} on {1} since {2:yyyy-MM-ddTHH:mm:ssZ}\n",
                    CurrentProcessId(),
                    Environment.MachineName,
                    DateTime.UtcNow
                )
            );
            stream.SetLength(0);
            stream.Write(owner, 0, owner.Length);
            stream.Flush();
        }
        catch (IOException)
        {
            // A courtesy only (a full disk): the lock itself is what counts.
        }
        return new CleanupLock(stream);
    }

    private static int CurrentProcessId()
    {
        using Process process = Process.GetCurrentProcess();
        return process.Id;
    }

    public void Dispose() => _stream.Dispose();
}
