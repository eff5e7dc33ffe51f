using System;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// The hosts the module runs in: Windows PowerShell 5.1 (.NET Framework 4.7.2+) and PowerShell 7.4+ (.NET 8+).
/// PowerShell
/// 7.0-7.3 run on .NET Core 3.1 to 7, whose System.Text.Json is older than the 8.0 the module needs, and .NET Core
/// loads the runtime's own copy first: the first chat log read would fail with a FileLoadException. The manifest cannot
/// say "5.1, or 7.4 and later", so importing checks and says so instead.
/// </summary>
public static class HostSupport
{
    /// <summary>Why this runtime cannot run the module, or null when it can.</summary>
    /// <param name="frameworkDescription">RuntimeInformation.FrameworkDescription, e.g. ".NET 6.0.36" or ".NET
    /// Framework 4.8.9032.0".</param>
    /// <param name="runtimeVersion">Environment.Version.</param>
    /// <param name="powerShellVersion">$PSVersionTable.PSVersion, for the message.</param>
    public static string? UnsupportedReason(
        string frameworkDescription,
        Version runtimeVersion,
        Version? powerShellVersion
    )
    {
        if (frameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal))
            return null;
        if (runtimeVersion.Major >= 8)
            return null;
        return $"Evonic.Sessions needs PowerShell 7.4 or later (on .NET 8 or later), or Windows PowerShell 5.1; this "
            + $"is PowerShell "
            + $"{powerShellVersion?.ToString() ?? "?"} on {frameworkDescription}, whose System.Text.Json is older "
            + $"than the module needs. "
            + "Install a current PowerShell (https://aka.ms/powershell-release) and import the module there.";
    }
}
