using System;
using System.Globalization;
using System.Management.Automation;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// Refuses a fractional number of days before PowerShell converts it to <c>int</c>: the conversion rounds (2.5
/// becomes 2, and 0.4 becomes 0, which disables cleanup without a word). Whole numbers pass unchanged.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class WholeDaysAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        double? number = value switch
        {
            double d => d,
            float f => f,
            decimal m => (double)m,
            string s
                when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed)
                    && !int.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) =>
                parsed,
            _ => null,
        };
        if (number is not { } days)
            return inputData;
        if (double.IsNaN(days) || double.IsInfinity(days) || Math.Floor(days) != days)
            throw new ArgumentTransformationMetadataException(
                $"MaxAgeDays must be a whole number of days, not "
                    + $"{Convert.ToString(value, CultureInfo.InvariantCulture)}: it is never rounded "
                    + "(0.4 would become 0, which disables cleanup). Use 0 to disable cleanup, or 1 or more days."
            );
        return days;
    }
}
