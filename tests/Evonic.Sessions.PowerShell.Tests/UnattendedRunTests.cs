using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using Evonic.Sessions.SampleData;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>
/// A run nobody watches (the 04:00 job): it never waits on a prompt, logs [SESSION_CLEANUP] lines to a file, tells
/// success from failure by its exit code, and never overlaps a run that is still going.
/// </summary>
[Collection("engine")]
public sealed class UnattendedRunTests : SampleInstanceTest
{
    private string LockFile => Path.Combine(Root, ".evonic-session-cleanup.lock");

    [Fact]
    public void LogPath_appends_a_timestamped_line_per_agent_and_a_closing_line_per_run()
    {
        string log = Temp.Combine("logs", "cleanup.log");
        using var ps = new PowerShellSession(interactive: false);

        Assert.Empty(ps.Run($"Remove-EvonicOldSession -Path '{Root}' -Force -LogPath '{log}'").Errors);
        Assert.Empty(ps.Run($"Remove-EvonicOldSession -Path '{Root}' -Force -LogPath '{log}'").Errors);

        string[] lines = File.ReadAllLines(log);
        Assert.All(lines, l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \[SESSION_CLEANUP\] ", l));
        Assert.Equal(18, lines.Length); // 8 agents and a closing line, twice
        Assert.Contains(
            $"[SESSION_CLEANUP] done: removed {Sample.ExpectedRemoved.Count()} session(s), 96 message(s), 14 file(s)",
            lines[8]
        );
        Assert.Contains("[SESSION_CLEANUP] done: removed 0 session(s)", lines[17]);
        Assert.Contains("[SESSION_CLEANUP] agent nova: removed 2 session(s), 43 message(s)", lines[5]);
    }

    [Fact]
    public void WhatIf_writes_no_log_file_and_no_lock_file()
    {
        string log = Temp.Combine("cleanup.log");
        using var ps = new PowerShellSession();
        Assert.Empty(ps.Run($"Remove-EvonicOldSession -Path '{Root}' -LogPath '{log}' -WhatIf").Errors);
        Assert.False(File.Exists(log));
        Assert.False(File.Exists(LockFile));
    }

    [Fact]
    public void A_scheduled_run_with_cleanup_disabled_in_the_env_file_logs_it_and_exits_0()
    {
        File.WriteAllText(Path.Combine(Root, ".env"), "EVONIC_SESSION_MAX_AGE_DAYS=0\n");
        string log = Temp.Combine("cleanup.log");
        HashSet<string> before = InstanceSnapshot.Take(Root);

        (int exit, string output) = PwshProcess.Run(
            "-NoProfile",
            "-NonInteractive",
            "-Command",
            $"Import-Module Evonic.Sessions; Remove-EvonicOldSession -Path '{Root}' -Force -LogPath '{log}'; exit "
                + $"[int](-not $?)"
        );

        Assert.True(exit == 0, output);
        Assert.Contains(
            "[SESSION_CLEANUP] cleanup disabled: MaxAgeDays is 0 (from EVONIC_SESSION_MAX_AGE_DAYS in '"
                + Path.Combine(Root, ".env")
                + "')",
            File.ReadAllText(log)
        );
        Assert.Equal(before, InstanceSnapshot.Take(Root));
    }

    [Fact]
    public void Without_Force_a_non_interactive_run_fails_at_once_and_says_to_add_Force()
    {
        var clock = Stopwatch.StartNew();
        (int exit, string output) = PwshProcess.Run(
            "-NoProfile",
            "-NonInteractive",
            "-Command",
            $"Remove-EvonicOldSession -Path '{Root}'"
        );

        Assert.Equal(1, exit);
        Assert.Contains("needs confirmation", output);
        Assert.Contains("Add -Force", output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "it must not wait for an answer");
        using var ps = new PowerShellSession();
        Assert.Equal(Sample.ExpectedRemoved, Keys(ps.Run($"Get-EvonicOldSession -Path '{Root}'").Output));
    }

    [Fact]
    public void A_second_run_while_one_holds_the_lock_removes_nothing_and_says_why()
    {
        HashSet<string> before = InstanceSnapshot.Take(Root);
        using var ps = new PowerShellSession(interactive: false);
        ScriptResult second;
        using (new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)) // the first run
            second = ps.Run($"Remove-EvonicOldSession -Path '{Root}' -Force -InformationAction Continue");

        ErrorRecord error = Assert.Single(second.Errors);
        Assert.Equal("CleanupAlreadyRunning", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.ResourceBusy, error.CategoryInfo.Category);
        Assert.Contains("Another session cleanup", error.Exception.Message);
        before.RemoveWhere(l => l.StartsWith(".evonic-session-cleanup.lock", StringComparison.Ordinal));
        HashSet<string> after = InstanceSnapshot.Take(Root);
        after.RemoveWhere(l => l.StartsWith(".evonic-session-cleanup.lock", StringComparison.Ordinal));
        Assert.Equal(before, after);

        ScriptResult next = ps.Run($"Remove-EvonicOldSession -Path '{Root}' -Force -PassThru");
        Assert.Empty(next.Errors);
        Assert.Equal(Sample.ExpectedRemoved, Keys(next.Output));
    }

    [Fact]
    public void The_lock_of_a_run_that_crashed_is_released_by_the_system()
    {
        var bulk = BulkInstance.Create(
            Temp.Combine("bulk"),
            DateTime.UtcNow,
            agents: 3,
            sessionsPerAgent: 2000,
            seed: 3
        );
        string lockFile = Path.Combine(bulk.Root, ".evonic-session-cleanup.lock");
        using Process first = Process.Start(
            PwshProcess.StartInfo(
                "-NonInteractive",
                "-Command",
                $"Remove-EvonicOldSession -Path '{bulk.Root}' -MaxAgeDays 90 -Force"
            )
        )!;
        first.OutputDataReceived += (_, _) => { };
        first.ErrorDataReceived += (_, _) => { };
        first.BeginOutputReadLine();
        first.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (!IsLocked(lockFile))
        {
            Assert.False(first.HasExited, "the first run ended before it was seen holding the lock");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the first run never took the lock");
            Thread.Sleep(5);
        }
        // Frozen while it holds the lock: on a fast machine the first run could otherwise finish, and release the lock,
        // before the overlapping run has even listed the instance.
        Freeze(first);
        using var ps = new PowerShellSession(interactive: false);
        ScriptResult overlapping = ps.Run($"Remove-EvonicOldSession -Path '{bulk.Root}' -MaxAgeDays 90 -Force");

        first.Kill(entireProcessTree: true); // a crash: nothing releases the lock but the system
        first.WaitForExit();
        ScriptResult after = ps.Run($"Remove-EvonicOldSession -Path '{bulk.Root}' -MaxAgeDays 90 -Force -PassThru");

        Assert.Equal("CleanupAlreadyRunning", Assert.Single(overlapping.Errors).FullyQualifiedErrorId.Split(',')[0]);
        Assert.Empty(after.Errors);
        Assert.True(File.Exists(lockFile));
        Assert.Empty(ps.Run($"Get-EvonicOldSession -Path '{bulk.Root}' -MaxAgeDays 90").Output);
    }

    /// <summary>Stops the process where it is (SIGSTOP), as a hung run would be; it holds whatever it held.</summary>
    private static void Freeze(Process process)
    {
        using Process stop = Process.Start(
            "kill",
            new[] { "-STOP", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }
        )!;
        stop.WaitForExit();
        Assert.Equal(0, stop.ExitCode);
    }

    private static bool IsLocked(string path)
    {
        if (!File.Exists(path))
            return false;
        try
        {
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    [Fact]
    public void A_stale_session_count_is_fixed_even_when_nothing_is_left_to_remove()
    {
        using (var main = InstanceBuilder.Connect(Path.Combine(Root, "shared", "db", "evonic.db")))
            InstanceBuilder.Exec(main, "UPDATE agents SET session_count = 99 WHERE id = 'atlas'");
        using var ps = new PowerShellSession(interactive: false);

        Assert.Empty(ps.Run($"Remove-EvonicOldSession -Path '{Root}' -AgentId atlas -Force").Errors);

        using var check = InstanceBuilder.Connect(Path.Combine(Root, "shared", "db", "evonic.db"));
        Assert.Equal(2L, InstanceBuilder.Query(check, "SELECT session_count FROM agents WHERE id = 'atlas'")[0][0]);
    }
}
