namespace Evonic.Sessions.Scheduling;

/// <summary>Whose scheduler: the current user's, or the system's (systemd only; needs root).</summary>
public enum SchedulerScope
{
    CurrentUser,
    AllUsers,
}
