namespace Evonic.Sessions;

/// <summary>What went wrong, so that callers (the cmdlets) can map it to an ErrorId and category in one
/// place.</summary>
public enum EvonicErrorKind
{
    InstanceNotFound,
    NotAnInstance,
    InvalidSetting,
    AgentNotFound,
    InvalidAgentId,
    AgentDatabaseMissing,
    AgentDatabaseUnreadable,
    UnknownSchema,
    DatabaseLocked,
    DatabaseReadOnly,
    DatabaseWriteFailed,
    UnsafePath,
    UnsafeSessionId,
    FileDeleteFailed,

    /// <summary>A file the module writes (a restored log) cannot be written: a full disk, no rights.</summary>
    FileWriteFailed,
    MainDatabaseFailed,
    CleanupAlreadyRunning,

    /// <summary>The cleanup lock cannot be taken (no rights, a read-only instance): nothing is changed without
    /// it.</summary>
    CleanupLockFailed,
    SchedulerNotFound,
    SchedulerFailed,
    ScheduleNotFound,
    ArchiveUnreadable,

    /// <summary>A restore found the session id live in the agent's <c>chat.db</c>.</summary>
    SessionExists,

    /// <summary>A restore found a chat log of the session's name already on disk.</summary>
    ChatLogExists,

    /// <summary>No archive entry has the given id, or no archived copy of the given session exists.</summary>
    ArchiveEntryNotFound,

    /// <summary>The session has no finished restore's hold to end.</summary>
    HoldNotFound,

    /// <summary>Code the scheduled cleanup would run (pwsh, the module) can be written by another user.</summary>
    UntrustedCode,

    /// <summary>The instance's retention policy (<c>evonic-session-policy.psd1</c>) cannot be read or says something
    /// invalid: nothing is listed or removed by it.</summary>
    InvalidPolicy,

    /// <summary>A file the command would create exists already (and -Force was not given).</summary>
    FileExists,
}
