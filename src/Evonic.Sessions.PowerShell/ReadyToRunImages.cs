using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// On PowerShell 7.6+ (.NET 10+), loads the module's ReadyToRun images of the store and of SQLite's managed assemblies
/// (<c>readytorun/net10.0/&lt;rid&gt;/</c>, made by build/Evonic.Sessions.ReadyToRun) before anything binds to the IL
/// copies beside the manifest: their code is then not JIT-compiled at first use, a fixed cost of every run. Windows
/// PowerShell 5.1, PowerShell 7.4/7.5 and platforms without images keep the IL copies. The manifest's nested
/// <c>Evonic.Sessions.ReadyToRun.psm1</c> calls it before PowerShell loads the cmdlets (whose attributes name the
/// store's types and so load the store), so it cannot use the store itself (whose loading it decides).
/// </summary>
public static class ReadyToRunImages
{
    /// <summary>The framework the images were compiled for, and the runtime major version that can use them.</summary>
    internal const string TargetFramework = "net10.0";

    private const int RuntimeMajor = 10;

    /// <summary>The folder of this process's images under <paramref name="moduleFolder"/>, or null when it has
    /// none.</summary>
    internal static string? FolderFor(string moduleFolder)
    {
        if (Environment.Version.Major < RuntimeMajor || ModuleLayout.RuntimeIdentifier() is not { } rid)
            return null;
        string folder = Path.Combine(moduleFolder, ModuleLayout.ReadyToRun, TargetFramework, rid);
        return Directory.Exists(folder) ? folder : null;
    }

    /// <summary>
    /// Loads each image whose IL copy beside the manifest has the same name and version and that is not loaded yet;
    /// returns how many it loaded. An image that cannot be loaded is skipped: the IL copy serves instead.
    /// </summary>
    public static int Preload(string moduleFolder)
    {
        if (FolderFor(moduleFolder) is not { } folder)
            return 0;
        var loaded = new HashSet<string?>(
            AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name),
            StringComparer.OrdinalIgnoreCase
        );
        int count = 0;
        foreach (string image in Directory.EnumerateFiles(folder, "*.dll"))
        {
            string il = Path.Combine(moduleFolder, Path.GetFileName(image));
            try
            {
                AssemblyName imageName = AssemblyName.GetAssemblyName(image);
                if (
                    loaded.Contains(imageName.Name)
                    || !File.Exists(il)
                    || AssemblyName.GetAssemblyName(il).Version != imageName.Version
                )
                    continue;
                Assembly.LoadFrom(image);
                count++;
            }
            catch (Exception e) when (e is IOException or BadImageFormatException or UnauthorizedAccessException)
            {
                // The IL copy beside the manifest loads instead.
            }
        }
        return count;
    }
}
