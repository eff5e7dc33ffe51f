using System;

namespace Evonic.Sessions;

/// <summary>
/// How one cleanup run ended: the closing <c>[SESSION_CLEANUP]</c> line as numbers, with the machine and instance it
/// ran on, so that results gathered from many hosts (PowerShell remoting) can be read per host. Its text is the line.
/// </summary>
public sealed class CleanupReport
{
    internal CleanupReport(
        string computerName,
        string[] instanceRoots,
        int removed,
        long messages,
        int files,
        long bytesFreed,
        long databaseBytesReturned,
        int kept,
        int errors,
        TimeSpan duration,
        TimeSpan longestWriteTransaction,
        string line,
        string? moduleVersion
    )
    {
        ModuleVersion = moduleVersion;
        ComputerName = computerName;
        InstanceRoot = instanceRoots;
        Removed = removed;
        Messages = messages;
        Files = files;
        BytesFreed = bytesFreed;
        DatabaseBytesReturned = databaseBytesReturned;
        Kept = kept;
        Errors = errors;
        Duration = duration;
        LongestWriteTransaction = longestWriteTransaction;
        Line = line;
    }

    public string ComputerName { get; }
    public string[] InstanceRoot { get; }
    public int Removed { get; }
    public long Messages { get; }
    public int Files { get; }

    /// <summary>The bytes of the deleted files (chat logs, attachments).</summary>
    public long BytesFreed { get; }

    /// <summary>The bytes the databases gave back to the file system (-Optimize); 0 without it.</summary>
    public long DatabaseBytesReturned { get; }
    public int Kept { get; }
    public int Errors { get; }
    public TimeSpan Duration { get; }
    public TimeSpan LongestWriteTransaction { get; }

    /// <summary>The version of the module that ran (which one a scheduled run loaded after an update).</summary>
    public string? ModuleVersion { get; }

    /// <summary>The closing log line, as written to the information stream and the log file.</summary>
    public string Line { get; }

    public override string ToString() => Line;
}
