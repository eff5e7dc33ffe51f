using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using Evonic.Sessions.Rules;

namespace Evonic.Sessions.PowerShell;

/// <summary>
/// Lets -Rule take what a PowerShell user writes: hashtables (<c>@{ Agent = 'support*'; MaxAgeDays = 365 }</c>),
/// objects with those properties (Import-Csv, ConvertFrom-Json), or the rules Get-EvonicSessionPolicy gave. Each is
/// checked as the policy file's rules are: a key it does not know is refused, not ignored.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class RetentionRuleTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = Unwrap(inputData);
        IEnumerable items = value is IEnumerable many and not string and not IDictionary ? many : new[] { value };
        var rules = new List<RetentionRule>();
        foreach (object? item in items)
        {
            try
            {
                rules.Add(
                    Unwrap(item) as RetentionRule
                        ?? EvonicSessionPolicy.RuleFromData(AsDictionary(item), $"rule {rules.Count + 1} of -Rule")
                );
            }
            catch (EvonicException e)
            {
                throw new ArgumentTransformationMetadataException(e.Message, e);
            }
        }
        return rules.ToArray();
    }

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;

    /// <summary>A hashtable as it is; an object's properties as one (a [pscustomobject]'s are on its PSObject, not on
    /// what it wraps).</summary>
    private static object? AsDictionary(object? item)
    {
        object? value = Unwrap(item);
        if (value is IDictionary or null or string or ValueType)
            return value;
        var properties = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (PSPropertyInfo property in PSObject.AsPSObject(item!).Properties)
            properties[property.Name] = Unwrap(property.Value);
        return properties;
    }
}
