using System.Management.Automation;

namespace Evonic.Sessions.PowerShell;

/// <summary>How a cmdlet was called: switches given explicitly, and -WhatIf given or inherited from
/// $WhatIfPreference.</summary>
internal static class SwitchState
{
    public static bool IsSet(PSCmdlet cmdlet, string name) =>
        cmdlet.MyInvocation.BoundParameters.TryGetValue(name, out object? value)
        && value is SwitchParameter { IsPresent: true };

    public static bool IsWhatIf(PSCmdlet cmdlet) =>
        cmdlet.MyInvocation.BoundParameters.ContainsKey("WhatIf")
            ? IsSet(cmdlet, "WhatIf")
            : LanguagePrimitives.IsTrue(cmdlet.GetVariableValue("WhatIfPreference"));
}
