using Evonic.Sessions.Scheduling;

namespace Evonic.Sessions.Tests;

/// <summary>
/// The scheduler's tools (crontab, systemctl, launchctl, id) run as the job's user, often root, from wherever the user
/// stood: they are found as a shell finds them, in PATH's absolute folders and only as executable files, and run by
/// that full path. .NET by itself would look in the current directory first.
/// </summary>
[Collection("environment")] // changes PATH and the current directory of this process
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SchedulerToolTests : TempFolderTest
{
    private readonly string? _path = Environment.GetEnvironmentVariable("PATH");
    private readonly string _directory = Environment.CurrentDirectory;

    protected override void Dispose(bool disposing)
    {
        Environment.SetEnvironmentVariable("PATH", _path);
        Environment.CurrentDirectory = _directory;
        base.Dispose(disposing);
    }

    private static string Script(string folder, string name, string text, string mode = "755")
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        File.WriteAllText(path, "#!/bin/sh\n" + text + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));
        return path;
    }

    [Fact]
    public void A_tool_in_the_current_directory_or_a_relative_PATH_entry_is_never_run()
    {
        string planted = Temp.Combine("writable");
        Script(planted, "evonic-tool", "echo planted");
        string tools = Temp.Combine("bin");
        string real = Script(tools, "evonic-tool", "echo real");
        Environment.CurrentDirectory = planted;
        Environment.SetEnvironmentVariable(
            "PATH",
            string.Join(Path.PathSeparator, "", ".", "writable-relative", tools, _path)
        );

        Assert.Equal(real, SchedulerTool.FindOnPath("evonic-tool"));
        Assert.Equal("real", SchedulerTool.Run("evonic-tool", null).Trim());
    }

    [Fact]
    public void A_file_that_is_not_executable_is_passed_over_as_a_shell_does()
    {
        Script(Temp.Combine("first"), "evonic-tool", "echo data", mode: "644");
        string second = Script(Temp.Combine("second"), "evonic-tool", "echo second");
        Environment.SetEnvironmentVariable(
            "PATH",
            string.Join(Path.PathSeparator, Temp.Combine("first"), Temp.Combine("second"))
        );

        Assert.Equal(second, SchedulerTool.FindOnPath("evonic-tool"));
    }

    [Fact]
    public void A_tool_only_in_the_current_directory_is_not_found_and_the_error_says_so()
    {
        string planted = Temp.Combine("writable");
        Script(planted, "evonic-tool", "echo planted");
        Environment.CurrentDirectory = planted;
        Environment.SetEnvironmentVariable("PATH", Temp.Combine("empty"));

        EvonicException error = Assert.Throws<EvonicException>(() => SchedulerTool.Run("evonic-tool", null));
        Assert.Equal(EvonicErrorKind.SchedulerNotFound, error.Kind);
        Assert.Contains("not found on PATH", error.Message);
    }
}

/// <summary>Tests that change process-wide state (PATH, the current directory) run alone.</summary>
[CollectionDefinition("environment", DisableParallelization = true)]
public sealed class SharedEnvironment;
