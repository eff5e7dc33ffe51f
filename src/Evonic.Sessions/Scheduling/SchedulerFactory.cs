using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace Evonic.Sessions.Scheduling;

/// <summary>Which scheduler this machine has, and the <see cref="IScheduler"/> for each kind.</summary>
public sealed class SchedulerFactory
{
    private readonly Func<string, string?> _environment;

    public SchedulerFactory(Func<string, string?> getEnvironmentVariable) => _environment = getEnvironmentVariable;

    public IScheduler Create(SchedulerKind kind) =>
        kind switch
        {
            SchedulerKind.Systemd => new SystemdScheduler(_environment),
            SchedulerKind.Cron => new CronScheduler(),
            SchedulerKind.Launchd => new LaunchdScheduler(_environment),
            _ => new WindowsTaskScheduler(_environment),
        };

    /// <summary>Windows: Task Scheduler; macOS: launchd; Linux: systemd when it runs the machine, else cron.</summary>
    public static SchedulerKind Detect()
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            return SchedulerKind.TaskScheduler;
        if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
            return SchedulerKind.Launchd;
        // sd_booted(): systemd is the init system when this folder exists.
        if (Directory.Exists("/run/systemd/system") && SchedulerTool.IsOnPath("systemctl"))
            return SchedulerKind.Systemd;
        if (SchedulerTool.IsOnPath("crontab"))
            return SchedulerKind.Cron;
        throw new EvonicException(
            EvonicErrorKind.SchedulerNotFound,
            "This machine has neither systemd (running) nor cron (crontab): there is no scheduler to register the "
                + "cleanup with.",
            null
        );
    }

    /// <summary>Every scheduler and scope a schedule could be registered with on this machine (Linux: systemd user and
    /// system, and cron).</summary>
    public static IReadOnlyList<(SchedulerKind Kind, SchedulerScope Scope)> Candidates()
    {
        SchedulerKind detected;
        try
        {
            detected = Detect();
        }
        catch (EvonicException)
        {
            detected = SchedulerKind.Cron;
        }
        return detected is SchedulerKind.Systemd or SchedulerKind.Cron
            ? new[]
            {
                (SchedulerKind.Systemd, SchedulerScope.CurrentUser),
                (SchedulerKind.Systemd, SchedulerScope.AllUsers),
                (SchedulerKind.Cron, SchedulerScope.CurrentUser),
            }
            : new[] { (detected, SchedulerScope.CurrentUser) };
    }

    /// <summary>-Scope AllUsers exists for systemd system units only.</summary>
    internal static void CheckScope(SchedulerKind kind, SchedulerScope scope)
    {
        if (scope == SchedulerScope.AllUsers && kind != SchedulerKind.Systemd)
            throw new EvonicException(
                EvonicErrorKind.InvalidSetting,
                $"-Scope AllUsers is for systemd system units; {kind} schedules run as the user who registers them.",
                scope
            );
    }

    internal static string Home(Func<string, string?> environment) =>
        environment("HOME") is { Length: > 0 } home
            ? home
            : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
}
