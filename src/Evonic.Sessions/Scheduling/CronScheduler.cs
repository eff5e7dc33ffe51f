using System;
using System.Collections.Generic;

namespace Evonic.Sessions.Scheduling;

/// <summary>cron, where systemd does not run: one line of the user's crontab (<see cref="CronTable"/>), written with
/// <c>crontab -</c>.</summary>
public sealed class CronScheduler : IScheduler
{
    private static readonly char[] Space = { ' ' };

    public SchedulerKind Kind => SchedulerKind.Cron;

    public string Location(string name, SchedulerScope scope) => "in the user's crontab";

    public IReadOnlyList<SchedulerStep> PlanRegister(CleanupSchedule schedule, SchedulerScope scope)
    {
        SchedulerFactory.CheckScope(Kind, scope);
        return new[] { SchedulerStep.RunTool("crontab", CronTable.WithEntry(ReadCrontab(), schedule), "-") };
    }

    public IReadOnlyList<SchedulerStep> PlanUnregister(string name, SchedulerScope scope)
    {
        SchedulerFactory.CheckScope(Kind, scope);
        string crontab = ReadCrontab();
        return CronTable.FindLine(crontab, name) == null
            ? Array.Empty<SchedulerStep>()
            : new[] { SchedulerStep.RunTool("crontab", CronTable.WithoutEntry(crontab, name), "-") };
    }

    /// <summary>Null also when cron is not installed: a scheduler that is absent holds no schedule.</summary>
    public ScheduledCleanup? Find(string name, SchedulerScope scope)
    {
        if (scope != SchedulerScope.CurrentUser || !SchedulerTool.IsOnPath("crontab"))
            return null;
        string? line = CronTable.FindLine(ReadCrontab(), name);
        if (line == null)
            return null;
        string[] fields = line.Split(Space, 6);
        TimeSpan? at =
            fields.Length == 6 && int.TryParse(fields[0], out int minute) && int.TryParse(fields[1], out int hour)
                ? new TimeSpan(hour, minute, 0)
                : null;
        return ScheduledCleanup.From(
            name,
            Kind,
            scope,
            at,
            fields.Length == 6 ? fields[5].Replace("\\%", "%").Replace("\\$", "$") : line,
            "crontab"
        );
    }

    /// <summary>The user's crontab; empty when there is none, or no crontab tool (registering then fails with
    /// SchedulerNotFound, and -WhatIf still shows the entry).</summary>
    private static string ReadCrontab()
    {
        if (!SchedulerTool.IsOnPath("crontab"))
            return "";
        (int exit, string output, string error) = SchedulerTool.TryRun("crontab", null, "-l");
        if (exit == 0)
            return output;
        if (error.IndexOf("no crontab", StringComparison.OrdinalIgnoreCase) >= 0)
            return "";
        throw new EvonicException(
            EvonicErrorKind.SchedulerFailed,
            $"'crontab -l' failed with exit code {exit}: {error.Trim()}",
            "crontab"
        );
    }
}
