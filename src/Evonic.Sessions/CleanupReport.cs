using System;
using Evonic.Sessions.Cleanup;

namespace Evonic.Sessions;

/// <summary>
/// How one cleanup run ended: the closing <c>[SESSION_CLEANUP]</c> line as numbers, with the machine and instance it
/// ran on, so that results gathered from many hosts (PowerShell remoting) can be read per host. Its text is the line.
/// </summary>
public sealed class CleanupReport
{
    public CleanupReport(string computerName, string[] instanceRoots, CleanupSummary totals, TimeSpan duration, string? moduleVersion = null)
    {
        ModuleVersion = moduleVersion;
        ComputerName = computerName;
        InstanceRoot = instanceRoots;
        Removed = totals.Sessions;
        Messages = totals.Messages;
        Files = totals.Files;
        BytesFreed = totals.Bytes;
        DatabaseBytesReturned = totals.DatabaseBytesReturned;
        Kept = totals.Kept;
        Errors = totals.Errors;
        Duration = duration;
        LongestWriteTransaction = totals.LongestWriteTransaction;
        Line = totals.FinalLine(duration, moduleVersion);
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
