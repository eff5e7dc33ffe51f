using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace Evonic.Sessions.Scheduling;

/// <summary>Runs the scheduler's command-line tools (systemctl, crontab, launchctl, id).</summary>
public static class SchedulerTool
{
    /// <summary>Runs a tool to the end; returns its standard output, or throws SchedulerFailed with its error
    /// output.</summary>
    public static string Run(string tool, string? standardInput, params string[] arguments)
    {
        (int exit, string output, string error) = TryRun(tool, standardInput, arguments);
        if (exit != 0)
            throw new EvonicException(
                EvonicErrorKind.SchedulerFailed,
                $"'{tool} {string.Join(" ", arguments)}' failed with exit code {exit}: {error.Trim()}",
                tool
            );
        return output;
    }

    public static (int ExitCode, string Output, string Error) TryRun(
        string tool,
        string? standardInput,
        params string[] arguments
    )
    {
        // By full path, never by name: .NET looks for a bare name in its own and the current directory before PATH,
        // and a root job's current directory may be one anyone can write.
        string path = Path.IsPathRooted(tool)
            ? tool
            : FindOnPath(tool)
                ?? throw new EvonicException(
                    EvonicErrorKind.SchedulerNotFound,
                    $"'{tool}' is not installed on this machine (not found on PATH): its scheduler cannot be used.",
                    tool
                );
        var start = new ProcessStartInfo(path, string.Join(" ", Array.ConvertAll(arguments, Quote)))
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
            process.ErrorDataReceived += (_, e) =>
            {
                lock (error)
                    error.AppendLine(e.Data);
            };
            process.BeginErrorReadLine();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            lock (error)
                return (process.ExitCode, output, error.ToString());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new EvonicException(EvonicErrorKind.SchedulerFailed, $"'{path}' cannot be run: {e.Message}", path, e);
        }
    }

    public static bool IsOnPath(string tool) => FindOnPath(tool) != null;

    /// <summary>
    /// The full path of the first executable <paramref name="tool"/> in PATH's absolute folders, as a shell finds it,
    /// or null. Empty and relative entries are skipped: they name the current directory, which is not the user's choice
    /// of where tools come from.
    /// </summary>
    /// <param name="tool">The file name.</param>
    /// <param name="skipFolder">A folder of PATH not to look in.</param>
    public static string? FindOnPath(string tool, string? skipFolder = null)
    {
        string? skip = string.IsNullOrEmpty(skipFolder)
            ? null
            : Path.GetFullPath(skipFolder).TrimEnd(Path.DirectorySeparatorChar);
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (folder.Length == 0 || !Path.IsPathRooted(folder))
                continue;
            if (
                skip != null
                && string.Equals(
                    Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar),
                    skip,
                    StringComparison.Ordinal
                )
            )
                continue;
            string candidate = Path.Combine(folder, tool);
            if (File.Exists(candidate) && IsExecutable(candidate))
                return candidate;
        }
        return null;
    }

    private static bool IsExecutable(string path) =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || Access(path, ExecuteOk) == 0;

    private const int ExecuteOk = 1; // X_OK

    [DllImport(
        "libc",
        EntryPoint = "access",
        SetLastError = true,
        CharSet = CharSet.Ansi,
        BestFitMapping = false,
        ThrowOnUnmappableChar = true
    )]
    private static extern int Access([MarshalAs(UnmanagedType.LPStr)] string path, int mode);

    /// <summary>Characters that split or end an argument of a command line: an argument with any of them is
    /// quoted.</summary>
    internal static readonly char[] NeedsQuotes = { ' ', '\t', '"' };

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.IndexOfAny(NeedsQuotes) < 0
            ? argument
            : "\"" + argument.Replace("\"", "\\\"") + "\"";
}
