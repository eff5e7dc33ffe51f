using System.Diagnostics;
using System.Management.Automation;
using Evonic.Sessions.SampleData;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>
/// One agent or one file fails (locked past the timeout, read-only, disk full, a log that cannot be deleted): that is
/// a non-terminating error for it, the rest of the run goes on, the summary counts it, and the exit code says so.
/// </summary>
[Collection("engine")]
public sealed class PartialFailureTests : SampleInstanceTest
{
    private readonly ITestOutputHelper _output;

    public PartialFailureTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void A_read_only_instance_can_be_listed_and_a_removal_stops_at_its_lock_and_changes_nothing()
    {
        HashSet<string> before = InstanceSnapshot.Take(Root);
        using var ps = new PowerShellSession();
        ScriptResult listed,
            removal;
        using (var protection = new WriteProtection())
        {
            protection.ProtectTree(Root);
            listed = ps.Run($"Get-EvonicOldSession -Path '{Root}'");
            removal = ps.Run($"Remove-EvonicOldSession -Path '{Root}' -Force -InformationAction Continue");
        }

        Assert.Empty(listed.Errors);
        Assert.Equal(Sample.ExpectedRemoved, Keys(listed.Output));
        // No lock, no run: the lock file cannot be created, so nothing is attempted (before, each agent failed on its
        // own).
        ErrorRecord error = Assert.Single(removal.Errors);
        Assert.Equal("CleanupLockFailed", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Equal(Path.Combine(Root, ".evonic-session-cleanup.lock"), error.TargetObject);
        Assert.StartsWith("[SESSION_CLEANUP] done: removed 0 session(s)", removal.Information[^1]);
        Assert.Contains("; 0 kept; 1 error(s);", removal.Information[^1]);
        Assert.Equal(before, InstanceSnapshot.Take(Root));
    }

    [Fact]
    public void A_log_that_cannot_be_deleted_is_an_error_for_that_file_and_the_next_run_removes_it()
    {
        string log = Path.Combine(Root, "agents", "siwa", "sessions", "7b2c.jsonl");
        using var ps = new PowerShellSession();
        ScriptResult removal;
        using (var protection = new WriteProtection())
        {
            protection.Protect(log);
            removal = ps.Run($"Remove-EvonicOldSession -Path '{Root}' -Force -PassThru -InformationAction Continue");
        }

        ErrorRecord error = Assert.Single(removal.Errors, e => log.Equals(e.TargetObject));
        Assert.Equal("FileDeleteFailed", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.WriteError, error.CategoryInfo.Category);
        Assert.Contains(log, error.Exception.Message);
        Assert.All(removal.Errors, e => Assert.Equal("FileDeleteFailed", e.FullyQualifiedErrorId.Split(',')[0]));
        Assert.Equal(Sample.ExpectedRemoved, Keys(removal.Output)); // the rows went; only files stayed
        Assert.Contains($"; {removal.Errors.Count} error(s);", removal.Information[^1]);
        Assert.True(File.Exists(log));
        Assert.Contains($"[SESSION_CLEANUP] failed: agent siwa: FileDeleteFailed '{log}'", removal.Information);

        ScriptResult rerun = ps.Run($"Remove-EvonicOldSession -Path '{Root}' -Force -PassThru");
        Assert.Empty(rerun.Errors);
        Assert.Contains("siwa/siwa-7b2c", Keys(rerun.Output));
        Assert.False(File.Exists(log));
    }

    [Fact]
    public void An_agent_locked_past_the_timeout_is_an_error_for_that_agent_and_the_others_are_cleaned()
    {
        string novaDb = Path.Combine(Root, "agents", "nova", "chat.db");
        HashSet<string> novaBefore = InstanceSnapshot.Take(Path.Combine(Root, "agents", "nova"));
        using var ps = new PowerShellSession();
        ScriptResult removal;
        var clock = Stopwatch.StartNew();
        using (SqliteConnection holder = InstanceBuilder.Connect(novaDb))
        {
            InstanceBuilder.Exec(holder, "BEGIN IMMEDIATE"); // another writer holds the lock for the whole run
            removal = ps.Run($"Remove-EvonicOldSession -Path '{Root}' -Force -PassThru -InformationAction Continue");
            InstanceBuilder.Exec(holder, "ROLLBACK");
        }

        ErrorRecord error = Assert.Single(removal.Errors);
        Assert.Equal("DatabaseLocked", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.ResourceBusy, error.CategoryInfo.Category);
        Assert.Equal(novaDb, error.TargetObject);
        Assert.True(
            clock.Elapsed >= TimeSpan.FromSeconds(10),
            "the cleanup must wait the full busy timeout before giving up"
        );
        Assert.Equal(
            Sample.ExpectedRemoved.Where(k => !k.StartsWith("nova/", StringComparison.Ordinal)),
            Keys(removal.Output)
        );
        Assert.Contains(
            "[SESSION_CLEANUP] agent nova: removed 0 session(s), 0 message(s), 0 file(s), 0 B freed; 0 kept; 1 "
                + "error(s)",
            removal.Information
        );
        // the log says what failed
        Assert.Contains($"[SESSION_CLEANUP] failed: agent nova: DatabaseLocked '{novaDb}'", removal.Information);
        Assert.Equal(novaBefore, InstanceSnapshot.Take(Path.Combine(Root, "agents", "nova")));
    }

    [Fact]
    public void A_scheduled_run_exits_0_on_success_and_1_on_partial_failure()
    {
        string script = $"Remove-EvonicOldSession -Path '{Root}' -Force -InformationAction Continue";
        File.WriteAllText(
            Path.Combine(Root, "agents", "echo", "chat.db"),
            "this chat.db is damaged beyond repair, it is only text now"
        );

        (int partial, string partialOutput) = PwshProcess.Run("-NonInteractive", "-Command", script);
        (int clean, string cleanOutput) = PwshProcess.Run(
            "-NonInteractive",
            "-Command",
            script.Replace("-Force", "-Force -AgentId siwa,nova")
        );

        Assert.True(partial == 1, partialOutput);
        Assert.Contains("1 error(s)", partialOutput);
        Assert.Contains("echo", partialOutput);
        Assert.True(clean == 0, cleanOutput);
        // the first run already removed siwa's and nova's
        Assert.Contains("[SESSION_CLEANUP] done: removed 0 session(s)", cleanOutput);
    }

    [Fact]
    public void A_disk_that_fills_up_mid_run_fails_the_agent_whose_write_it_stops_and_loses_nothing()
    {
        if (!OperatingSystem.IsLinux())
            return; // the file-size limit below is how Linux makes a write fail like a full disk
        var bulk = BulkInstance.Create(
            Temp.Combine("bulk"),
            DateTime.UtcNow,
            agents: 2,
            sessionsPerAgent: 600,
            seed: 7
        );
        string[] agents = { "agent00", "agent01" };
        SessionCensus before = SessionCensus.Take(bulk.Root, agents);

        // A file-size limit (RLIMIT_FSIZE) set once the host is up: SQLite's -shm (32 KB) still fits, a WAL of
        // more than 7 pages does not, so a write fails as on a full disk (EFBIG where a full disk gives ENOSPC).
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string argument in new[] { "-c", "trap '' XFSZ; exec \"$0\" \"$@\"" })
            start.ArgumentList.Add(argument);
        ProcessStartInfo host = PwshProcess.StartInfo(
            "-NonInteractive",
            "-Command",
            $"Import-Module Evonic.Sessions; 'READY'; [void][Console]::In.ReadLine(); Remove-EvonicOldSession -Path "
                + $"'{bulk.Root}' -MaxAgeDays 90 -Force -InformationAction Continue"
        );
        start.ArgumentList.Add(host.FileName);
        foreach (string argument in host.ArgumentList)
            start.ArgumentList.Add(argument);
        foreach ((string name, string? value) in host.Environment)
            start.Environment[name] = value;
        using Process process = Process.Start(start)!;
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
                stderr.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
        Assert.Equal("READY", process.StandardOutput.ReadLine());
        using (Process limit = Process.Start("prlimit", $"--pid {process.Id} --fsize=32768:32768")!)
        {
            limit.WaitForExit();
            Assert.Equal(0, limit.ExitCode);
        }
        process.StandardInput.WriteLine();
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000));
        process.WaitForExit(); // flushes the stderr events
        lock (stderr)
            output += stderr.ToString();
        _output.WriteLine(output);

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("error(s)", output);
        Assert.Contains("disk I/O error", output);
        SessionCensus after = SessionCensus.Take(bulk.Root, agents);
        after.AssertWholeOrGone(before, bulk.ExpectedRemoved);
        Assert.True(
            after.Sessions.Count > before.Sessions.Count - bulk.ExpectedRemoved.Count(),
            "the full disk stopped nothing"
        );

        using var ps = new PowerShellSession();
        Assert.Empty(ps.Run($"Remove-EvonicOldSession -Path '{bulk.Root}' -MaxAgeDays 90 -Force").Errors);
        SessionCensus finished = SessionCensus.Take(bulk.Root, agents);
        Assert.Equal(
            bulk.Sessions.Keys.Except(bulk.ExpectedRemoved).OrderBy(k => k, StringComparer.Ordinal),
            finished.Sessions.Keys.OrderBy(k => k, StringComparer.Ordinal)
        );
    }
}
