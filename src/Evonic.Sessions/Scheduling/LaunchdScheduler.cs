using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace Evonic.Sessions.Scheduling;

/// <summary>launchd (macOS): an agent's plist (<see cref="LaunchdAgent"/>) in ~/Library/LaunchAgents, loaded with
/// launchctl.</summary>
public sealed class LaunchdScheduler : IScheduler
{
    private readonly Func<string, string?> _environment;

    public LaunchdScheduler(Func<string, string?> getEnvironmentVariable) => _environment = getEnvironmentVariable;

    public SchedulerKind Kind => SchedulerKind.Launchd;

    public string PlistPath(string name) =>
        Path.Combine(
            SchedulerFactory.Home(_environment),
            "Library",
            "LaunchAgents",
            LaunchdAgent.Label(name) + ".plist"
        );

    public string Location(string name, SchedulerScope scope) => "at " + PlistPath(name);

    public IReadOnlyList<SchedulerStep> PlanRegister(CleanupSchedule schedule, SchedulerScope scope)
    {
        SchedulerFactory.CheckScope(Kind, scope);
        string plist = PlistPath(schedule.Name);
        var steps = new List<SchedulerStep>();
        if (File.Exists(plist))
            steps.Add(SchedulerStep.RunTool("launchctl", null, "bootout", GuiDomain(), plist));
        steps.Add(SchedulerStep.WriteFile(plist, LaunchdAgent.Plist(schedule)));
        steps.Add(SchedulerStep.RunTool("launchctl", null, "bootstrap", GuiDomain(), plist));
        return steps;
    }

    public IReadOnlyList<SchedulerStep> PlanUnregister(string name, SchedulerScope scope)
    {
        SchedulerFactory.CheckScope(Kind, scope);
        string plist = PlistPath(name);
        return !File.Exists(plist)
            ? Array.Empty<SchedulerStep>()
            : new[]
            {
                SchedulerStep.RunTool("launchctl", null, "bootout", GuiDomain(), plist),
                SchedulerStep.DeleteFile(plist),
            };
    }

    public ScheduledCleanup? Find(string name, SchedulerScope scope)
    {
        string plist = PlistPath(name);
        if (scope != SchedulerScope.CurrentUser || !File.Exists(plist))
            return null;
        string text = File.ReadAllText(plist);
        Match h = Regex.Match(text, @"<key>Hour</key>\s*<integer>(\d+)</integer>"),
            m = Regex.Match(text, @"<key>Minute</key>\s*<integer>(\d+)</integer>");
        return ScheduledCleanup.From(
            name,
            Kind,
            scope,
            h.Success && m.Success
                ? new TimeSpan(
                    int.Parse(h.Groups[1].Value, CultureInfo.InvariantCulture),
                    int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                    0
                )
                : null,
            System.Net.WebUtility.HtmlDecode(
                string.Join(
                    " ",
                    Regex.Matches(text, "<string>(.*?)</string>").Cast<Match>().Skip(1).Select(x => x.Groups[1].Value)
                )
            ),
            plist
        );
    }

    private static string GuiDomain() => "gui/" + SchedulerTool.Run("id", null, "-u").Trim();
}
