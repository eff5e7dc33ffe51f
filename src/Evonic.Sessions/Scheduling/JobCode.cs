using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace Evonic.Sessions.Scheduling;

/// <summary>
/// Which pwsh the nightly job starts and how it imports the module, chosen so that updating either (a new pwsh, an
/// <c>Update-PSResource</c> of the module) is what the next run uses, never a path that the update removed.
/// </summary>
public static class JobCode
{
    public const string ModuleName = "Evonic.Sessions";

    /// <summary>
    /// The pwsh the user's own shell would start: the first on PATH outside <paramref name="psHome"/> (pwsh puts its
    /// own folder first on the PATH of its process; for a dotnet tool or a side-by-side install that folder is
    /// versioned, while the user's PATH holds the stable launcher, /usr/bin/pwsh or ~/.dotnet/tools/pwsh), else the
    /// running one's. Links are kept as they are: /usr/bin/pwsh follows the package's updates.
    /// </summary>
    public static string? FindPwsh(string? psHome)
    {
        string name = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "pwsh.exe" : "pwsh";
        string? own = string.IsNullOrEmpty(psHome) ? null : Path.Combine(psHome, name);
        string? found = SchedulerTool.FindOnPath(name, skipFolder: psHome);
        if (found != null)
            return found;
        return own != null && File.Exists(own) ? own : null;
    }

    /// <summary>
    /// What follows <c>Import-Module</c> in the job: the module's name when it is installed in a module folder the
    /// scheduled pwsh searches by itself (the user's, for a job of this user, and the machine's shared one), so the
    /// newest installed version loads; the module's unversioned folder when it is installed in another folder of
    /// <paramref name="modulePath"/> (Import-Module of that folder loads its newest version too); else the manifest's
    /// path (a module that is not installed, such as a build folder, is pinned where it is).
    /// </summary>
    /// <param name="moduleBase">The folder the running module was loaded from.</param>
    /// <param name="modulePath">The folders of $env:PSModulePath.</param>
    /// <param name="searchedByDefault">The module folders pwsh searches without any PSModulePath of the user's (<see
    /// cref="DefaultModuleFolders"/>).</param>
    public static string ModuleImport(
        string moduleBase,
        IEnumerable<string> modulePath,
        IEnumerable<string> searchedByDefault
    )
    {
        string folder = Trim(moduleBase);
        string? installRoot = null;
        string leaf = Path.GetFileName(folder);
        string? parent = Path.GetDirectoryName(folder);
        if (
            parent != null
            && Version.TryParse(leaf, out _)
            && string.Equals(Path.GetFileName(parent), ModuleName, StringComparison.OrdinalIgnoreCase)
        )
            // <root>/Evonic.Sessions/<version>: how Install-PSResource lays it out
            installRoot = Path.GetDirectoryName(parent);
        else if (string.Equals(leaf, ModuleName, StringComparison.OrdinalIgnoreCase))
            installRoot = parent; // <root>/Evonic.Sessions: a copied folder

        if (installRoot != null && modulePath.Any(p => SameFolder(p, installRoot)))
        {
            if (searchedByDefault.Any(p => SameFolder(p, installRoot)))
                return ModuleName;
            return Path.Combine(installRoot, ModuleName);
        }
        return Path.Combine(folder, ModuleName + ".psd1");
    }

    /// <summary>
    /// The module folders pwsh searches with no PSModulePath set, that Install-PSResource installs into: the user's
    /// (for a job that runs as this user) and the machine's shared one.
    /// </summary>
    public static IReadOnlyList<string> DefaultModuleFolders(SchedulerScope scope)
    {
        var folders = new List<string>();
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            if (scope == SchedulerScope.CurrentUser)
                folders.Add(
                    Path.Combine(
                        Environment.GetFolderPath(Environment.SpecialFolder.MyDocuments),
                        "PowerShell",
                        "Modules"
                    )
                );
            folders.Add(
                Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles), "PowerShell", "Modules")
            );
        }
        else
        {
            // Not $XDG_DATA_HOME: cron and systemd start the job without it.
            if (scope == SchedulerScope.CurrentUser)
                folders.Add(
                    Path.Combine(
                        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
                        ".local",
                        "share",
                        "powershell",
                        "Modules"
                    )
                );
            folders.Add("/usr/local/share/powershell/Modules");
        }
        return folders;
    }

    private static bool SameFolder(string a, string b) =>
        a.Length > 0
        && string.Equals(
            Trim(a),
            Trim(b),
            RuntimeInformation.IsOSPlatform(OSPlatform.Linux)
                ? StringComparison.Ordinal
                : StringComparison.OrdinalIgnoreCase
        );

    private static string Trim(string folder)
    {
        string full = Path.GetFullPath(folder);
        return full.Length > 1 ? full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) : full;
    }
}
