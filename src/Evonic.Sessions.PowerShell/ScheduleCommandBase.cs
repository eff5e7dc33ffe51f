using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Evonic.Sessions.Scheduling;

namespace Evonic.Sessions.PowerShell;

/// <summary>What Register-, Unregister- and Get-EvonicSessionCleanup share: the schedule's name, scheduler and scope.</summary>
public abstract class ScheduleCommandBase : PSCmdlet
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

    internal SystemScheduler Machine { get; } = new(Environment.GetEnvironmentVariable);

    protected bool SchedulerBound => MyInvocation.BoundParameters.ContainsKey(nameof(Scheduler));

    protected SchedulerKind ResolveScheduler()
    {
        if (SchedulerBound) return Scheduler;
        try
        {
            return SystemScheduler.Detect();
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
                if (whatIf) continue;
                return false;
            }
            try
            {
                switch (step.Kind)
                {
                    case SchedulerStepKind.RegisterWindowsTask:
                        InvokeCommand.NewScriptBlock("param($name, $xml) Register-ScheduledTask -TaskName $name -Xml $xml -Force | Out-Null")
                            .Invoke(step.Target, step.Content);
                        break;
                    case SchedulerStepKind.UnregisterWindowsTask:
                        InvokeCommand.NewScriptBlock("param($name) Unregister-ScheduledTask -TaskName $name -Confirm:$false")
                            .Invoke(step.Target);
                        break;
                    default:
                        step.Execute();
                        break;
                }
            }
            catch (EvonicException e)
            {
                ThrowTerminatingError(ErrorRecords.From(e));
            }
            catch (RuntimeException e)
            {
                ThrowTerminatingError(ErrorRecords.From(new EvonicException(EvonicErrorKind.SchedulerFailed,
                    $"{description.Split('\n')[0]} failed: {e.Message}", step.Target, e)));
            }
        }
        return !whatIf;
    }

    /// <summary>The named schedule as the scheduler holds it, or null.</summary>
    protected ScheduledCleanup? Find(string name, SchedulerKind kind, SchedulerScope scope)
    {
        if (kind != SchedulerKind.TaskScheduler) return Machine.Find(name, kind, scope);
        try
        {
            var xml = InvokeCommand.NewScriptBlock("param($name) Export-ScheduledTask -TaskName $name -ErrorAction Stop").Invoke(name);
            return xml.Count == 0 ? null : SystemScheduler.FromTaskXml(name, xml[0].ToString());
        }
        catch (RuntimeException)
        {
            return null;
        }
    }

    /// <summary>Every scheduler and scope a schedule could be registered with on this machine.</summary>
    protected IEnumerable<(SchedulerKind Kind, SchedulerScope Scope)> Candidates()
    {
        if (SchedulerBound) return new[] { (Scheduler, Scope) };
        SchedulerKind detected;
        try
        {
            detected = SystemScheduler.Detect();
        }
        catch (EvonicException)
        {
            detected = SchedulerKind.Cron;
        }
        return detected switch
        {
            SchedulerKind.Systemd or SchedulerKind.Cron => new[]
            {
                (SchedulerKind.Systemd, SchedulerScope.CurrentUser), (SchedulerKind.Systemd, SchedulerScope.AllUsers), (SchedulerKind.Cron, SchedulerScope.CurrentUser),
            },
            _ => new[] { (detected, SchedulerScope.CurrentUser) },
        };
    }
}
