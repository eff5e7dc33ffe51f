using System;
using System.Collections.Generic;
using System.Management.Automation;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// -Path and -LiteralPath as every cmdlet resolves them: PowerShell paths (relative to the current location, drives,
/// provider-qualified), of the file system provider only; without one, $env:EVONIC_HOME, else ~/.evonic.
/// </summary>
internal static class InstanceParameter
{
    /// <summary>Opens the instance; a folder that is not one, or a path that is not a file system path, ends the
    /// command.</summary>
    public static EvonicInstance Open(PSCmdlet cmdlet, string? path)
    {
        string raw = path ?? EvonicInstance.DefaultPath(Environment.GetEnvironmentVariable);
        return OpenFolder(cmdlet, FileSystemPath(cmdlet, raw, literal: true)[0]);
    }

    /// <summary>Opens the instance at a file system path already resolved (<see cref="FileSystemPath"/>, a session's
    /// InstanceRoot).</summary>
    public static EvonicInstance OpenFolder(PSCmdlet cmdlet, string folder)
    {
        try
        {
            return EvonicInstance.Open(folder);
        }
        catch (EvonicException e)
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.From(e));
            throw; // not reached
        }
    }

    /// <summary>
    /// The folders a -Path names: its wildcards expanded against what exists (a pattern that matches nothing ends the
    /// command), or, <paramref name="literal"/> (-LiteralPath), the one folder as written.
    /// </summary>
    public static IReadOnlyList<string> FileSystemPath(PSCmdlet cmdlet, string raw, bool literal)
    {
        ProviderInfo provider;
        IReadOnlyList<string> folders;
        try
        {
            if (literal || !WildcardPattern.ContainsWildcardCharacters(raw))
                folders = new[]
                {
                    cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(raw, out provider, out _),
                };
            else
                folders = cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(raw, out provider);
        }
        catch (ItemNotFoundException)
        {
            cmdlet.ThrowTerminatingError(
                ErrorRecords.From(
                    new EvonicException(EvonicErrorKind.InstanceNotFound, $"No folder matches '{raw}'.", raw)
                )
            );
            throw;
        }
        catch (Exception e)
            when (e
                    is ArgumentException
                        or NotSupportedException
                        or ProviderNotFoundException
                        or DriveNotFoundException
                        or ProviderInvocationException
            )
        {
            cmdlet.ThrowTerminatingError(
                ErrorRecords.Create(
                    "InvalidPath",
                    ErrorCategory.InvalidArgument,
                    $"'{raw}' is not a file system path: {e.Message}",
                    raw
                )
            );
            throw;
        }
        if (folders.Count == 0)
            cmdlet.ThrowTerminatingError(
                ErrorRecords.From(
                    new EvonicException(EvonicErrorKind.InstanceNotFound, $"No folder matches '{raw}'.", raw)
                )
            );
        // Env:/HOME, HKLM:\..., Variable:\x: a path of another provider would otherwise become a folder named after its
        // item.
        if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
        {
            cmdlet.ThrowTerminatingError(
                ErrorRecords.Create(
                    "InvalidPath",
                    ErrorCategory.InvalidArgument,
                    $"'{raw}' is a path of the {provider.Name} provider: an Evonic instance is a folder of the file "
                        + $"system.",
                    raw
                )
            );
        }
        return folders;
    }
}
