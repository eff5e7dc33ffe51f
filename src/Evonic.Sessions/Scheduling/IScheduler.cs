using System.Collections.Generic;

namespace Evonic.Sessions.Scheduling;

/// <summary>
/// One of the operating system's schedulers (systemd, cron, launchd, Task Scheduler): the steps that register or
/// unregister the daily cleanup with it, planned so that -WhatIf shows them, and reading a registration back.
/// <see cref="SchedulerFactory"/> picks one.
/// </summary>
public interface IScheduler
{
    SchedulerKind Kind { get; }

    /// <summary>The steps that register <paramref name="schedule"/>; an earlier one of the same name is
    /// replaced.</summary>
    IReadOnlyList<SchedulerStep> PlanRegister(CleanupSchedule schedule, SchedulerScope scope);

    /// <summary>The steps that remove the named schedule; none when it is not registered.</summary>
    IReadOnlyList<SchedulerStep> PlanUnregister(string name, SchedulerScope scope);

    /// <summary>The named schedule as the scheduler holds it, or null.</summary>
    ScheduledCleanup? Find(string name, SchedulerScope scope);

    /// <summary>Where this scheduler keeps a schedule of that name, for messages ("in
    /// ~/.config/systemd/user").</summary>
    string Location(string name, SchedulerScope scope);
}
