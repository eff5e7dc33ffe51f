using System;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace Evonic.Sessions.Scheduling;

/// <summary>Runs the scheduler's command-line tools (systemctl, crontab, launchctl, id).</summary>
public static class SchedulerTool
{
    /// <summary>Runs a tool to the end; returns its standard output, or throws SchedulerFailed with its error output.</summary>
    public static string Run(string tool, string? standardInput, params string[] arguments)
    {
        (int exit, string output, string error) = TryRun(tool, standardInput, arguments);
        if (exit != 0)
            throw new EvonicException(EvonicErrorKind.SchedulerFailed,
                $"'{tool} {string.Join(" ", arguments)}' failed with exit code {exit}: {error.Trim()}", tool);
        return output;
    }

    public static (int ExitCode, string Output, string Error) TryRun(string tool, string? standardInput, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool, string.Join(" ", Array.ConvertAll(arguments, Quote)))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput != null,
            UseShellExecute = false,
        };
        try
        {
            using Process process = Process.Start(start)!;
            if (standardInput != null)
            {
                process.StandardInput.Write(standardInput);
                process.StandardInput.Close();
            }
            var error = new StringBuilder();
            process.ErrorDataReceived += (_, e) => { lock (error) error.AppendLine(e.Data); };
            process.BeginErrorReadLine();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            lock (error) return (process.ExitCode, output, error.ToString());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            if (!IsOnPath(tool))
                throw new EvonicException(EvonicErrorKind.SchedulerNotFound, $"'{tool}' is not installed on this machine (not found on PATH): its scheduler cannot be used.", tool, e);
            throw new EvonicException(EvonicErrorKind.SchedulerFailed, $"'{tool}' cannot be run: {e.Message}", tool, e);
        }
    }

    public static bool IsOnPath(string tool) => FindOnPath(tool) != null;

    /// <summary>The full path of the first <paramref name="tool"/> on PATH, or null.</summary>
    public static string? FindOnPath(string tool)
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            if (folder.Length > 0 && File.Exists(Path.Combine(folder, tool))) return Path.GetFullPath(Path.Combine(folder, tool));
        return null;
    }

    private static string Quote(string argument)
        => argument.Length > 0 && argument.IndexOfAny(new[] { ' ', '\t', '"' }) < 0 ? argument : "\"" + argument.Replace("\"", "\\\"") + "\"";
}
