using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Evonic.Sessions.Scheduling;

/// <summary>
/// The machine's own scheduler: which one there is, the steps that register or unregister a schedule with it, and
/// reading back what is registered. systemd, cron and launchd are handled here; Windows' Task Scheduler through
/// PowerShell's ScheduledTasks module, by the cmdlets.
/// </summary>
public sealed class SystemScheduler
{
    private readonly Func<string, string?> _environment;

    public SystemScheduler(Func<string, string?> getEnvironmentVariable) => _environment = getEnvironmentVariable;

    /// <summary>Windows: Task Scheduler; macOS: launchd; Linux: systemd when it runs the machine, else cron.</summary>
    public static SchedulerKind Detect()
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return SchedulerKind.TaskScheduler;
        if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX)) return SchedulerKind.Launchd;
        // sd_booted(): systemd is the init system when this folder exists.
        if (Directory.Exists("/run/systemd/system") && SchedulerTool.IsOnPath("systemctl")) return SchedulerKind.Systemd;
        if (SchedulerTool.IsOnPath("crontab")) return SchedulerKind.Cron;
        throw new EvonicException(EvonicErrorKind.SchedulerNotFound,
            "This machine has neither systemd (running) nor cron (crontab): there is no scheduler to register the cleanup with.", null);
    }

    private string Home => _environment("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    public string SystemdFolder(SchedulerScope scope)
        => scope == SchedulerScope.AllUsers ? "/etc/systemd/system"
            : Path.Combine(_environment("XDG_CONFIG_HOME") is { Length: > 0 } config ? config : Path.Combine(Home, ".config"), "systemd", "user");

    public string LaunchdPlist(string name) => Path.Combine(Home, "Library", "LaunchAgents", LaunchdAgent.Label(name) + ".plist");

    /// <summary>The steps that register <paramref name="schedule"/>; an earlier one of the same name is replaced.</summary>
    public IReadOnlyList<SchedulerStep> PlanRegister(CleanupSchedule schedule, SchedulerKind kind, SchedulerScope scope, string windowsUserId)
    {
        CheckScope(kind, scope);
        switch (kind)
        {
            case SchedulerKind.Systemd:
                string folder = SystemdFolder(scope);
                return new[]
                {
                    SchedulerStep.WriteFile(Path.Combine(folder, schedule.Name + ".service"), SystemdUnits.Service(schedule)),
                    SchedulerStep.WriteFile(Path.Combine(folder, schedule.Name + ".timer"), SystemdUnits.Timer(schedule)),
                    Systemctl(scope, "daemon-reload"),
                    Systemctl(scope, "enable", "--now", schedule.Name + ".timer"),
                };
            case SchedulerKind.Cron:
                return new[] { SchedulerStep.RunTool("crontab", CronTable.WithEntry(ReadCrontab(), schedule), "-") };
            case SchedulerKind.Launchd:
                string plist = LaunchdPlist(schedule.Name);
                var steps = new List<SchedulerStep>();
                if (File.Exists(plist)) steps.Add(SchedulerStep.RunTool("launchctl", null, "bootout", GuiDomain(), plist));
                steps.Add(SchedulerStep.WriteFile(plist, LaunchdAgent.Plist(schedule)));
                steps.Add(SchedulerStep.RunTool("launchctl", null, "bootstrap", GuiDomain(), plist));
                return steps;
            default:
                return new[] { SchedulerStep.RegisterWindowsTask(schedule.Name, TaskSchedulerTask.Xml(schedule, windowsUserId)) };
        }
    }

    /// <summary>The steps that remove the named schedule; none when it is not registered with that scheduler.</summary>
    public IReadOnlyList<SchedulerStep> PlanUnregister(string name, SchedulerKind kind, SchedulerScope scope)
    {
        CheckScope(kind, scope);
        switch (kind)
        {
            case SchedulerKind.Systemd:
                string service = Path.Combine(SystemdFolder(scope), name + ".service"), timer = Path.Combine(SystemdFolder(scope), name + ".timer");
                if (!File.Exists(service) && !File.Exists(timer)) return Array.Empty<SchedulerStep>();
                return new[]
                {
                    Systemctl(scope, "disable", "--now", name + ".timer"),
                    SchedulerStep.DeleteFile(timer),
                    SchedulerStep.DeleteFile(service),
                    Systemctl(scope, "daemon-reload"),
                };
            case SchedulerKind.Cron:
                string crontab = ReadCrontab();
                return CronTable.FindLine(crontab, name) == null
                    ? Array.Empty<SchedulerStep>()
                    : new[] { SchedulerStep.RunTool("crontab", CronTable.WithoutEntry(crontab, name), "-") };
            case SchedulerKind.Launchd:
                string plist = LaunchdPlist(name);
                return !File.Exists(plist)
                    ? Array.Empty<SchedulerStep>()
                    : new[] { SchedulerStep.RunTool("launchctl", null, "bootout", GuiDomain(), plist), SchedulerStep.DeleteFile(plist) };
            default:
                return new[] { SchedulerStep.UnregisterWindowsTask(name) };
        }
    }

    /// <summary>The named schedule as systemd, cron or launchd holds it, or null.</summary>
    public ScheduledCleanup? Find(string name, SchedulerKind kind, SchedulerScope scope)
    {
        switch (kind)
        {
            case SchedulerKind.Systemd:
                string service = Path.Combine(SystemdFolder(scope), name + ".service"), timer = Path.Combine(SystemdFolder(scope), name + ".timer");
                if (!File.Exists(service)) return null;
                string? exec = Value(File.ReadAllText(service), "ExecStart");
                string? calendar = File.Exists(timer) ? Value(File.ReadAllText(timer), "OnCalendar") : null;
                return ScheduledCleanup.From(name, kind, scope, calendar == null ? null : Time(calendar.Substring(calendar.LastIndexOf(' ') + 1)),
                    (exec ?? "").Replace("$$", "$").Replace("%%", "%"), service, timer);
            case SchedulerKind.Cron:
                if (scope != SchedulerScope.CurrentUser || !SchedulerTool.IsOnPath("crontab")) return null;
                string? line = CronTable.FindLine(ReadCrontab(), name);
                if (line == null) return null;
                string[] fields = line.Split(new[] { ' ' }, 6);
                TimeSpan? at = fields.Length == 6 && int.TryParse(fields[0], out int minute) && int.TryParse(fields[1], out int hour)
                    ? new TimeSpan(hour, minute, 0) : null;
                return ScheduledCleanup.From(name, kind, scope, at, fields.Length == 6 ? fields[5].Replace("\\%", "%").Replace("\\$", "$") : line, "crontab");
            case SchedulerKind.Launchd:
                string plist = LaunchdPlist(name);
                if (scope != SchedulerScope.CurrentUser || !File.Exists(plist)) return null;
                string text = File.ReadAllText(plist);
                Match h = Regex.Match(text, @"<key>Hour</key>\s*<integer>(\d+)</integer>"), m = Regex.Match(text, @"<key>Minute</key>\s*<integer>(\d+)</integer>");
                return ScheduledCleanup.From(name, kind, scope,
                    h.Success && m.Success ? new TimeSpan(int.Parse(h.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), 0) : null,
                    System.Net.WebUtility.HtmlDecode(string.Join(" ", Regex.Matches(text, "<string>(.*?)</string>").Cast<Match>().Skip(1).Select(x => x.Groups[1].Value))), plist);
            default:
                return null;
        }
    }

    /// <summary>A schedule read from Task Scheduler's XML (Export-ScheduledTask), for the cmdlets on Windows.</summary>
    public static ScheduledCleanup FromTaskXml(string name, string xml)
    {
        Match boundary = Regex.Match(xml, @"<StartBoundary>[^<]*T(\d\d:\d\d)");
        Match arguments = Regex.Match(xml, @"<Arguments>(.*?)</Arguments>", RegexOptions.Singleline);
        return ScheduledCleanup.From(name, SchedulerKind.TaskScheduler, SchedulerScope.CurrentUser,
            boundary.Success ? Time(boundary.Groups[1].Value) : null,
            System.Net.WebUtility.HtmlDecode(arguments.Success ? arguments.Groups[1].Value : ""), "\\" + name);
    }

    private static TimeSpan? Time(string text)
        => TimeSpan.TryParseExact(text.Length > 5 ? text.Substring(0, 5) : text, @"hh\:mm", CultureInfo.InvariantCulture, out TimeSpan at) ? at : null;

    private static string? Value(string unit, string key)
    {
        Match match = Regex.Match(unit, "^" + key + "=(.*)$", RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value : null;
    }

    private static void CheckScope(SchedulerKind kind, SchedulerScope scope)
    {
        if (scope == SchedulerScope.AllUsers && kind != SchedulerKind.Systemd)
            throw new EvonicException(EvonicErrorKind.InvalidSetting,
                $"-Scope AllUsers is for systemd system units; {kind} schedules run as the user who registers them.", scope);
    }

    private static SchedulerStep Systemctl(SchedulerScope scope, params string[] arguments)
        => SchedulerStep.RunTool("systemctl", null, scope == SchedulerScope.CurrentUser ? Prepend("--user", arguments) : arguments);

    private static string[] Prepend(string first, string[] rest)
    {
        var all = new string[rest.Length + 1];
        all[0] = first;
        rest.CopyTo(all, 1);
        return all;
    }

    private static string GuiDomain() => "gui/" + SchedulerTool.Run("id", null, "-u").Trim();

    /// <summary>The user's crontab; empty when there is none, or no crontab tool (registering then fails with SchedulerNotFound, and -WhatIf still shows the entry).</summary>
    private static string ReadCrontab()
    {
        if (!SchedulerTool.IsOnPath("crontab")) return "";
        (int exit, string output, string error) = SchedulerTool.TryRun("crontab", null, "-l");
        if (exit == 0) return output;
        if (error.IndexOf("no crontab", StringComparison.OrdinalIgnoreCase) >= 0) return "";
        throw new EvonicException(EvonicErrorKind.SchedulerFailed, $"'crontab -l' failed with exit code {exit}: {error.Trim()}", "crontab");
    }
}
