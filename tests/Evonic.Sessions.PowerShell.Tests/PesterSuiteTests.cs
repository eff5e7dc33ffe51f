using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>
/// The Pester suite (tests/Pester), run by a real pwsh as a user runs it, so that `dotnet test` runs every test the
/// repository has, in the pwsh of <see cref="PwshProcess.Find"/> (the pinned one unless EVONIC_PWSH names another).
/// Pester comes from its NuGet package (Directory.Packages.props), restored by the build. Without a pwsh the test
/// is skipped and says why, unless EVONIC_REQUIRE_PWSH=1 (CI). Pester's own output
/// goes to artifacts/pester.log, its results to artifacts/pester-results.xml (JUnit).
/// </summary>
[Collection("engine")] // the engine tests change PATH and HOME in this process; the child must not inherit that
public sealed class PesterSuiteTests
{
    private readonly ITestOutputHelper _output;

    public PesterSuiteTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public void The_Pester_suite_passes_in_a_real_pwsh()
    {
        string? pwsh = PwshProcess.Find();
        if (pwsh == null)
        {
            Assert.False(
                Environment.GetEnvironmentVariable("EVONIC_REQUIRE_PWSH") == "1",
                "EVONIC_REQUIRE_PWSH=1, but there is no pwsh in EVONIC_PWSH, at artifacts/tools/pwsh or on PATH."
            );
            throw new SkipException(
                "No pwsh (EVONIC_PWSH, artifacts/tools/pwsh, PATH): the Pester suite in tests/Pester did not run."
            );
        }

        var start = new ProcessStartInfo(pwsh)
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (
            string argument in new[]
            {
                "-NoProfile",
                "-NonInteractive",
                "-File",
                Path.Combine("tests", "Pester", "Invoke-Suite.ps1"),
            }
        )
            start.ArgumentList.Add(argument);
        // The in-process engine of the other tests rewrites PSModulePath; the child pwsh finds its own modules.
        start.Environment.Remove("PSModulePath");
        start.Environment["EVONIC_PWSH"] = pwsh;
        if (PwshProcess.Metadata("PesterManifest") is { } pester && File.Exists(pester))
            start.Environment["EVONIC_PESTER"] = pester;
        start.Environment["NO_COLOR"] = "1";

        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        bool finished = process.WaitForExit(TimeSpan.FromMinutes(20));
        string log = stdout + stderr.Result;
        Directory.CreateDirectory(Path.Combine(Repository.Root, "artifacts"));
        File.WriteAllText(Path.Combine(Repository.Root, "artifacts", "pester.log"), log);
        Match summary = Regex.Match(log, @"Tests Passed: (\d+), Failed: (\d+)");
        _output.WriteLine(summary.Success ? summary.Value : log);

        Assert.True(finished, "the Pester suite did not finish in 20 minutes");
        Assert.True(summary.Success, "Pester printed no summary:\n" + log);
        Assert.True(
            process.ExitCode == 0 && summary.Groups[2].Value == "0",
            "Pester failed (artifacts/pester.log):\n" + log
        );
        Assert.True(int.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture) > 0, "Pester ran no tests");
    }
}
