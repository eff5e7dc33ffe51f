namespace Evonic.Sessions;

/// <summary>What went wrong, so that callers (the cmdlets) can map it to an ErrorId and category in one place.</summary>
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
    MainDatabaseFailed,
    CleanupAlreadyRunning,
    SchedulerNotFound,
    SchedulerFailed,
    ScheduleNotFound,
    ArchiveUnreadable,
}
