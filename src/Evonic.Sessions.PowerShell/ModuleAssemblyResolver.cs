using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// Binding redirects for Windows PowerShell 5.1. The module's dependencies reference one another at differing
/// versions (System.Text.Json wants System.Runtime.CompilerServices.Unsafe 6.0.0.0, System.Memory wants 4.0.4.1);
/// .NET Framework binds strong names exactly and a module folder has no app.config, so without this the first JSON
/// line read would fail. PowerShell 7 needs nothing: .NET binds to the framework's copy or to any equal-or-newer one.
/// </summary>
public sealed class ModuleAssemblyResolver : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string ModuleFolder = Path.GetDirectoryName(
        typeof(ModuleAssemblyResolver).Assembly.Location
    ) ?? "";

    public void OnImport()
    {
        // PowerShell 7.0-7.3: a clear refusal now instead of a FileLoadException at the first chat log.
        if (
            HostSupport.UnsupportedReason(
                RuntimeInformation.FrameworkDescription,
                Environment.Version,
                PowerShellVersion()
            ) is
            { } reason
        )
            throw new PlatformNotSupportedException(reason);
        if (IsNetFramework)
            AppDomain.CurrentDomain.AssemblyResolve += Resolve;
    }

    private static Version? PowerShellVersion() => typeof(PSObject).Assembly.GetName().Version;

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        if (IsNetFramework)
            AppDomain.CurrentDomain.AssemblyResolve -= Resolve;
    }

    private static bool IsNetFramework =>
        RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

    private static Assembly? Resolve(object? sender, ResolveEventArgs args) =>
        FindInFolder(ModuleFolder, new AssemblyName(args.Name)) is { } path ? Assembly.LoadFrom(path) : null;

    /// <summary>
    /// The module's own copy of <paramref name="requested"/>: same name and public key, and a version no lower than
    /// asked for (what a binding redirect to the shipped version would allow); null for anything else.
    /// </summary>
    public static string? FindInFolder(string folder, AssemblyName requested)
    {
        if (string.IsNullOrEmpty(requested.Name) || requested.Name!.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            return null;
        string candidate = Path.Combine(folder, requested.Name + ".dll");
        if (!File.Exists(candidate))
            return null;
        AssemblyName shipped = AssemblyName.GetAssemblyName(candidate);
        if (requested.Version != null && shipped.Version < requested.Version)
            return null;
        byte[]? wantedKey = requested.GetPublicKeyToken();
        if (wantedKey is { Length: > 0 } && !KeysEqual(wantedKey, shipped.GetPublicKeyToken()))
            return null;
        return candidate;
    }

    private static bool KeysEqual(byte[] a, byte[]? b)
    {
        if (b == null || a.Length != b.Length)
            return false;
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i])
                return false;
        return true;
    }
}
