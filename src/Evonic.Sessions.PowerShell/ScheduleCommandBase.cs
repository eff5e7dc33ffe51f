using System;
using System.Collections.Generic;
using System.Management.Automation;
using Evonic.Sessions.Scheduling;

namespace Evonic.Sessions.PowerShell;

/// <summary>What Register-, Unregister- and Get-EvonicSessionCleanup share: the schedule's name, scheduler and
/// scope.</summary>
public abstract class ScheduleCommandBase : EvonicCommandBase
{
    /// <summary>The name of the timer, cron entry, launchd agent or task.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = CleanupSchedule.DefaultName;

    /// <summary>Which scheduler; by default the machine's own (Task Scheduler, launchd, systemd, else cron).</summary>
    [Parameter]
    public SchedulerKind Scheduler { get; set; }

    /// <summary>CurrentUser (default) or AllUsers (a systemd system unit; needs root).</summary>
    [Parameter]
    public SchedulerScope Scope { get; set; } = SchedulerScope.CurrentUser;

    private readonly SchedulerFactory _schedulers = new(Environment.GetEnvironmentVariable);

    protected bool SchedulerBound => MyInvocation.BoundParameters.ContainsKey(nameof(Scheduler));

    /// <summary>-Scheduler, else the machine's own; none at all ends the command (SchedulerNotFound).</summary>
    protected IScheduler ResolveScheduler()
    {
        try
        {
            return _schedulers.Create(SchedulerBound ? Scheduler : SchedulerFactory.Detect());
        }
        catch (EvonicException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e));
            throw;
        }
    }

    /// <summary>
    /// Runs planned steps, each through ShouldProcess: -WhatIf shows every step with exactly what it would write or
    /// run; a step declined at a -Confirm prompt stops the rest. True when every step ran.
    /// </summary>
    protected bool Apply(IEnumerable<SchedulerStep> steps, string caption)
    {
        bool whatIf = SwitchState.IsWhatIf(this);
        foreach (SchedulerStep step in steps)
        {
            string description = step.Describe();
            if (!ShouldProcess(description, description + "\n\nContinue?", caption))
            {
                if (whatIf)
                    continue;
                return false;
            }
            try
            {
                step.Execute();
            }
            catch (EvonicException e)
            {
                ThrowTerminatingError(ErrorRecords.From(e));
            }
        }
        return !whatIf;
    }

    /// <summary>Every scheduler (with scope) that could hold the schedule: -Scheduler and -Scope, else each one this
    /// machine may use.</summary>
    protected IEnumerable<(IScheduler Scheduler, SchedulerScope Scope)> Candidates()
    {
        var candidates = SchedulerBound ? new[] { (Scheduler, Scope) } : SchedulerFactory.Candidates();
        foreach (var (kind, scope) in candidates)
            yield return (_schedulers.Create(kind), scope);
    }
}
