using System;
using System.Collections.Generic;
using System.Globalization;

namespace Evonic.Sessions.Scheduling;

/// <summary>
/// What the daily cleanup runs and when: <c>pwsh -NoProfile -NonInteractive -Command "Import-Module &lt;module&gt;;
/// Remove-EvonicOldSession -Path &lt;root&gt; -Force -LogPath &lt;log&gt; ...; exit [int](-not $?)"</c> at
/// <see cref="At"/> every day. The exit code is 0 on success and 1 when any error was written.
/// </summary>
public sealed class CleanupSchedule
{
    public const string DefaultName = "evonic-session-cleanup";

    public CleanupSchedule(
        string name,
        string instanceRoot,
        TimeSpan at,
        string module,
        string pwshPath,
        string logPath,
        int? maxAgeDays,
        bool archive = false,
        bool optimize = false
    )
    {
        if (at < TimeSpan.Zero || at >= TimeSpan.FromDays(1) || at.Seconds != 0 || at.Milliseconds != 0)
            throw new EvonicException(
                EvonicErrorKind.InvalidSetting,
                $"The time of day must be a whole minute between 00:00 and 23:59, not {at}.",
                at
            );
        if (!IsValidName(name))
            throw new EvonicException(
                EvonicErrorKind.InvalidSetting,
                $"'{name}' cannot name a scheduled task: use letters, digits, '-', '_' and '.' only.",
                name
            );
        Name = name;
        InstanceRoot = instanceRoot;
        At = at;
        Module = module;
        PwshPath = pwshPath;
        LogPath = logPath;
        MaxAgeDays = maxAgeDays;
        Archive = archive;
        Optimize = optimize;
    }

    public string Name { get; }
    public string InstanceRoot { get; }
    public TimeSpan At { get; }

    /// <summary>What the job imports: the module's name (found on the module path, newest version first) or a path
    /// (<see cref="JobCode.ModuleImport"/>).</summary>
    public string Module { get; }
    public string PwshPath { get; }
    public string LogPath { get; }

    /// <summary>Null: each run reads EVONIC_SESSION_MAX_AGE_DAYS (environment, then the instance's .env), so it can be
    /// changed or set to 0 later.</summary>
    public int? MaxAgeDays { get; }

    /// <summary>True: every run archives (-Archive). False: each run follows EVONIC_SESSION_ARCHIVE, as /clear
    /// does.</summary>
    public bool Archive { get; }

    /// <summary>True: every run gives the free pages of incremental databases back after the removal
    /// (-Optimize).</summary>
    public bool Optimize { get; }

    /// <summary>The PowerShell the scheduler runs.</summary>
    public string Command =>
        $"Import-Module {(Module == JobCode.ModuleName ? Module : Quote(Module))}; Remove-EvonicOldSession -Path "
        + $"{Quote(InstanceRoot)} -Force -LogPath {Quote(LogPath)}"
        + (MaxAgeDays is { } days ? " -MaxAgeDays " + days.ToString(CultureInfo.InvariantCulture) : "")
        + (Archive ? " -Archive" : "")
        + (Optimize ? " -Optimize" : "")
        + "; exit [int](-not $?)";

    /// <summary>The arguments after <see cref="PwshPath"/>, one string each, before any quoting for a
    /// scheduler.</summary>
    public IReadOnlyList<string> Arguments => new[] { "-NoProfile", "-NonInteractive", "-Command", Command };

    public string Description => $"Evonic session cleanup of {InstanceRoot}";

    public static bool IsValidName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 100)
            return false;
        foreach (char c in name)
            if (!(c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-' or '_' or '.'))
                return false;
        return true;
    }

    /// <summary>A PowerShell single-quoted string: nothing inside is expanded.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "''") + "'";
}
