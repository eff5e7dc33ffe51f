namespace Evonic.Sessions;

/// <summary>What Optimize-EvonicSessionStore did to one database, and how many bytes went back to the file
/// system.</summary>
public sealed class SpaceReturned
{
    public string InstanceRoot { get; internal set; } = "";
    public DatabaseKind Database { get; internal set; }
    public string? AgentId { get; internal set; }
    public string Path { get; internal set; } = "";

    /// <summary>What was done; Skipped comes with a <see cref="Reason"/>.</summary>
    public OptimizeMethod Method { get; internal set; }

    public long BytesBefore { get; internal set; }
    public long BytesAfter { get; internal set; }
    public long BytesReturned => BytesBefore - BytesAfter;

    /// <summary>The database's auto_vacuum mode after the run.</summary>
    public AutoVacuumMode AutoVacuum { get; internal set; }

    /// <summary>The longest the database's write lock was held in one step (what Evonic's writers may have
    /// waited).</summary>
    public double LongestLockMilliseconds { get; internal set; }

    /// <summary>Why nothing was done, when <see cref="Method"/> is Skipped.</summary>
    public string? Reason { get; internal set; }

    public override string ToString() => $"{Path}: {Method}, {BytesReturned} bytes returned";
}
