using System;

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
}

/// <summary>A failure of the store that names its kind and the offending path or value.</summary>
public sealed class EvonicException : Exception
{
    public EvonicException(EvonicErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Target = target;
    }

    public EvonicErrorKind Kind { get; }

    /// <summary>The path, agent id, session id or value the error is about.</summary>
    public object? Target { get; }
}
