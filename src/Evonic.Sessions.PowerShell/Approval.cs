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
    public static bool Ask(PSCmdlet cmdlet, bool force, string target, string action)
    {
        if (force && !SwitchState.IsSet(cmdlet, "Confirm") && !SwitchState.IsWhatIf(cmdlet))
        {
            cmdlet.WriteVerbose($"{action}: {target}.");
            return true;
        }
        try
        {
            return cmdlet.ShouldProcess(target, action);
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
                    target
                )
            );
            throw;
        }
    }
}
