using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace Evonic.Sessions;

/// <summary>
/// Where the module keeps what differs by platform: SQLite's native library under <c>runtimes/&lt;rid&gt;/native/</c>
/// and the ReadyToRun images under <c>readytorun/&lt;framework&gt;/&lt;rid&gt;/</c>. One source file compiled into the
/// store and into the cmdlets: the cmdlets choose the store's image before the store is loaded, so they cannot call it.
/// </summary>
internal static class ModuleLayout
{
    /// <summary>The sub-folder of the module that holds the ReadyToRun images.</summary>
    public const string ReadyToRun = "readytorun";

    /// <summary>The runtime identifier whose folders fit this process, e.g. linux-musl-x64; null for an unknown
    /// OS.</summary>
    public static string? RuntimeIdentifier()
    {
        string arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.X86 => "x86",
            Architecture.Arm64 => "arm64",
            Architecture.Arm => "arm",
            var other => other.ToString().ToLowerInvariant(),
        };
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            return "win-" + arch;
        if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
            return "osx-" + arch;
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            return (IsMusl() ? "linux-musl-" : "linux-") + arch;
        return null;
    }

    private static bool IsMusl()
    {
        try
        {
            return Directory.Exists("/lib") && Directory.EnumerateFiles("/lib", "ld-musl-*.so.1").Any();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
