using System.Diagnostics;
using System.Reflection;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>
/// A real pwsh as a child process, the way a user's shell or a scheduled task runs the module. The pwsh is
/// $EVONIC_PWSH, else the pinned one the build writes (the PowerShell dotnet tool of .config/dotnet-tools.json, as
/// artifacts/tools/pwsh), else pwsh on PATH. The staged module's folder is on its PSModulePath, so
/// <c>Import-Module Evonic.Sessions</c> finds it by name.
/// </summary>
public static class PwshProcess
{
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("EVONIC_PWSH") is { Length: > 0 } chosen)
            return chosen;
        if (Metadata("PinnedPwsh") is { } pinned && File.Exists(pinned))
            return pinned;
        foreach (
            string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(
                Path.PathSeparator,
                StringSplitOptions.RemoveEmptyEntries
            )
        )
        {
            string candidate = Path.Combine(folder, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>The pwsh to run; a test that needs one fails (never skips) without it.</summary>
    public static string Executable =>
        Find()
        ?? throw new InvalidOperationException(
            "No pwsh: the build writes the pinned one to artifacts/tools/pwsh (dotnet tool restore); or set "
                + "EVONIC_PWSH."
        );

    public static string? Metadata(string key) =>
        typeof(PwshProcess)
            .Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)
            ?.Value;

    public static ProcessStartInfo StartInfo(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        // The in-process engine of the other tests rewrites PSModulePath; the child gets the staged module's folder
        // and adds its own folders to it, as pwsh does at startup.
        start.Environment["PSModulePath"] = Path.GetDirectoryName(Repository.StagedModule)!;
        start.Environment.Remove("EVONIC_SESSION_MAX_AGE_DAYS");
        start.Environment.Remove("EVONIC_HOME");
        start.Environment["NO_COLOR"] = "1";
        return start;
    }

    /// <summary>Runs pwsh to the end with stdin closed: its exit code and everything it printed.</summary>
    public static (int ExitCode, string Output) Run(params string[] arguments) => Run(StartInfo(arguments));

    public static (int ExitCode, string Output) Run(ProcessStartInfo start)
    {
        start.RedirectStandardInput = true;
        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "pwsh did not finish");
        return (process.ExitCode, stdout + stderr.Result);
    }
}
