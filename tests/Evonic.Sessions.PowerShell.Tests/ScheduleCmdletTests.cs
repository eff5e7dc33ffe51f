using System.Diagnostics;
using System.Management.Automation;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>
/// Register-, Get- and Unregister-EvonicSessionCleanup against stand-ins for systemctl, crontab, launchctl and id
/// (scripts on PATH that record how they were called), with HOME in a temporary folder; and the registered command
/// line run as cron and launchd would run it, with a pwsh that is this repository's console host.
/// </summary>
[Collection("engine")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ScheduleCmdletTests : SampleInstanceTest
{
    private readonly string _bin;
    private readonly string _calls;
    private readonly string _crontab;
    private readonly string? _path = Environment.GetEnvironmentVariable("PATH");
    private readonly string? _home = Environment.GetEnvironmentVariable("HOME");
    private readonly string? _xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");

    public ScheduleCmdletTests()
    {
        _bin = Temp.Combine("bin");
        _calls = Temp.Combine("calls.txt");
        _crontab = Temp.Combine("crontab.txt");
        Directory.CreateDirectory(_bin);
        Tool("systemctl", $"echo \"systemctl $*\" >> '{_calls}'");
        Tool("launchctl", $"echo \"launchctl $*\" >> '{_calls}'");
        Tool("id", "echo 501");
        Tool(
            "crontab",
            $"""
            echo "crontab $*" >> '{_calls}'
            if [ "$1" = "-l" ]; then
              if [ -f '{_crontab}' ]; then cat '{_crontab}'; else echo "no crontab for $USER" >&2; exit 1; fi
            elif [ "$1" = "-" ]; then cat > '{_crontab}'; fi
            """
        );
        // pwsh: the pinned one, so the registered command line runs here exactly as written.
        Tool("pwsh", $"exec '{PwshProcess.Executable}' \"$@\"");
        Environment.SetEnvironmentVariable("PATH", _bin + Path.PathSeparator + _path);
        Environment.SetEnvironmentVariable("HOME", Temp.Combine("home"));
        Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", null);
    }

    protected override void Restore()
    {
        Environment.SetEnvironmentVariable("PATH", _path);
        Environment.SetEnvironmentVariable("HOME", _home);
        Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", _xdg);
    }

    private void Tool(string name, string script)
    {
        string path = Path.Combine(_bin, name);
        File.WriteAllText(path, "#!/bin/sh\n" + script + "\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101); // these stand-ins are sh scripts: Unix only
    }

    private string[] Calls() => File.Exists(_calls) ? File.ReadAllLines(_calls) : Array.Empty<string>();

    private string Pwsh => Path.Combine(_bin, "pwsh");
    private string UnitFolder => Temp.Combine("home", ".config", "systemd", "user");
    private string Log => Path.Combine(Root, "logs", "session-cleanup.log");

    /// <summary>Runs a crontab line as cron does: after the five time fields, '\%' becomes '%' and the rest goes to
    /// /bin/sh.</summary>
    private static (int ExitCode, string Output) RunAsCron(string line)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(line.Split(' ', 6)[5].Replace("\\%", "%"));
        return PwshProcess.Run(start);
    }

    [Fact]
    public void Systemd_register_writes_the_units_enables_the_timer_and_get_and_unregister_find_them()
    {
        using var ps = new PowerShellSession();
        ScriptResult registered = ps.Run(
            $"Register-EvonicSessionCleanup -Path '{Root}' -At 04:30 -Scheduler Systemd -PwshPath '{Pwsh}'"
        );

        Assert.Empty(registered.Errors);
        string service = File.ReadAllText(Path.Combine(UnitFolder, "evonic-session-cleanup.service"));
        string timer = File.ReadAllText(Path.Combine(UnitFolder, "evonic-session-cleanup.timer"));
        Assert.Contains(
            $"ExecStart={Pwsh} -NoProfile -NonInteractive -Command \"Import-Module '{Repository.StagedManifest}'; "
                + $"Remove-EvonicOldSession -Path '{Root}' -Force -LogPath '{Log}'; exit [int](-not $$?)\"\n",
            service
        );
        Assert.Contains("OnCalendar=*-*-* 04:30:00\nPersistent=true\n", timer);
        Assert.Equal(
            new[] { "systemctl --user daemon-reload", "systemctl --user enable --now evonic-session-cleanup.timer" },
            Calls()
        );
        PSObject result = Assert.Single(registered.Output);
        Assert.Equal(TimeSpan.FromMinutes(270), result.Properties["At"].Value);
        Assert.Equal(Root, result.Properties["InstanceRoot"].Value);
        Assert.Equal(Log, result.Properties["LogPath"].Value);

        PSObject found = Assert.Single(ps.Run("Get-EvonicSessionCleanup -Scheduler Systemd").Output);
        Assert.Equal("Systemd", found.Properties["Scheduler"].Value.ToString());
        Assert.Null(found.Properties["LastRun"].Value);

        Assert.Empty(ps.Run("Unregister-EvonicSessionCleanup -Scheduler Systemd").Errors);
        Assert.False(File.Exists(Path.Combine(UnitFolder, "evonic-session-cleanup.service")));
        Assert.False(File.Exists(Path.Combine(UnitFolder, "evonic-session-cleanup.timer")));
        Assert.Equal(
            new[] { "systemctl --user disable --now evonic-session-cleanup.timer", "systemctl --user daemon-reload" },
            Calls()[2..]
        );
        ErrorRecord gone = Assert.Single(ps.Run("Unregister-EvonicSessionCleanup -Scheduler Systemd").Errors);
        Assert.Equal("ScheduleNotFound", gone.FullyQualifiedErrorId.Split(',')[0]);
    }

    [Fact]
    public void WhatIf_shows_the_files_and_commands_and_changes_nothing()
    {
        using var ps = new PowerShellSession();
        ScriptResult whatIf = ps.Run(
            $"Register-EvonicSessionCleanup -Path '{Root}' -Scheduler Systemd -PwshPath '{Pwsh}' -WhatIf"
        );

        Assert.Empty(whatIf.Errors);
        Assert.Empty(whatIf.Output);
        Assert.Contains(
            $"What if: Write "
                + $"'{Path.Combine(UnitFolder, "evonic-session-cleanup.service")}':\n[Unit]\nDescription=Evonic "
                + $"session cleanup of {Root}\n",
            whatIf.HostText
        );
        Assert.True(whatIf.HostText.Contains("[Timer]\nOnCalendar=*-*-* 04:00:00\nPersistent=true\n"), whatIf.HostText);
        Assert.Contains("What if: Run: systemctl --user enable --now evonic-session-cleanup.timer", whatIf.HostText);
        Assert.False(Directory.Exists(UnitFolder));
        Assert.Empty(Calls());
    }

    [Fact]
    public void Cron_register_adds_one_marked_line_keeps_the_users_own_and_the_line_runs_the_cleanup()
    {
        File.WriteAllText(_crontab, "MAILTO=admin@example.org\n30 2 * * 0 /usr/local/bin/backup.sh\n");
        using var ps = new PowerShellSession();

        Assert.Empty(
            ps.Run($"Register-EvonicSessionCleanup -Path '{Root}' -Scheduler Cron -PwshPath '{Pwsh}' -At 03:15").Errors
        );
        // again: replaced
        Assert.Empty(ps.Run($"Register-EvonicSessionCleanup -Path '{Root}' -Scheduler Cron -PwshPath '{Pwsh}'").Errors);

        string[] lines = File.ReadAllLines(_crontab);
        Assert.Equal(4, lines.Length);
        Assert.Equal(new[] { "MAILTO=admin@example.org", "30 2 * * 0 /usr/local/bin/backup.sh" }, lines[..2]);
        Assert.StartsWith("# evonic-session-cleanup: ", lines[2]);
        Assert.StartsWith($"0 4 * * * {Pwsh} -NoProfile -NonInteractive -Command \"Import-Module ", lines[3]);

        (int exit, string output) = RunAsCron(lines[3]);
        Assert.True(exit == 0, output);
        Assert.Contains(
            $"[SESSION_CLEANUP] done: removed {Sample.ExpectedRemoved.Count()} session(s)",
            File.ReadAllText(Log)
        );
        Assert.Empty(ps.Run($"Get-EvonicOldSession -Path '{Root}'").Output);

        PSObject found = Assert.Single(ps.Run("Get-EvonicSessionCleanup -Scheduler Cron").Output);
        Assert.Equal(TimeSpan.FromHours(4), found.Properties["At"].Value);
        Assert.NotNull(found.Properties["LastRun"].Value); // how to check the last run
        Assert.StartsWith("[SESSION_CLEANUP] done: removed", (string)found.Properties["LastResult"].Value);

        Assert.Empty(ps.Run("Unregister-EvonicSessionCleanup -Scheduler Cron").Errors);
        Assert.Equal("MAILTO=admin@example.org\n30 2 * * 0 /usr/local/bin/backup.sh\n", File.ReadAllText(_crontab));
    }

    [Fact]
    public void Launchd_register_writes_the_agent_and_its_arguments_run_the_cleanup_as_launchd_would()
    {
        using var ps = new PowerShellSession();
        Assert.Empty(
            ps.Run(
                $"Register-EvonicSessionCleanup -Path '{Root}' -Scheduler Launchd -PwshPath '{Pwsh}' -MaxAgeDays 90"
            ).Errors
        );

        string plist = Temp.Combine("home", "Library", "LaunchAgents", "org.evonic.evonic-session-cleanup.plist");
        Assert.Equal(new[] { $"launchctl bootstrap gui/501 {plist}" }, Calls());
        // launchd passes ProgramArguments to the process as they are: no shell.
        var arguments = System
            .Text.RegularExpressions.Regex.Matches(File.ReadAllText(plist), "<string>(.*?)</string>")
            .Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value))
            .Skip(1)
            .Take(5)
            .ToList();
        Assert.Equal(Pwsh, arguments[0]);
        var start = new ProcessStartInfo(arguments[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments.Skip(1))
            start.ArgumentList.Add(argument);
        (int exit, string output) = PwshProcess.Run(start);

        Assert.True(exit == 0, output);
        Assert.Empty(ps.Run($"Get-EvonicOldSession -Path '{Root}' -MaxAgeDays 90").Output);
        Assert.Empty(ps.Run("Unregister-EvonicSessionCleanup -Scheduler Launchd").Errors);
        Assert.False(File.Exists(plist));
        Assert.Equal($"launchctl bootout gui/501 {plist}", Calls()[^1]);
    }

    [Fact]
    public void A_registered_run_that_fails_exits_1_and_logs_the_failure()
    {
        File.WriteAllText(
            Path.Combine(Root, "agents", "echo", "chat.db"),
            "a damaged chat.db that is only text now, long enough"
        );
        using var ps = new PowerShellSession();
        Assert.Empty(ps.Run($"Register-EvonicSessionCleanup -Path '{Root}' -Scheduler Cron -PwshPath '{Pwsh}'").Errors);
        (int exit, _) = RunAsCron(File.ReadAllLines(_crontab)[^1]);

        Assert.Equal(1, exit);
        string log = File.ReadAllText(Log);
        Assert.Contains(
            $"[SESSION_CLEANUP] failed: agent echo: AgentDatabaseUnreadable "
                + $"'{Path.Combine(Root, "agents", "echo", "chat.db")}'",
            log
        );
        Assert.Contains("; 1 error(s); longest write transaction ", log);
    }

    [Fact]
    public void Register_refuses_a_folder_that_is_not_an_instance_and_a_missing_pwsh()
    {
        using var ps = new PowerShellSession();
        ErrorRecord notInstance = Assert.Single(
            ps.Run(
                $"Register-EvonicSessionCleanup -Path '{Temp.Combine("nope")}' -Scheduler Cron -PwshPath '{Pwsh}'"
            ).Errors
        );
        Assert.Equal("InstanceNotFound", notInstance.FullyQualifiedErrorId.Split(',')[0]);

        File.Delete(Pwsh);
        Environment.SetEnvironmentVariable("PATH", _bin);
        ErrorRecord noPwsh = Assert.Single(
            ps.Run($"Register-EvonicSessionCleanup -Path '{Root}' -Scheduler Cron").Errors
        );
        Assert.Equal("SchedulerNotFound", noPwsh.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Contains("-PwshPath", noPwsh.Exception.Message);
        Assert.False(File.Exists(_crontab));
    }

    [Fact]
    public void Register_refuses_to_schedule_a_module_every_user_can_write_and_names_the_path()
    {
        // Before, the job pinned whatever folder the module came from, e.g. a build folder others could write.
        string module = Temp.Combine("shared-build", "Evonic.Sessions");
        Directory.CreateDirectory(module);
        File.WriteAllText(Path.Combine(module, "Evonic.Sessions.psd1"), "@{}");
        File.SetUnixFileMode(Path.GetDirectoryName(module)!, (UnixFileMode)Convert.ToInt32("777", 8));
        using var ps = new PowerShellSession();

        ErrorRecord refused = Assert.Single(
            ps.Run(
                $"Register-EvonicSessionCleanup -Path '{Root}' -Scheduler Cron -PwshPath '{Pwsh}' -ModulePath "
                    + $"'{Path.Combine(module, "Evonic.Sessions.psd1")}'"
            ).Errors
        );

        Assert.Equal("UntrustedCode", refused.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.SecurityError, refused.CategoryInfo.Category);
        Assert.Contains($"'{Path.GetDirectoryName(module)}' can be written by every user", refused.Exception.Message);
        Assert.False(File.Exists(_crontab));
    }
}
