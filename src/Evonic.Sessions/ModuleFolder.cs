using System.IO;

namespace Evonic.Sessions;

/// <summary>
/// The folder the module is installed in (its manifest, the cmdlet assembly, SQLite's native libraries under
/// <c>runtimes/</c>). This assembly lies there, or, as the ReadyToRun image PowerShell 7.6+ loads, in
/// <c>readytorun/&lt;framework&gt;/&lt;rid&gt;/</c> below it.
/// </summary>
internal static class ModuleFolder
{
    public static string Path { get; } =
        Find(System.IO.Path.GetDirectoryName(typeof(ModuleFolder).Assembly.Location) ?? "");

    /// <summary>The module folder of an assembly that lies in <paramref name="assemblyFolder"/>.</summary>
    internal static string Find(string assemblyFolder)
    {
        DirectoryInfo? images = new DirectoryInfo(assemblyFolder).Parent?.Parent;
        return images is { Name: ModuleLayout.ReadyToRun, Parent: { } module } ? module.FullName : assemblyFolder;
    }
}
