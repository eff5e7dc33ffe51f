using System.Globalization;
using System.Text;

namespace Evonic.Sessions.Scheduling;

/// <summary>
/// A Windows Task Scheduler task (registered by <see cref="WindowsTaskScheduler"/>): daily at the given time, run
/// whether or not the user is logged on (S4U, no stored password), started late when the machine was off
/// (StartWhenAvailable), and never twice at once (IgnoreNew).
/// </summary>
public static class TaskSchedulerTask
{
    public static string Xml(CleanupSchedule schedule, string userId)
    {
        var text = new StringBuilder();
        text.Append("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n");
        text.Append("<Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\r\n");
        text.Append("  <RegistrationInfo>\r\n");
        text.Append("    <Description>").Append(Escape(schedule.Description)).Append("</Description>\r\n");
        text.Append("    <URI>\\").Append(Escape(schedule.Name)).Append("</URI>\r\n");
        text.Append("  </RegistrationInfo>\r\n");
        text.Append("  <Triggers>\r\n    <CalendarTrigger>\r\n");
        text.Append("      <StartBoundary>2026-01-01T")
            .Append(schedule.At.ToString(@"hh\:mm", CultureInfo.InvariantCulture))
            .Append(":00</StartBoundary>\r\n");
        text.Append("      <ScheduleByDay>\r\n        <DaysInterval>1</DaysInterval>\r\n      </ScheduleByDay>\r\n");
        text.Append("    </CalendarTrigger>\r\n  </Triggers>\r\n");
        text.Append("  <Principals>\r\n    <Principal id=\"Author\">\r\n");
        text.Append("      <UserId>").Append(Escape(userId)).Append("</UserId>\r\n");
        text.Append("      <LogonType>S4U</LogonType>\r\n      <RunLevel>LeastPrivilege</RunLevel>\r\n");
        text.Append("    </Principal>\r\n  </Principals>\r\n");
        text.Append("  <Settings>\r\n");
        text.Append("    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\r\n");
        text.Append("    <StartWhenAvailable>true</StartWhenAvailable>\r\n");
        text.Append("    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>\r\n");
        text.Append("    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>\r\n");
        text.Append("    <ExecutionTimeLimit>PT4H</ExecutionTimeLimit>\r\n");
        text.Append("  </Settings>\r\n");
        text.Append("  <Actions Context=\"Author\">\r\n    <Exec>\r\n");
        text.Append("      <Command>").Append(Escape(schedule.PwshPath)).Append("</Command>\r\n");
        text.Append("      <Arguments>").Append(Escape(CommandLine(schedule))).Append("</Arguments>\r\n");
        text.Append("    </Exec>\r\n  </Actions>\r\n");
        text.Append("</Task>\r\n");
        return text.ToString();
    }

    /// <summary>The arguments as one Windows command line; the -Command text goes in double quotes (it holds
    /// none).</summary>
    public static string CommandLine(CleanupSchedule schedule)
    {
        var line = new StringBuilder();
        foreach (string argument in schedule.Arguments)
        {
            if (line.Length > 0)
                line.Append(' ');
            line.Append(
                argument.IndexOfAny(SchedulerTool.NeedsQuotes) < 0
                    ? argument
                    : "\"" + argument.Replace("\"", "\\\"") + "\""
            );
        }
        return line.ToString();
    }

    // element text: quotes stay readable
    private static string Escape(string value) => value.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
