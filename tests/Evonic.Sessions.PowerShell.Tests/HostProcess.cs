using System.Diagnostics;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>The console host (<c>evonic-sessions</c>) as a child process, the way a scheduled task runs it.</summary>
public static class HostProcess
{
    public static ProcessStartInfo StartInfo(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Repository.HostAssembly);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.Environment.Remove("PSModulePath");
        start.Environment.Remove("EVONIC_SESSION_MAX_AGE_DAYS");
        start.Environment.Remove("EVONIC_HOME");
        return start;
    }

    /// <summary>Runs the host to the end: its exit code and everything it printed.</summary>
    public static (int ExitCode, string Output) Run(params string[] arguments) => Run(StartInfo(arguments));

    public static (int ExitCode, string Output) Run(ProcessStartInfo start)
    {
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "the host did not finish");
        return (process.ExitCode, stdout + stderr.Result);
    }
}
