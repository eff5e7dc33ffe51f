namespace Evonic.Sessions;

/// <summary>What happened to one session that was asked to be removed.</summary>
public enum RemovalStatus
{
    /// <summary>Its rows, log and attachments are gone.</summary>
    Removed,

    /// <summary>It became active after it was listed (a newer message, update or log line), and was kept
    /// whole.</summary>
    KeptActive,

    /// <summary>A protection applies to it (now, or at listing), and it was kept whole: <see
    /// cref="SessionRemovalResult.Protection"/> says which.</summary>
    KeptProtected,

    /// <summary>Something could not be removed; <see cref="SessionRemovalResult.Error"/> says what.</summary>
    Failed,
}
