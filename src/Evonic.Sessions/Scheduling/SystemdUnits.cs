using System.Globalization;
using System.Text;

namespace Evonic.Sessions.Scheduling;

/// <summary>
/// A systemd service that runs the cleanup once, and a timer that starts it daily. <c>Persistent=true</c> makes a
/// run missed while the machine was off happen at the next boot.
/// </summary>
public static class SystemdUnits
{
    public static string Service(CleanupSchedule schedule)
    {
        var text = new StringBuilder();
        text.Append("[Unit]\n");
        text.Append("Description=").Append(Escape(schedule.Description)).Append('\n');
        text.Append("Documentation=man:systemd.timer(5)\n");
        text.Append('\n');
        text.Append("[Service]\n");
        text.Append("Type=oneshot\n");
        text.Append("ExecStart=").Append(ExecStart(schedule)).Append('\n');
        return text.ToString();
    }

    public static string Timer(CleanupSchedule schedule) =>
        "[Unit]\n"
        + "Description=Daily "
        + Escape(schedule.Description)
        + "\n"
        + "\n"
        + "[Timer]\n"
        + "OnCalendar=*-*-* "
        + schedule.At.ToString(@"hh\:mm", CultureInfo.InvariantCulture)
        + ":00\n"
        + "Persistent=true\n"
        + "Unit="
        + schedule.Name
        + ".service\n"
        + "\n"
        + "[Install]\n"
        + "WantedBy=timers.target\n";

    /// <summary>The command line: each argument in double quotes where needed, '$' and '%' doubled as systemd
    /// requires.</summary>
    public static string ExecStart(CleanupSchedule schedule)
    {
        var line = new StringBuilder(Argument(schedule.PwshPath));
        foreach (string argument in schedule.Arguments)
            line.Append(' ').Append(Argument(argument));
        return line.ToString();
    }

    /// <summary>Characters systemd splits or unquotes a command line at: an argument with any of them is
    /// quoted.</summary>
    private static readonly char[] Special = { ' ', '\t', '"', '\'', '\\', ';' };

    private static string Argument(string value)
    {
        string escaped = Escape(value).Replace("\\", "\\\\").Replace("\"", "\\\"");
        return value.Length > 0 && value.IndexOfAny(Special) < 0 ? escaped : "\"" + escaped + "\"";
    }

    /// <summary>systemd expands '%' specifiers everywhere and '$' variables in ExecStart.</summary>
    private static string Escape(string value) => value.Replace("%", "%%").Replace("$", "$$");
}
