using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Cleanup;

/// <summary>
/// Keeps two cleanups of one instance from deleting at the same time (a slow run still going at the next 04:00
/// trigger). The lock is the file <see cref="FileName"/> in the instance root, held open for exclusive use: the
/// operating system releases it when the process ends, however it ends, so a crash never leaves it stuck. The file
/// itself stays: deleting it on release would let a waiting run lock a file a newer run no longer sees.
/// </summary>
public sealed class CleanupLock : IDisposable
{
    public const string FileName = ".evonic-session-cleanup.lock";

    private readonly FileStream _stream;

    private CleanupLock(FileStream stream) => _stream = stream;

    public static string PathFor(EvonicInstance instance) => Path.Combine(instance.Root, FileName);

    /// <summary>
    /// Takes the lock, or throws <see cref="EvonicErrorKind.CleanupAlreadyRunning"/> when another run holds it.
    /// Returns null when the lock file cannot be created at all (a read-only instance, where nothing can be
    /// deleted either, so there is nothing to guard).
    /// </summary>
    public static CleanupLock? TryAcquire(EvonicInstance instance)
    {
        string path = PathFor(instance);
        FileStream stream;
        try
        {
            // FileShare.None is an exclusive flock() on Unix and a sharing lock on Windows.
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        catch (IOException e) when (File.Exists(path) && !IsReadOnlyFileSystem(e))
        {
            throw new EvonicException(EvonicErrorKind.CleanupAlreadyRunning,
                $"Another session cleanup of '{instance.Root}' is running (it holds '{path}'). This run removes nothing; the next one will.", path, e);
        }
        catch (IOException)
        {
            return null;
        }
        try
        {
            byte[] owner = Encoding.UTF8.GetBytes(string.Format(CultureInfo.InvariantCulture,
                "pid {0} on {1} since {2:yyyy-MM-ddTHH:mm:ssZ}\n", CurrentProcessId(), Environment.MachineName, DateTime.UtcNow));
            stream.SetLength(0);
            stream.Write(owner, 0, owner.Length);
            stream.Flush();
        }
        catch (IOException)
        {
            // Who holds the lock is a courtesy for admins; the lock itself is what counts.
        }
        return new CleanupLock(stream);
    }

    private static bool IsReadOnlyFileSystem(IOException e) => e.HResult == 30 || e.Message.IndexOf("Read-only file system", StringComparison.OrdinalIgnoreCase) >= 0;

    private static int CurrentProcessId()
    {
        using Process process = Process.GetCurrentProcess();
        return process.Id;
    }

    public void Dispose() => _stream.Dispose();
}
