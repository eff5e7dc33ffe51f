using System;
using System.Management.Automation;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>-Path as every cmdlet resolves it: PowerShell's current location, $env:EVONIC_HOME, else ~/.evonic.</summary>
internal static class InstanceParameter
{
    /// <summary>Opens the instance; a folder that is not one, or a path that is not a file system path, ends the command.</summary>
    public static EvonicInstance Open(PSCmdlet cmdlet, string? path)
    {
        string raw = path ?? EvonicInstance.DefaultPath(Environment.GetEnvironmentVariable);
        try
        {
            return EvonicInstance.Open(cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(raw));
        }
        catch (EvonicException e)
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.From(e));
            throw; // not reached
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or ProviderNotFoundException or DriveNotFoundException)
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.Create("InvalidPath", ErrorCategory.InvalidArgument, $"'{raw}' is not a file system path: {e.Message}", raw));
            throw;
        }
    }
}
