using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Rules;

/// <summary>
/// The max age that applies to each session of a run, and where it came from: one age for every session
/// (<c>-MaxAgeDays</c>, <c>EVONIC_SESSION_MAX_AGE_DAYS</c>, 90), or an instance's retention policy
/// (<see cref="EvonicSessionPolicy"/>) read once at the start of the run, its rules tried in order.
/// </summary>
public sealed class AgeLimits
{
    private readonly List<(RetentionRule Rule, CleanupPolicy Age)> _rules;

    private AgeLimits(CleanupPolicy? fallback, EvonicSessionPolicy? policy)
    {
        Policy = policy;
        string where = policy?.Path != null ? $"the policy '{policy.Path}'" : "the retention policy";
        Default = policy?.DefaultMaxAgeDays is { } days
            ? CleanupPolicy.FromPolicy(days, $"DefaultMaxAgeDays of {where}")
            : fallback ?? throw new ArgumentNullException(nameof(fallback), "The policy has no default of its own.");
        _rules = (policy?.Rules ?? new List<RetentionRule>())
            .Select((rule, i) => (rule, CleanupPolicy.FromPolicy(rule.MaxAgeDays, $"rule {i + 1} of {where} ({rule})")))
            .ToList();
    }

    /// <summary>One age for every session.</summary>
    public static AgeLimits Uniform(CleanupPolicy policy) => new(policy, null);

    /// <summary>The policy's rules, then its default; without one, <paramref name="fallback"/> (the age
    /// <c>EVONIC_SESSION_MAX_AGE_DAYS</c> gives, else 90).</summary>
    public static AgeLimits Of(EvonicSessionPolicy policy, CleanupPolicy fallback) => new(fallback, policy);

    /// <summary>The retention policy the ages come from; null: one age for all.</summary>
    public EvonicSessionPolicy? Policy { get; }

    /// <summary>The age of sessions no rule matches.</summary>
    public CleanupPolicy Default { get; }

    /// <summary>No session can ever be old: every age is 0.</summary>
    public bool IsDisabled => Default.IsDisabled && _rules.All(r => r.Age.IsDisabled);

    /// <summary>Some rule names channels: the listing then reads each channel's type from the main database.</summary>
    public bool NeedChannelTypes => _rules.Any(r => r.Rule.Channel != null);

    /// <summary>
    /// The age of a session of <paramref name="agentId"/>'s <c>chat.db</c> (or of its sub-agent <paramref
    /// name="sessionAgentId"/>) on the channel <paramref name="channelId"/> (empty: <c>web</c>) of type <paramref
    /// name="channelType"/>: the first rule that matches, else <see cref="Default"/>. <paramref name="channelKnown"/>
    /// false (what is left of a session whose row is gone): only rules that name no channel can match.
    /// </summary>
    public CleanupPolicy For(
        string agentId,
        string? sessionAgentId,
        bool channelKnown,
        string? channelId,
        string? channelType
    )
    {
        foreach ((RetentionRule rule, CleanupPolicy age) in _rules)
            if (rule.Matches(agentId, sessionAgentId, channelKnown, channelId, channelType))
                return age;
        return Default;
    }

    /// <summary>The shortest age that removes anything (0 never does); null when none does.</summary>
    public int? YoungestDays =>
        _rules.Select(r => r.Age).Append(Default).Where(a => !a.IsDisabled).Select(a => (int?)a.MaxAgeDays).Min();

    /// <summary>
    /// The age limits an instance gives when the command line gives none: its retention policy (read now, once),
    /// whose default, when it has none, is <c>EVONIC_SESSION_MAX_AGE_DAYS</c> (environment, then the instance's .env),
    /// else 90. Throws <see cref="EvonicErrorKind.InvalidPolicy"/> for a policy that cannot be used, <see
    /// cref="EvonicErrorKind.InvalidSetting"/> for a setting that is not a number of days.
    /// </summary>
    /// <param name="instance">The instance.</param>
    /// <param name="parseDataFile">PowerShell's data-file parser (<see cref="SessionPolicyFile.Read"/>).</param>
    /// <param name="getEnvironmentVariable">The environment.</param>
    public static AgeLimits OfInstance(
        EvonicInstance instance,
        Func<string, string, IDictionary> parseDataFile,
        Func<string, string?> getEnvironmentVariable
    )
    {
        EvonicSessionPolicy policy = SessionPolicyFile.Read(instance, parseDataFile);
        // The environment is read only when the policy leaves the default to it.
        CleanupPolicy? fallback =
            policy.DefaultMaxAgeDays == null ? CleanupPolicy.Resolve(instance, getEnvironmentVariable) : null;
        return new AgeLimits(fallback, policy.Exists ? policy : null);
    }

    /// <summary>How the ages read in messages.</summary>
    public string Describe() =>
        _rules.Count == 0
            ? $"{Default.MaxAgeDays} days, from {Default.Source}"
            : $"{_rules.Count} rule(s) of {(Policy?.Path != null ? $"'{Policy.Path}'" : "the retention policy")}, "
                + $"else {Default.MaxAgeDays} days from {Default.Source}";
}
