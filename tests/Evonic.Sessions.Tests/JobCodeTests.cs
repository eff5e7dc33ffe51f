using Evonic.Sessions.Scheduling;

namespace Evonic.Sessions.Tests;

/// <summary>
/// The nightly job keeps working when the module or pwsh is updated: it imports the module by name when it is installed
/// where the scheduled pwsh looks, and starts the pwsh the user's shell finds, not the versioned folder pwsh runs from.
/// </summary>
[Collection("environment")] // changes PATH
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class JobCodeTests : TempFolderTest
{
    private readonly string? _path = Environment.GetEnvironmentVariable("PATH");

    protected override void Dispose(bool disposing)
    {
        Environment.SetEnvironmentVariable("PATH", _path);
        base.Dispose(disposing);
    }

    [Fact]
    public void An_installed_module_in_a_folder_pwsh_searches_by_itself_is_imported_by_name()
    {
        string user = Temp.Combine("home", ".local", "share", "powershell", "Modules");
        string imported = JobCode.ModuleImport(
            Path.Combine(user, "Evonic.Sessions", "0.1.0"),
            new[] { user, "/usr/local/share/powershell/Modules" },
            new[] { user }
        );
        Assert.Equal("Evonic.Sessions", imported);
        Assert.StartsWith("Import-Module Evonic.Sessions; ", Schedule(imported).Command);
    }

    [Fact]
    public void An_installed_module_in_another_folder_of_PSModulePath_is_imported_from_its_unversioned_folder()
    {
        string custom = Temp.Combine("opt", "modules");
        string imported = JobCode.ModuleImport(
            Path.Combine(custom, "Evonic.Sessions", "0.1.0") + "/",
            new[] { custom + "/" },
            new[] { Temp.Combine("home") }
        );
        // Import-Module of this folder loads its newest version
        Assert.Equal(Path.Combine(custom, "Evonic.Sessions"), imported);
        Assert.StartsWith($"Import-Module '{Path.Combine(custom, "Evonic.Sessions")}'; ", Schedule(imported).Command);
    }

    [Theory]
    [InlineData("build")] // a build folder, not on PSModulePath
    [InlineData("other-name")] // a folder of another name on PSModulePath: not how Install-PSResource lays it out
    public void A_module_that_is_not_installed_is_pinned_by_its_manifest(string layout)
    {
        string folder =
            layout == "build"
                ? Temp.Combine("repo", "artifacts", "module", "Evonic.Sessions")
                : Temp.Combine("modules", "copy");
        string imported = JobCode.ModuleImport(
            folder,
            new[] { Temp.Combine("modules"), Temp.Combine("home") },
            new[] { Temp.Combine("home") }
        );
        Assert.Equal(Path.Combine(folder, "Evonic.Sessions.psd1"), imported);
    }

    [Fact]
    public void The_pwsh_on_the_users_PATH_wins_over_the_running_pwshs_own_folder_which_pwsh_puts_first()
    {
        string psHome = Temp.Combine("tools", ".store", "powershell", "7.6.10", "unix");
        string launcher = Temp.Combine("dotnet-tools");
        foreach (string folder in new[] { psHome, launcher })
            Executable(Path.Combine(folder, "pwsh"));
        Environment.SetEnvironmentVariable("PATH", string.Join(Path.PathSeparator, psHome + "/", launcher, "/usr/bin"));

        Assert.Equal(Path.Combine(launcher, "pwsh"), JobCode.FindPwsh(psHome));
    }

    [Fact]
    public void Without_a_pwsh_on_PATH_the_running_one_is_used()
    {
        string psHome = Temp.Combine("pwsh-7.6");
        Executable(Path.Combine(psHome, "pwsh"));
        Environment.SetEnvironmentVariable("PATH", string.Join(Path.PathSeparator, psHome, Temp.Combine("empty")));

        Assert.Equal(Path.Combine(psHome, "pwsh"), JobCode.FindPwsh(psHome));
        Environment.SetEnvironmentVariable("PATH", Temp.Combine("empty"));
        Assert.Null(JobCode.FindPwsh(Temp.Combine("nowhere")));
    }

    private static CleanupSchedule Schedule(string module) =>
        new(
            CleanupSchedule.DefaultName,
            "/srv/evonic",
            TimeSpan.FromHours(4),
            module,
            "/usr/bin/pwsh",
            "/srv/evonic/logs/session-cleanup.log",
            null
        );

    private static void Executable(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\n");
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("755", 8));
    }
}
