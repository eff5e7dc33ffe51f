using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;

namespace Evonic.Sessions.Scheduling;

/// <summary>systemd: a service and a timer (<see cref="SystemdUnits"/>) in the user's or the system's unit folder,
/// enabled with systemctl.</summary>
public sealed class SystemdScheduler : IScheduler
{
    private readonly Func<string, string?> _environment;

    public SystemdScheduler(Func<string, string?> getEnvironmentVariable) => _environment = getEnvironmentVariable;

    public SchedulerKind Kind => SchedulerKind.Systemd;

    /// <summary>The unit folder: /etc/systemd/system, or $XDG_CONFIG_HOME/systemd/user (default
    /// ~/.config/systemd/user).</summary>
    public string UnitFolder(SchedulerScope scope) =>
        scope == SchedulerScope.AllUsers
            ? "/etc/systemd/system"
            : Path.Combine(
                _environment("XDG_CONFIG_HOME") is { Length: > 0 } config
                    ? config
                    : Path.Combine(SchedulerFactory.Home(_environment), ".config"),
                "systemd",
                "user"
            );

    public string ServicePath(string name, SchedulerScope scope) => Path.Combine(UnitFolder(scope), name + ".service");

    public string TimerPath(string name, SchedulerScope scope) => Path.Combine(UnitFolder(scope), name + ".timer");

    public string Location(string name, SchedulerScope scope) => "in " + UnitFolder(scope);

    public IReadOnlyList<SchedulerStep> PlanRegister(CleanupSchedule schedule, SchedulerScope scope) =>
        new[]
        {
            SchedulerStep.WriteFile(ServicePath(schedule.Name, scope), SystemdUnits.Service(schedule)),
            SchedulerStep.WriteFile(TimerPath(schedule.Name, scope), SystemdUnits.Timer(schedule)),
            Systemctl(scope, "daemon-reload"),
            Systemctl(scope, "enable", "--now", schedule.Name + ".timer"),
        };

    public IReadOnlyList<SchedulerStep> PlanUnregister(string name, SchedulerScope scope)
    {
        string service = ServicePath(name, scope),
            timer = TimerPath(name, scope);
        if (!File.Exists(service) && !File.Exists(timer))
            return Array.Empty<SchedulerStep>();
        return new[]
        {
            Systemctl(scope, "disable", "--now", name + ".timer"),
            SchedulerStep.DeleteFile(timer),
            SchedulerStep.DeleteFile(service),
            Systemctl(scope, "daemon-reload"),
        };
    }

    public ScheduledCleanup? Find(string name, SchedulerScope scope)
    {
        string service = ServicePath(name, scope),
            timer = TimerPath(name, scope);
        if (!File.Exists(service))
            return null;
        string? exec = Value(File.ReadAllText(service), "ExecStart");
        string? calendar = File.Exists(timer) ? Value(File.ReadAllText(timer), "OnCalendar") : null;
        return ScheduledCleanup.From(
            name,
            Kind,
            scope,
            calendar == null ? null : ScheduledCleanup.TimeOfDay(calendar.Substring(calendar.LastIndexOf(' ') + 1)),
            (exec ?? "").Replace("$$", "$").Replace("%%", "%"),
            service,
            timer
        );
    }

    private static string? Value(string unit, string key)
    {
        Match match = Regex.Match(unit, "^" + key + "=(.*)$", RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value : null;
    }

    private static SchedulerStep Systemctl(SchedulerScope scope, params string[] arguments)
    {
        if (scope != SchedulerScope.CurrentUser)
            return SchedulerStep.RunTool("systemctl", null, arguments);
        var all = new string[arguments.Length + 1];
        all[0] = "--user";
        arguments.CopyTo(all, 1);
        return SchedulerStep.RunTool("systemctl", null, all);
    }
}
