using System.Management.Automation;

namespace Evonic.Sessions.PowerShell;

/// <summary>How a cmdlet was called: switches given explicitly, and -WhatIf given or inherited from
/// $WhatIfPreference.</summary>
internal static class SwitchState
{
    public static bool IsSet(PSCmdlet cmdlet, string name) =>
        cmdlet.MyInvocation.BoundParameters.TryGetValue(name, out object? value)
        && value is SwitchParameter { IsPresent: true };

    /// <summary>Whether WriteVerbose shows anything, as PowerShell decides it: -Verbose (or -Verbose:$false), else
    /// -Debug, else $VerbosePreference. A preference that cannot be read counts as shown.</summary>
    public static bool IsVerbose(PSCmdlet cmdlet)
    {
        if (cmdlet.MyInvocation.BoundParameters.ContainsKey("Verbose"))
            return IsSet(cmdlet, "Verbose");
        if (IsSet(cmdlet, "Debug"))
            return true;
        return !LanguagePrimitives.TryConvertTo(
                cmdlet.GetVariableValue("VerbosePreference"),
                out ActionPreference shown
            ) || shown is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);
    }

    public static bool IsWhatIf(PSCmdlet cmdlet) =>
        cmdlet.MyInvocation.BoundParameters.ContainsKey("WhatIf")
            ? IsSet(cmdlet, "WhatIf")
            : LanguagePrimitives.IsTrue(cmdlet.GetVariableValue("WhatIfPreference"));
}
