using System.Management.Automation;
using Evonic.Sessions.SampleData;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>The cmdlets as an administrator uses them: real pipelines in the real engine, on a realistic
/// instance.</summary>
[Collection("engine")] // the tests set process-wide environment variables
public sealed class CmdletTests : SampleInstanceTest
{
    private static List<string> WhatIfTargets(string hostText) =>
        hostText
            .Split('\n')
            .Where(l => l.StartsWith("What if: Performing", StringComparison.Ordinal))
            .Select(l =>
            {
                string agent = l.Split("agent '")[1].Split('\'')[0];
                string session = l.Split("session '")[1].Split('\'')[0];
                return agent + "/" + session;
            })
            .OrderBy(k => k, StringComparer.Ordinal)
            .ToList();

    [Fact]
    public void The_module_exports_exactly_its_cmdlets_with_output_types()
    {
        using var ps = new PowerShellSession();
        ScriptResult result = ps.Run(
            "Get-Command -Module Evonic.Sessions | ForEach-Object { $_.Name + '=' + ($_.OutputType.Name -join ',') }"
        );
        Assert.Equal(
            new[]
            {
                "Export-EvonicUserData=Evonic.Sessions.UserDataExportResult",
                "Get-EvonicErasure=Evonic.Sessions.ErasureRecord",
                "Get-EvonicOldSession=Evonic.Sessions.EvonicSession",
                "Get-EvonicSessionArchive=Evonic.Sessions.ArchivedSessionInfo",
                "Get-EvonicSessionCleanup=Evonic.Sessions.Scheduling.ScheduledCleanup",
                "Get-EvonicSessionPolicy=Evonic.Sessions.EvonicSessionPolicy",
                "Get-EvonicSessionStore=Evonic.Sessions.DatabaseSpace",
                "Measure-EvonicSession=Evonic.Sessions.EvonicSessionMeasure",
                "Optimize-EvonicSessionStore=Evonic.Sessions.SpaceReturned",
                "Register-EvonicSessionCleanup=Evonic.Sessions.Scheduling.ScheduledCleanup",
                "Remove-EvonicOldSession=Evonic.Sessions.SessionRemovalResult",
                "Remove-EvonicSessionArchive=",
                "Remove-EvonicSessionHold=",
                "Remove-EvonicUserData=Evonic.Sessions.ErasureRecord",
                "Restore-EvonicSession=Evonic.Sessions.SessionRestoreResult",
                "Set-EvonicSessionPolicy=Evonic.Sessions.EvonicSessionPolicy",
                "Unregister-EvonicSessionCleanup=",
            },
            result.Output.Select(o => o.ToString()).OrderBy(s => s)
        );
        ScriptResult confirm = ps.Run(
            "(Get-Command Remove-EvonicOldSession).Parameters.ContainsKey('WhatIf'); (Get-Command "
                + "Remove-EvonicOldSession).ImplementingType.GetCustomAttributes([System.Management.Automation.Cmdlet"
                + "Attribute], $true)[0].ConfirmImpact"
        );
        Assert.Equal(new[] { "True", "High" }, confirm.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void Get_lists_exactly_the_removable_sessions_and_with_IncludeProtected_the_reasons()
    {
        using var ps = new PowerShellSession();
        ScriptResult listed = ps.Run($"Get-EvonicOldSession -Path '{Root}'");
        Assert.Empty(listed.Errors);
        Assert.Equal(Sample.ExpectedRemoved, Keys(listed.Output));
        Assert.All(listed.Output, o => Assert.Equal("Evonic.Sessions.EvonicSession", o.TypeNames[0]));

        ScriptResult all = ps.Run(
            $"Get-EvonicOldSession -Path '{Root}' -IncludeProtected | Where-Object {{ $_.Protection -ne 'None' }} | "
                + $"ForEach-Object {{ $_.SessionId + '=' + $_.Protection }}"
        );
        var reasons = all.Output.Select(o => o.ToString()).ToDictionary(s => s.Split('=')[0], s => s.Split('=')[1]);
        foreach (
            var (key, expected) in Sample.Expectations.Where(e =>
                e.Value != "remove" && !e.Value.StartsWith("recent", StringComparison.Ordinal)
            )
        )
            Assert.Contains(expected, reasons[key.Split('/')[1]]);
    }

    [Fact]
    public void WhatIf_lists_the_same_set_that_the_removal_takes_and_changes_nothing()
    {
        using var ps = new PowerShellSession();
        HashSet<string> before = InstanceSnapshot.Take(Root);

        ScriptResult whatIf = ps.Run(
            $"Get-EvonicOldSession -Path '{Root}' | Remove-EvonicOldSession -WhatIf -InformationAction Continue"
        );

        Assert.Empty(whatIf.Errors);
        Assert.Equal(Sample.ExpectedRemoved, WhatIfTargets(whatIf.HostText));
        Assert.Contains($"What if: {Sample.ExpectedRemoved.Count()} session(s) would be removed.", whatIf.Information);
        Assert.Equal(before, InstanceSnapshot.Take(Root));

        ScriptResult removed = ps.Run($"Remove-EvonicOldSession -Path '{Root}' -Confirm:$false -PassThru");
        Assert.Empty(removed.Errors);
        Assert.Equal(WhatIfTargets(whatIf.HostText), Keys(removed.Output));
        Assert.All(removed.Output, o => Assert.Equal("Removed", o.Properties["Status"].Value.ToString()));
        Assert.Empty(ps.Run($"Get-EvonicOldSession -Path '{Root}'").Output);
    }

    [Fact]
    public void Force_removes_without_asking_and_writes_a_summary_per_agent()
    {
        using var ps = new PowerShellSession(interactive: false);
        ScriptResult result = ps.Run($"Get-EvonicOldSession -Path '{Root}' | Remove-EvonicOldSession -Force");
        Assert.Empty(result.Errors);
        Assert.Empty(result.Output);
        // One [SESSION_CLEANUP] line per agent of the piped sessions as it finishes (atlas had none), then the closing
        // line.
        Assert.Equal(
            new[] { "echo", "juno", "lyra", "nova", "siwa" },
            result.Information.SkipLast(1).Select(l => l.Split(' ')[2].TrimEnd(':'))
        );
        Assert.Contains(result.Information, l =>
            l.StartsWith(
                "[SESSION_CLEANUP] agent siwa: removed 10 session(s), 35 message(s), 10 file(s), ",
                StringComparison.Ordinal
            )
        );
        Assert.Contains(result.Information, l =>
            l.StartsWith(
                "[SESSION_CLEANUP] agent nova: removed 2 session(s), 43 message(s), 2 file(s), ",
                StringComparison.Ordinal
            )
        );
        Assert.StartsWith(
            $"[SESSION_CLEANUP] done: removed {Sample.ExpectedRemoved.Count()} session(s), 96 message(s), 14 file(s)",
            result.Information[^1]
        );
        Assert.Matches(
            @"freed, 0 B \(0 bytes\) returned by databases, in \d+\.\d s; 0 kept; 0 error\(s\); "
                + @"longest write transaction \d+ ms; Evonic.Sessions \d+\.\d+\.\d+$",
            result.Information[^1]
        );
        Assert.Empty(ps.Run($"Get-EvonicOldSession -Path '{Root}'").Output);
    }

    [Theory]
    [InlineData("", "-Verbose", true)]
    [InlineData("", "", false)]
    [InlineData("$VerbosePreference = 'Continue'; ", "", true)]
    [InlineData("$VerbosePreference = 'Continue'; ", "-Verbose:$false", false)]
    [InlineData("$VerbosePreference = 'SilentlyContinue'; ", "-Verbose", true)]
    public void Force_names_each_session_it_removes_in_verbose_output_when_verbose_output_is_shown(
        string preference,
        string verbose,
        bool shown
    )
    {
        using var ps = new PowerShellSession(interactive: false);
        ScriptResult result = ps.Run($"{preference}Remove-EvonicOldSession -Path '{Root}' -Force -PassThru {verbose}");

        Assert.Empty(result.Errors);
        List<string> named = result
            .Verbose.Where(v =>
                v.StartsWith(
                    "Remove Evonic session with its messages, chat log and attachments: ",
                    StringComparison.Ordinal
                )
            )
            .Select(v => v.Split("agent '")[1].Split('\'')[0] + "/" + v.Split("session '")[1].Split('\'')[0])
            .OrderBy(k => k, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(Sample.ExpectedRemoved.Count(), result.Output.Count);
        Assert.Equal(shown ? Keys(result.Output) : new List<string>(), named);
    }

    [Fact]
    public void Confirm_asks_for_each_session_and_keeps_the_ones_declined()
    {
        using var ps = new PowerShellSession(answers: "Y\nN\n");
        ScriptResult result = ps.Run($"Remove-EvonicOldSession -Path '{Root}' -AgentId nova -Confirm -PassThru");

        Assert.Empty(result.Errors);
        Assert.Equal(2, result.HostText.Split("Are you sure you want to perform this action?").Length - 1);
        Assert.Equal(new[] { "nova/nova-2" }, Keys(result.Output));
        Assert.Equal(
            new[] { "nova/nova-4" },
            Keys(ps.Run($"Get-EvonicOldSession -Path '{Root}' -AgentId nova").Output)
        );
    }

    [Fact]
    public void A_host_that_cannot_prompt_fails_fast_and_removes_nothing()
    {
        using var ps = new PowerShellSession(interactive: false);
        HashSet<string> before = InstanceSnapshot.Take(Root);

        ScriptResult result = ps.Run($"Remove-EvonicOldSession -Path '{Root}'");

        ErrorRecord error = Assert.Single(result.Errors);
        Assert.StartsWith("ConfirmationRequired,", error.FullyQualifiedErrorId);
        Assert.Contains("-Force", error.Exception.Message);
        Assert.Equal(before, InstanceSnapshot.Take(Root));
    }

    [Fact]
    public void Bad_paths_are_terminating_errors_that_say_what_was_expected_where()
    {
        using var ps = new PowerShellSession();
        ErrorRecord missing = Assert.Single(ps.Run($"Get-EvonicOldSession -Path '{Temp.Combine("nope")}'").Errors);
        Assert.StartsWith("InstanceNotFound,", missing.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, missing.CategoryInfo.Category);

        Directory.CreateDirectory(Temp.Combine("empty"));
        ErrorRecord notInstance = Assert.Single(
            ps.Run($"Remove-EvonicOldSession -Path '{Temp.Combine("empty")}' -Force").Errors
        );
        Assert.StartsWith("NotAnInstance,", notInstance.FullyQualifiedErrorId);
        Assert.Contains(Path.Combine("shared", "db", "evonic.db"), notInstance.Exception.Message);
    }

    [Fact]
    public void MaxAgeDays_zero_says_cleanup_is_disabled_and_does_nothing()
    {
        using var ps = new PowerShellSession();
        HashSet<string> before = InstanceSnapshot.Take(Root);

        ScriptResult byParameter = ps.Run($"Remove-EvonicOldSession -Path '{Root}' -MaxAgeDays 0 -Force");
        ScriptResult byEnvironment = ps.Run(
            $"$env:EVONIC_SESSION_MAX_AGE_DAYS = '0'; Get-EvonicOldSession -Path '{Root}'"
        );

        Assert.Contains(byParameter.Warnings, w => w.Contains("disabled"));
        Assert.Contains(byEnvironment.Warnings, w =>
            w.Contains("disabled") && w.Contains("EVONIC_SESSION_MAX_AGE_DAYS")
        );
        Assert.Empty(byEnvironment.Output);
        Assert.Equal(before, InstanceSnapshot.Take(Root));
    }

    [Fact]
    public void The_environment_sets_the_age_and_the_instance_and_a_bad_value_is_named()
    {
        using var ps = new PowerShellSession();
        ScriptResult older = ps.Run(
            $"$env:EVONIC_HOME = '{Root}'; $env:EVONIC_SESSION_MAX_AGE_DAYS = '250'; Get-EvonicOldSession"
        );
        Assert.Empty(older.Errors);
        Assert.NotEmpty(older.Output);
        Assert.All(older.Output, o => Assert.True((int)o.Properties["AgeDays"].Value! > 250));
        Assert.All(Keys(older.Output), k => Assert.Contains(k, Sample.ExpectedRemoved));

        ErrorRecord bad = Assert.Single(
            ps.Run("$env:EVONIC_SESSION_MAX_AGE_DAYS = 'ninety'; Get-EvonicOldSession").Errors
        );
        Assert.StartsWith("InvalidSetting,", bad.FullyQualifiedErrorId);
        Assert.Contains("EVONIC_SESSION_MAX_AGE_DAYS", bad.Exception.Message);
        Assert.Contains("'ninety'", bad.Exception.Message);
    }

    [Fact]
    public void A_corrupt_agent_database_is_a_non_terminating_error_and_the_others_are_processed()
    {
        File.WriteAllText(
            Path.Combine(Root, "agents", "echo", "chat.db"),
            "definitely not an SQLite database, just some text"
        );
        using var ps = new PowerShellSession();

        ScriptResult result = ps.Run($"Remove-EvonicOldSession -Path '{Root}' -Force -PassThru");

        ErrorRecord error = Assert.Single(result.Errors);
        Assert.StartsWith("AgentDatabaseUnreadable,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ReadError, error.CategoryInfo.Category);
        Assert.Equal(
            Sample.ExpectedRemoved.Where(k => !k.StartsWith("echo/", StringComparison.Ordinal)),
            Keys(result.Output)
        );
    }

    [Fact]
    public void AgentId_takes_wildcards_and_names_a_missing_agent()
    {
        using var ps = new PowerShellSession();
        Assert.All(Keys(ps.Run($"Get-EvonicOldSession -Path '{Root}' -AgentId 'si*'").Output), k =>
            Assert.StartsWith("siwa/", k)
        );
        ScriptResult missing = ps.Run($"Get-EvonicOldSession -Path '{Root}' -AgentId nope, nova");
        Assert.StartsWith("AgentNotFound,", Assert.Single(missing.Errors).FullyQualifiedErrorId);
        Assert.Equal(new[] { "nova/nova-2", "nova/nova-4" }, Keys(missing.Output));
    }

    [Fact]
    public void A_piped_session_touched_after_listing_is_kept_with_a_warning()
    {
        using var ps = new PowerShellSession();
        ps.Run($"$listed = Get-EvonicOldSession -Path '{Root}' -AgentId siwa");
        using (var chat = InstanceBuilder.Connect(Path.Combine(Root, "agents", "siwa", "chat.db")))
            InstanceBuilder.Exec(
                chat,
                "UPDATE chat_sessions SET updated_at = CURRENT_TIMESTAMP WHERE id = 'siwa-7b2c'"
            );

        ScriptResult result = ps.Run("$listed | Remove-EvonicOldSession -Force -PassThru");

        Assert.Empty(result.Errors);
        Assert.Contains(result.Warnings, w => w.Contains("siwa-7b2c") && w.Contains("no longer old"));
        Assert.DoesNotContain("siwa/siwa-7b2c", Keys(result.Output));
        Assert.Equal(
            Sample.ExpectedRemoved.Count(k => k.StartsWith("siwa/", StringComparison.Ordinal)) - 1,
            result.Output.Count
        );
        using var check = InstanceBuilder.Connect(Path.Combine(Root, "agents", "siwa", "chat.db"));
        Assert.Equal(
            12L,
            InstanceBuilder.Query(check, "SELECT COUNT(*) FROM chat_messages WHERE session_id = 'siwa-7b2c'")[0][0]
        );
    }

    [Fact]
    public void The_console_host_loads_the_module_and_SQLite_in_a_fresh_process_with_no_environment_set_up()
    {
        (int exit, string output) = PwshProcess.Run(
            "-NonInteractive",
            "-Command",
            $"Import-Module Evonic.Sessions; Get-EvonicOldSession -Path '{Root}' | ForEach-Object SessionId"
        );
        Assert.True(exit == 0, output);
        Assert.Equal(
            Sample.ExpectedRemoved.Select(k => k.Split('/')[1]).OrderBy(s => s, StringComparer.Ordinal),
            output
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .OrderBy(s => s, StringComparer.Ordinal)
        );

        (int failed, string message) = PwshProcess.Run(
            "-NonInteractive",
            "-Command",
            $"Import-Module Evonic.Sessions; Get-EvonicOldSession -Path '{Temp.Combine("nope")}'"
        );
        Assert.Equal(1, failed);
        Assert.Contains("does not exist", message);
    }
}
