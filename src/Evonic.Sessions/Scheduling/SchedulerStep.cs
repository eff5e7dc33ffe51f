using System;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace Evonic.Sessions.Scheduling;

/// <summary>What a registration step does.</summary>
public enum SchedulerStepKind
{
    WriteFile,
    DeleteFile,
    RunTool,
    /// <summary>Windows: Register-ScheduledTask -Xml (done by the cmdlet, through the ScheduledTasks module).</summary>
    RegisterWindowsTask,
    /// <summary>Windows: Unregister-ScheduledTask (done by the cmdlet).</summary>
    UnregisterWindowsTask,
}

/// <summary>
/// One change to the machine that registering or unregistering a schedule makes: a file written or deleted, or a
/// scheduler tool run. Planned first, so -WhatIf can show each step with the exact content it would write.
/// </summary>
public sealed class SchedulerStep
{
    private SchedulerStep(SchedulerStepKind kind, string target, string? content, string[] arguments)
    {
        Kind = kind;
        Target = target;
        Content = content;
        Arguments = arguments;
    }

    public SchedulerStepKind Kind { get; }

    /// <summary>The file, the tool, or the Windows task name.</summary>
    public string Target { get; }

    /// <summary>The file content, the tool's standard input, or the task XML.</summary>
    public string? Content { get; }

    public string[] Arguments { get; }

    public static SchedulerStep WriteFile(string path, string content) => new(SchedulerStepKind.WriteFile, path, content, Array.Empty<string>());
    public static SchedulerStep DeleteFile(string path) => new(SchedulerStepKind.DeleteFile, path, null, Array.Empty<string>());
    public static SchedulerStep RunTool(string tool, string? standardInput, params string[] arguments) => new(SchedulerStepKind.RunTool, tool, standardInput, arguments);
    public static SchedulerStep RegisterWindowsTask(string name, string xml) => new(SchedulerStepKind.RegisterWindowsTask, name, xml, Array.Empty<string>());
    public static SchedulerStep UnregisterWindowsTask(string name) => new(SchedulerStepKind.UnregisterWindowsTask, name, null, Array.Empty<string>());

    /// <summary>What the step does, with the full content: the text -WhatIf and -Confirm show.</summary>
    public string Describe() => Kind switch
    {
        SchedulerStepKind.WriteFile => $"Write '{Target}':\n{Content}",
        SchedulerStepKind.DeleteFile => $"Delete '{Target}'",
        SchedulerStepKind.RunTool => $"Run: {Target} {string.Join(" ", Arguments)}" + (Content != null ? $" with this input:\n{Content}" : ""),
        SchedulerStepKind.RegisterWindowsTask => $"Register the Task Scheduler task '{Target}':\n{Content}",
        _ => $"Unregister the Task Scheduler task '{Target}'",
    };

    /// <summary>Does the step (not the Windows ones). Throws <see cref="EvonicErrorKind.SchedulerFailed"/>.</summary>
    public void Execute()
    {
        switch (Kind)
        {
            case SchedulerStepKind.WriteFile:
                Guard(() =>
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(Target)!);
                    File.WriteAllText(Target, Content, new UTF8Encoding(false));
                });
                break;
            case SchedulerStepKind.DeleteFile:
                Guard(() => File.Delete(Target));
                break;
            case SchedulerStepKind.RunTool:
                SchedulerTool.Run(Target, Content, Arguments);
                break;
            default:
                throw new InvalidOperationException($"{Kind} is done through PowerShell's ScheduledTasks module.");
        }
    }

    private void Guard(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EvonicException(EvonicErrorKind.SchedulerFailed, $"{Describe().Split('\n')[0]} failed: {e.Message}", Target, e);
        }
    }
}

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
