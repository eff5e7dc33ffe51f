using System.Management.Automation;

namespace Evonic.Sessions.PowerShell;

/// <summary>The one place where store failures become PowerShell ErrorRecords (ErrorId and category).</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(EvonicException e) => new(e, e.Kind.ToString(), Category(e.Kind), e.Target);

    public static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target) =>
        new(new PSInvalidOperationException(message), errorId, category, target);

    private static ErrorCategory Category(EvonicErrorKind kind) =>
        kind switch
        {
            EvonicErrorKind.InstanceNotFound => ErrorCategory.ObjectNotFound,
            EvonicErrorKind.NotAnInstance => ErrorCategory.InvalidArgument,
            EvonicErrorKind.InvalidSetting => ErrorCategory.InvalidArgument,
            EvonicErrorKind.AgentNotFound => ErrorCategory.ObjectNotFound,
            EvonicErrorKind.InvalidAgentId => ErrorCategory.InvalidData,
            EvonicErrorKind.AgentDatabaseMissing => ErrorCategory.ObjectNotFound,
            EvonicErrorKind.AgentDatabaseUnreadable => ErrorCategory.ReadError,
            EvonicErrorKind.UnknownSchema => ErrorCategory.InvalidData,
            EvonicErrorKind.DatabaseLocked => ErrorCategory.ResourceBusy,
            EvonicErrorKind.DatabaseReadOnly => ErrorCategory.PermissionDenied,
            EvonicErrorKind.DatabaseWriteFailed => ErrorCategory.WriteError,
            EvonicErrorKind.UnsafePath => ErrorCategory.SecurityError,
            EvonicErrorKind.UnsafeSessionId => ErrorCategory.SecurityError,
            EvonicErrorKind.FileDeleteFailed => ErrorCategory.WriteError,
            EvonicErrorKind.FileWriteFailed => ErrorCategory.WriteError,
            EvonicErrorKind.MainDatabaseFailed => ErrorCategory.ReadError,
            EvonicErrorKind.CleanupAlreadyRunning => ErrorCategory.ResourceBusy,
            EvonicErrorKind.CleanupLockFailed => ErrorCategory.PermissionDenied,
            EvonicErrorKind.SchedulerNotFound => ErrorCategory.NotInstalled,
            EvonicErrorKind.SchedulerFailed => ErrorCategory.InvalidOperation,
            EvonicErrorKind.ScheduleNotFound => ErrorCategory.ObjectNotFound,
            EvonicErrorKind.ArchiveUnreadable => ErrorCategory.ReadError,
            EvonicErrorKind.SessionExists => ErrorCategory.ResourceExists,
            EvonicErrorKind.ChatLogExists => ErrorCategory.ResourceExists,
            EvonicErrorKind.ArchiveEntryNotFound => ErrorCategory.ObjectNotFound,
            EvonicErrorKind.HoldNotFound => ErrorCategory.ObjectNotFound,
            EvonicErrorKind.UntrustedCode => ErrorCategory.SecurityError,
            EvonicErrorKind.InvalidPolicy => ErrorCategory.InvalidData,
            EvonicErrorKind.FileExists => ErrorCategory.ResourceExists,
            _ => ErrorCategory.NotSpecified,
        };
}
