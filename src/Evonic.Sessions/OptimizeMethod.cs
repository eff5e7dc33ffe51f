namespace Evonic.Sessions;

/// <summary>How Optimize-EvonicSessionStore gave a database's free pages back (<see
/// cref="SpaceReturned.Method"/>).</summary>
public enum OptimizeMethod
{
    /// <summary>Nothing was done; <see cref="SpaceReturned.Reason"/> says why.</summary>
    Skipped,

    /// <summary><c>PRAGMA incremental_vacuum</c> in short steps.</summary>
    IncrementalVacuum,

    /// <summary>One VACUUM: the file written anew.</summary>
    Vacuum,
}
