namespace Evonic.Sessions;

/// <summary>A database's <c>PRAGMA auto_vacuum</c>: whether SQLite gives free pages back by itself.</summary>
public enum AutoVacuumMode
{
    /// <summary>Free pages stay in the file until a VACUUM.</summary>
    None = 0,

    /// <summary>Every commit gives free pages back.</summary>
    Full = 1,

    /// <summary>Free pages go back on <c>PRAGMA incremental_vacuum</c>, in steps as small as wanted.</summary>
    Incremental = 2,
}
