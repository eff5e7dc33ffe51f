using Evonic.Sessions.Scheduling;

namespace Evonic.Sessions.Tests;

/// <summary>
/// The nightly job runs pwsh and the module as its user (often root): a file of that code, or a folder above it, that
/// another user can write is refused, naming the path and who can write it. Before, the job pinned whatever folder the
/// module was imported from, e.g. a build folder in a user's home.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CodeTrustTests : TempFolderTest
{
    private readonly string _module;
    private readonly string _pwsh;

    public CodeTrustTests()
    {
        _module = Temp.Combine("modules", "Evonic.Sessions");
        Directory.CreateDirectory(Path.Combine(_module, "runtimes"));
        File.WriteAllText(Path.Combine(_module, "Evonic.Sessions.psd1"), "@{}");
        File.WriteAllText(Path.Combine(_module, "runtimes", "e_sqlite3.so"), "native");
        _pwsh = Temp.Combine("powershell", "pwsh");
        Directory.CreateDirectory(Path.GetDirectoryName(_pwsh)!);
        File.WriteAllText(_pwsh, "#!/bin/sh\n");
        foreach (
            string path in new[]
            {
                Temp.Path,
                Temp.Combine("modules"),
                _module,
                Path.Combine(_module, "runtimes"),
                Path.GetDirectoryName(_pwsh)!,
            }
        )
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("755", 8));
        foreach (
            string path in new[]
            {
                _pwsh,
                Path.Combine(_module, "Evonic.Sessions.psd1"),
                Path.Combine(_module, "runtimes", "e_sqlite3.so"),
            }
        )
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("755", 8));
    }

    [Fact]
    public void Code_only_root_and_this_user_can_write_passes_also_below_a_sticky_world_writable_folder()
    {
        CodeTrust.Check(_pwsh, _module); // the temp folder is below /tmp (1777)
    }

    [Theory]
    [InlineData("module folder", "777", "every user")]
    [InlineData("native library", "666", "every user")]
    [InlineData("pwsh", "777", "every user")]
    [InlineData("folder above", "777", "every user")]
    [InlineData("module folder", "775", "group")]
    public void A_file_or_folder_another_user_can_write_is_refused_with_the_path_and_who(
        string which,
        string mode,
        string who
    )
    {
        string path = which switch
        {
            "module folder" => _module,
            "native library" => Path.Combine(_module, "runtimes", "e_sqlite3.so"),
            "pwsh" => _pwsh,
            _ => Temp.Combine("modules"),
        };
        if (who == "group" && !IsRoot())
            return; // a group of another user needs root; CI runs as root
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));
        if (who == "group")
            SetGroup(path, 100);

        EvonicException error = Assert.Throws<EvonicException>(() => CodeTrust.Check(_pwsh, _module));

        Assert.Equal(EvonicErrorKind.UntrustedCode, error.Kind);
        Assert.Contains($"'{path}' can be written by {who}", error.Message);
    }

    [Fact]
    public void A_module_folder_another_user_owns_is_refused_and_a_link_is_followed_to_the_real_file()
    {
        if (!IsRoot())
            return; // changing an owner needs root; CI runs as root
        string link = Temp.Combine("current-module");
        Directory.CreateSymbolicLink(link, _module);
        Chown(_module, 1234);

        EvonicException error = Assert.Throws<EvonicException>(() => CodeTrust.Check(_pwsh, link));

        Assert.Contains($"'{_module}' can be written by user 1234, its owner", error.Message);
    }

    private static bool IsRoot() => Environment.UserName == "root";

    private static void Chown(string path, int uid) =>
        Run("chown", uid.ToString(System.Globalization.CultureInfo.InvariantCulture), path);

    private static void SetGroup(string path, int gid) =>
        Run("chgrp", gid.ToString(System.Globalization.CultureInfo.InvariantCulture), path);

    private static void Run(string tool, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(
            new System.Diagnostics.ProcessStartInfo(tool) { ArgumentList = { arguments[0], arguments[1] } }
        )!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
