using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;

namespace Evonic.Sessions.Scheduling;

/// <summary>
/// Windows' Task Scheduler, through schtasks.exe (in every Windows since XP): the task's XML
/// (<see cref="TaskSchedulerTask"/>) is kept in %LOCALAPPDATA%\Evonic.Sessions\ and registered from there, as the
/// other schedulers register their files.
/// </summary>
public sealed class WindowsTaskScheduler : IScheduler
{
    private readonly Func<string, string?> _environment;

    public WindowsTaskScheduler(Func<string, string?> getEnvironmentVariable) => _environment = getEnvironmentVariable;

    public SchedulerKind Kind => SchedulerKind.TaskScheduler;

    public string DefinitionPath(string name) =>
        Path.Combine(
            _environment("LOCALAPPDATA") is { Length: > 0 } local
                ? local
                : Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData),
            "Evonic.Sessions",
            name + ".xml"
        );

    public string Location(string name, SchedulerScope scope) => "in Task Scheduler's root folder";

    public IReadOnlyList<SchedulerStep> PlanRegister(CleanupSchedule schedule, SchedulerScope scope)
    {
        SchedulerFactory.CheckScope(Kind, scope);
        string xml = DefinitionPath(schedule.Name);
        return new[]
        {
            // schtasks reads the task XML as the UTF-16 its declaration names.
            SchedulerStep.WriteFile(
                xml,
                TaskSchedulerTask.Xml(schedule, Environment.UserDomainName + "\\" + Environment.UserName),
                Encoding.Unicode
            ),
            SchedulerStep.RunTool("schtasks", null, "/Create", "/TN", schedule.Name, "/XML", xml, "/F"),
        };
    }

    public IReadOnlyList<SchedulerStep> PlanUnregister(string name, SchedulerScope scope)
    {
        SchedulerFactory.CheckScope(Kind, scope);
        if (Find(name, scope) == null)
            return Array.Empty<SchedulerStep>();
        var steps = new List<SchedulerStep> { SchedulerStep.RunTool("schtasks", null, "/Delete", "/TN", name, "/F") };
        if (File.Exists(DefinitionPath(name)))
            steps.Add(SchedulerStep.DeleteFile(DefinitionPath(name)));
        return steps;
    }

    public ScheduledCleanup? Find(string name, SchedulerScope scope)
    {
        if (scope != SchedulerScope.CurrentUser || !SchedulerTool.IsOnPath("schtasks.exe"))
            return null;
        (int exit, string xml, _) = SchedulerTool.TryRun("schtasks", null, "/Query", "/TN", name, "/XML");
        return exit == 0 ? FromTaskXml(name, xml) : null;
    }

    /// <summary>A schedule read from Task Scheduler's XML (<c>schtasks /Query /XML</c>).</summary>
    public static ScheduledCleanup FromTaskXml(string name, string xml)
    {
        Match boundary = Regex.Match(xml, @"<StartBoundary>[^<]*T(\d\d:\d\d)");
        Match arguments = Regex.Match(xml, @"<Arguments>(.*?)</Arguments>", RegexOptions.Singleline);
        return ScheduledCleanup.From(
            name,
            SchedulerKind.TaskScheduler,
            SchedulerScope.CurrentUser,
            boundary.Success ? ScheduledCleanup.TimeOfDay(boundary.Groups[1].Value) : null,
            System.Net.WebUtility.HtmlDecode(arguments.Success ? arguments.Groups[1].Value : ""),
            "\\" + name
        );
    }
}
