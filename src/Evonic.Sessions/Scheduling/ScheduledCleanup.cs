using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Evonic.Sessions.Cleanup;

namespace Evonic.Sessions.Scheduling;

/// <summary>A registered daily cleanup, as read back from the scheduler, with its last run from its log file.</summary>
public sealed class ScheduledCleanup
{
    private static readonly Regex PathArgument = new(@"-Path '((?:[^']|'')*)'", RegexOptions.CultureInvariant);
    private static readonly Regex LogPathArgument = new(@"-LogPath '((?:[^']|'')*)'", RegexOptions.CultureInvariant);

    public string Name { get; internal set; } = "";
    public SchedulerKind Scheduler { get; internal set; }
    public SchedulerScope Scope { get; internal set; }

    /// <summary>The time of day it runs (local time of the machine).</summary>
    public TimeSpan? At { get; internal set; }

    public string? InstanceRoot { get; internal set; }
    public string? LogPath { get; internal set; }

    /// <summary>The command line as the scheduler holds it.</summary>
    public string Command { get; internal set; } = "";

    /// <summary>Where the definition lives: unit files, the plist, "crontab", or the task path.</summary>
    public string[] Definition { get; internal set; } = Array.Empty<string>();

    /// <summary>When the last run ended (UTC), from the log file's last closing line; null when it never ran.</summary>
    public DateTime? LastRun { get; internal set; }

    /// <summary>The last run's closing <c>[SESSION_CLEANUP]</c> line.</summary>
    public string? LastResult { get; internal set; }

    /// <summary>"HH:mm" (or longer, e.g. "04:00:00") as a time of day; null when it is not one.</summary>
    internal static TimeSpan? TimeOfDay(string text) =>
        TimeSpan.TryParseExact(
            text.Length > 5 ? text.Substring(0, 5) : text,
            @"hh\:mm",
            CultureInfo.InvariantCulture,
            out TimeSpan at
        )
            ? at
            : null;

    internal static ScheduledCleanup From(
        string name,
        SchedulerKind scheduler,
        SchedulerScope scope,
        TimeSpan? at,
        string command,
        params string[] definition
    )
    {
        var found = new ScheduledCleanup
        {
            Name = name,
            Scheduler = scheduler,
            Scope = scope,
            At = at,
            Command = command,
            Definition = definition,
            InstanceRoot = Argument(PathArgument, command),
            LogPath = Argument(LogPathArgument, command),
        };
        found.ReadLastRun();
        return found;
    }

    private static string? Argument(Regex pattern, string command)
    {
        Match match = pattern.Match(command);
        return match.Success ? match.Groups[1].Value.Replace("''", "'") : null;
    }

    private void ReadLastRun()
    {
        if (LogPath == null || !File.Exists(LogPath))
            return;
        try
        {
            string? last = File.ReadLines(LogPath).LastOrDefault(l => l.Contains(CleanupSummary.Tag + " done:"));
            if (last == null || last.Length < 21)
                return;
            if (
                DateTime.TryParseExact(
                    last.Substring(0, 20),
                    "yyyy-MM-ddTHH:mm:ssZ",
                    CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal,
                    out DateTime at
                )
            )
                LastRun = at;
            LastResult = last.Substring(21);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The schedule is still listed; its last run is just unknown.
        }
    }
}
