using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Evonic.Sessions.Rules;

namespace Evonic.Sessions;

/// <summary>
/// An instance's retention policy, as kept in its <c>evonic-session-policy.psd1</c>: rules by agent and channel, tried
/// in order (the first that matches a session gives its max age), and a default for sessions no rule matches. Without
/// a default, <c>EVONIC_SESSION_MAX_AGE_DAYS</c> (else 90) applies, as without a policy.
/// </summary>
public sealed class EvonicSessionPolicy
{
    private static readonly string[] PolicyKeys = { nameof(DefaultMaxAgeDays), nameof(Rules) };
    private static readonly string[] RuleKeys =
    {
        nameof(RetentionRule.Agent),
        nameof(RetentionRule.Channel),
        nameof(RetentionRule.MaxAgeDays),
    };

    /// <param name="defaultMaxAgeDays">For sessions no rule matches; null: <c>EVONIC_SESSION_MAX_AGE_DAYS</c>, else
    /// 90.</param>
    /// <param name="rules">Tried in order.</param>
    public EvonicSessionPolicy(int? defaultMaxAgeDays, IEnumerable<RetentionRule>? rules)
    {
        if (defaultMaxAgeDays is < 0 or > CleanupPolicy.LongestMaxAgeDays)
            throw new EvonicException(
                EvonicErrorKind.InvalidPolicy,
                $"DefaultMaxAgeDays must be 0 (never removed) or a whole number of days up to "
                    + $"{CleanupPolicy.LongestMaxAgeDays}, not {defaultMaxAgeDays}.",
                defaultMaxAgeDays
            );
        DefaultMaxAgeDays = defaultMaxAgeDays;
        Rules = (rules ?? Enumerable.Empty<RetentionRule>()).ToList().AsReadOnly();
    }

    /// <summary>For sessions no rule matches; null: <c>EVONIC_SESSION_MAX_AGE_DAYS</c>, else 90.</summary>
    public int? DefaultMaxAgeDays { get; }

    /// <summary>Tried in order: the first that matches a session gives its max age.</summary>
    public IReadOnlyList<RetentionRule> Rules { get; }

    /// <summary>The file the policy was read from or is kept in.</summary>
    public string? Path { get; internal set; }

    /// <summary>Whether that file exists (false: the instance has no policy, and this one is empty).</summary>
    public bool Exists { get; internal set; }

    /// <summary>
    /// The policy a data file holds, as PowerShell reads it (<c>Import-PowerShellDataFile</c>: a hashtable of
    /// <c>DefaultMaxAgeDays</c> and <c>Rules</c>, an array of hashtables of <c>Agent</c>, <c>Channel</c> and
    /// <c>MaxAgeDays</c>). A key it does not know is refused, not ignored: a misspelt key would otherwise keep or
    /// remove what its writer did not mean.
    /// </summary>
    /// <param name="data">The file's hashtable.</param>
    /// <param name="source">Where it came from, for messages.</param>
    public static EvonicSessionPolicy FromData(IDictionary data, string source)
    {
        Dictionary<string, object?> policy = Entries(data, PolicyKeys, $"The retention policy {source}");
        int? defaultDays = policy.TryGetValue(nameof(DefaultMaxAgeDays), out object? days)
            ? Days(days, $"DefaultMaxAgeDays in {source}")
            : null;
        var rules = new List<RetentionRule>();
        policy.TryGetValue(nameof(Rules), out object? listed);
        IEnumerable items = listed switch
        {
            null => Array.Empty<object>(),
            IDictionary one => new object[] { one },
            IEnumerable many and not string => many,
            _ => throw Invalid($"Rules in {source} must be a list of hashtables (@(@{{...}}, ...)), not '{listed}'."),
        };
        foreach (object? item in items)
            rules.Add(RuleFromData(item, $"rule {rules.Count + 1} in {source}"));
        return new EvonicSessionPolicy(defaultDays, rules);
    }

    /// <summary>A rule as a hashtable of <c>Agent</c>, <c>Channel</c> and <c>MaxAgeDays</c> gives it; <paramref
    /// name="where"/> names it in messages.</summary>
    public static RetentionRule RuleFromData(object? item, string where)
    {
        if (item is not IDictionary entry)
            throw Invalid($"The {where} must be a hashtable (@{{ Agent = ...; MaxAgeDays = ... }}), not '{item}'.");
        Dictionary<string, object?> rule = Entries(entry, RuleKeys, "The " + where);
        if (!rule.TryGetValue(nameof(RetentionRule.MaxAgeDays), out object? maxAgeDays))
            throw Invalid($"The {where} has no MaxAgeDays.");
        string? agent = Text(rule, nameof(RetentionRule.Agent), where);
        string? channel = Text(rule, nameof(RetentionRule.Channel), where);
        int days = Days(maxAgeDays, $"MaxAgeDays of the {where}");
        try
        {
            return new RetentionRule(agent, channel, days);
        }
        catch (EvonicException e) when (e.Kind == EvonicErrorKind.InvalidPolicy)
        {
            throw Invalid($"The {where}: {e.Message}");
        }
    }

    /// <summary>The policy as a PowerShell data file (<c>.psd1</c>), with a header that says how it is read.</summary>
    public string ToDataFile()
    {
        var text = new StringBuilder();
        text.Append(
            "# Retention policy of this Evonic instance, read by Get-EvonicOldSession,\n"
                + "# Remove-EvonicOldSession and the nightly cleanup (Evonic.Sessions) at the start of each run.\n"
                + "# Rules are tried in order: the first that matches a session gives its MaxAgeDays (0: never\n"
                + "# removed). Agent: agent ids; Channel: 'web', a channel id or a channel type ('telegram',\n"
                + "# 'whatsapp', ...); both take the wildcards * and ?. Sessions no rule matches: DefaultMaxAgeDays;\n"
                + "# without it EVONIC_SESSION_MAX_AGE_DAYS, else 90. See Get-Help about_EvonicSessionPolicy.\n"
                + "# Written by Set-EvonicSessionPolicy; this file may be edited by hand too.\n"
                + "@{\n"
        );
        if (DefaultMaxAgeDays is { } days)
            text.Append("    DefaultMaxAgeDays = ").Append(days.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("    Rules = @(\n");
        foreach (RetentionRule rule in Rules)
        {
            text.Append("        @{ ");
            if (rule.Agent != null)
                text.Append("Agent = ").Append(Quote(rule.Agent)).Append("; ");
            if (rule.Channel != null)
                text.Append("Channel = ").Append(Quote(rule.Channel)).Append("; ");
            text.Append("MaxAgeDays = ").Append(rule.MaxAgeDays.ToString(CultureInfo.InvariantCulture)).Append(" }\n");
        }
        return text.Append("    )\n}\n").ToString();
    }

    /// <summary>A PowerShell single-quoted string: nothing inside is expanded. PowerShell also takes the typographic
    /// single quotes as quotes, so those are doubled too.</summary>
    private static string Quote(string value)
    {
        var quoted = new StringBuilder("'");
        foreach (char c in value)
        {
            quoted.Append(c);
            if (c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B')
                quoted.Append(c);
        }
        return quoted.Append('\'').ToString();
    }

    /// <summary>The hashtable's entries by key, whatever its case (PowerShell's keys are case-insensitive).</summary>
    private static Dictionary<string, object?> Entries(IDictionary data, string[] known, string what)
    {
        var entries = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in data)
        {
            string? key = known.FirstOrDefault(k =>
                string.Equals(k, entry.Key as string, StringComparison.OrdinalIgnoreCase)
            );
            if (key == null)
                throw Invalid($"{what} has the key '{entry.Key}', which is not one of {string.Join(", ", known)}.");
            if (entries.ContainsKey(key))
                throw Invalid($"{what} has the key '{key}' twice.");
            entries[key] = entry.Value;
        }
        return entries;
    }

    private static string? Text(Dictionary<string, object?> rule, string key, string where) =>
        !rule.TryGetValue(key, out object? value) || value is null ? null
        : value is string text ? text
        : throw Invalid($"{key} of the {where} must be a string, not '{value}'.");

    private static int Days(object? value, string what) =>
        value switch
        {
            int days => days,
            long days when days is >= int.MinValue and <= int.MaxValue => (int)days,
            byte or short or sbyte or ushort => Convert.ToInt32(value, CultureInfo.InvariantCulture),
            _ => throw Invalid($"{what} must be a whole number of days, not '{value}'."),
        };

    private static EvonicException Invalid(string message) => new(EvonicErrorKind.InvalidPolicy, message, null);
}
