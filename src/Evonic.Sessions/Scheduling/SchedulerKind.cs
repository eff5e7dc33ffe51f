namespace Evonic.Sessions.Scheduling;

/// <summary>The operating system's own scheduler that runs the daily cleanup.</summary>
public enum SchedulerKind
{
    /// <summary>A systemd timer and service (Linux with systemd).</summary>
    Systemd,

    /// <summary>A crontab line (Linux without systemd).</summary>
    Cron,

    /// <summary>A launchd agent (macOS).</summary>
    Launchd,

    /// <summary>A Task Scheduler task (Windows).</summary>
    TaskScheduler,
}
