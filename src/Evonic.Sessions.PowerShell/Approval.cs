using System;
using System.Management.Automation;
using System.Management.Automation.Host;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// One ShouldProcess per item, as every removing cmdlet asks it: -Force skips the prompt (as in Microsoft's
/// Remove-* cmdlets) unless -Confirm or -WhatIf is given too, and a host that cannot prompt (a scheduled task, a
/// service) ends the command with ConfirmationRequired instead of hanging.
/// </summary>
internal static class Approval
{
    public static bool Ask(PSCmdlet cmdlet, bool force, string target, string action) =>
        Ask(cmdlet, SkipsPrompt(cmdlet, force), SwitchState.IsVerbose(cmdlet), () => target, action);

    /// <summary>Whether -Force goes on without ShouldProcess: not with -Confirm or -WhatIf.</summary>
    public static bool SkipsPrompt(PSCmdlet cmdlet, bool force) =>
        force && !SwitchState.IsSet(cmdlet, "Confirm") && !SwitchState.IsWhatIf(cmdlet);

    /// <summary>For a cmdlet that asks once per session: <paramref name="skipsPrompt"/> (<see cref="SkipsPrompt"/>) and
    /// <paramref name="verbose"/> (<see cref="SwitchState.IsVerbose"/>) read once per call, the target described only
    /// when shown.</summary>
    public static bool Ask(PSCmdlet cmdlet, bool skipsPrompt, bool verbose, Func<string> target, string action)
    {
        if (skipsPrompt)
        {
            if (verbose)
                cmdlet.WriteVerbose($"{action}: {target()}.");
            return true;
        }
        string described = target();
        try
        {
            return cmdlet.ShouldProcess(described, action);
        }
        // How hosts fail a prompt they cannot show: -NonInteractive (PSInvalidOperationException), a host without a
        // prompt (HostException, NotImplementedException), pwsh whose stdin is at its end (NullReferenceException from
        // its prompt's read), a remote session whose client cannot prompt (RemoteException).
        catch (Exception e)
            when (e
                    is HostException
                        or PSInvalidOperationException
                        or NotImplementedException
                        or NullReferenceException
                        or RemoteException
            )
        {
            cmdlet.ThrowTerminatingError(
                ErrorRecords.Create(
                    "ConfirmationRequired",
                    ErrorCategory.InvalidOperation,
                    $"This needs confirmation, and this host cannot ask for it "
                        + $"({(e is NullReferenceException ? "its input has ended" : e.Message)}). Add -Force (or "
                        + $"-Confirm:$false) to go on without asking.",
                    described
                )
            );
            throw;
        }
    }
}
