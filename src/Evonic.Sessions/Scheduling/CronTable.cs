using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Evonic.Sessions.Scheduling;

/// <summary>
/// The cron fallback: one line in the user's crontab, below a marker comment that names it, so it can be found,
/// replaced and removed without touching the user's other lines.
/// </summary>
public static class CronTable
{
    public static string Marker(string name) =>
        "# " + name + ": Evonic session cleanup, managed by Register-EvonicSessionCleanup";

    /// <summary>The entry: minute, hour, every day; the command for /bin/sh, with '%' escaped as cron
    /// requires.</summary>
    public static string Line(CleanupSchedule schedule)
    {
        var line = new StringBuilder();
        line.Append(schedule.At.Minutes.ToString(CultureInfo.InvariantCulture))
            .Append(' ')
            .Append(schedule.At.Hours.ToString(CultureInfo.InvariantCulture))
            .Append(" * * * ");
        line.Append(ShellWord(schedule.PwshPath));
        foreach (string argument in schedule.Arguments)
            line.Append(' ').Append(ShellWord(argument));
        return line.ToString();
    }

    /// <summary>The crontab with this schedule's marker and line added, replacing an earlier one of the same
    /// name.</summary>
    public static string WithEntry(string crontab, CleanupSchedule schedule)
    {
        List<string> lines = Without(crontab, schedule.Name);
        lines.Add(Marker(schedule.Name));
        lines.Add(Line(schedule));
        return string.Join("\n", lines) + "\n";
    }

    /// <summary>The crontab without the named entry (and its marker); every other line as it was.</summary>
    public static string WithoutEntry(string crontab, string name)
    {
        List<string> lines = Without(crontab, name);
        return lines.Count == 0 ? "" : string.Join("\n", lines) + "\n";
    }

    /// <summary>The named entry's line, or null.</summary>
    public static string? FindLine(string crontab, string name)
    {
        string[] lines = Split(crontab);
        int marker = Array.IndexOf(lines, Marker(name));
        return marker >= 0 && marker + 1 < lines.Length ? lines[marker + 1] : null;
    }

    private static List<string> Without(string crontab, string name)
    {
        var kept = new List<string>();
        string[] lines = Split(crontab);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i] == Marker(name))
            {
                i++; // and the line below it
                continue;
            }
            kept.Add(lines[i]);
        }
        while (kept.Count > 0 && kept[kept.Count - 1].Length == 0)
            kept.RemoveAt(kept.Count - 1);
        return kept;
    }

    private static string[] Split(string crontab) =>
        crontab.Replace("\r\n", "\n").TrimEnd('\n').Split('\n').Where((l, i) => l.Length > 0 || i > 0).ToArray();

    /// <summary>Characters /bin/sh gives a meaning to: a word with any of them is quoted.</summary>
    private static readonly char[] ShellSpecial =
    {
        ' ',
        '\t',
        '"',
        '\'',
        '\\',
        ';',
        '$',
        '`',
        '(',
        ')',
        '[',
        ']',
        '*',
        '?',
        '&',
        '|',
        '<',
        '>',
        '#',
        '~',
    };

    /// <summary>A word for /bin/sh, in double quotes when needed ('\', '"', '$', '`' escaped), then cron's '%'
    /// escaped.</summary>
    private static string ShellWord(string value)
    {
        bool plain = value.Length > 0 && value.IndexOfAny(ShellSpecial) < 0;
        string word = plain
            ? value
            : "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("$", "\\$").Replace("`", "\\`") + "\"";
        return word.Replace("%", "\\%");
    }
}
