using System;
using System.Globalization;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Rules;

/// <summary>
/// How old a session must be to go: <c>-MaxAgeDays</c>, else <c>EVONIC_SESSION_MAX_AGE_DAYS</c> from the
/// environment, else from the instance's <c>.env</c> file, else 90. Zero disables cleanup.
/// </summary>
public sealed class CleanupPolicy
{
    public const string MaxAgeVariable = "EVONIC_SESSION_MAX_AGE_DAYS";
    public const int DefaultMaxAgeDays = 90;

    /// <summary>About 2000 years: a longer age reaches past the start of the calendar, which is surely a
    /// typo.</summary>
    public const int LongestMaxAgeDays = 730_000;

    private CleanupPolicy(int maxAgeDays, string source, bool everything = false)
    {
        MaxAgeDays = maxAgeDays;
        Source = source;
        _everything = everything;
    }

    private readonly bool _everything;

    /// <summary>Every session last active before now is old, whatever its age: what an erasure lists.</summary>
    internal static CleanupPolicy Everything { get; } = new(0, "an erasure", everything: true);

    public int MaxAgeDays { get; }

    /// <summary>Where <see cref="MaxAgeDays"/> came from, for messages.</summary>
    public string Source { get; }

    public bool IsDisabled => MaxAgeDays == 0 && !_everything;

    /// <summary>Sessions whose last activity is before this instant are old. Clamped to the calendar's range.</summary>
    public DateTime CutoffUtc(DateTime nowUtc) => CutoffUtc(nowUtc, MaxAgeDays);

    /// <summary>Sessions last active before this instant are older than <paramref name="maxAgeDays"/>. Clamped to the
    /// calendar's range.</summary>
    public static DateTime CutoffUtc(DateTime nowUtc, int maxAgeDays) =>
        maxAgeDays >= (nowUtc - DateTime.MinValue).TotalDays
            ? DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc)
            : nowUtc.AddDays(-maxAgeDays);

    /// <summary>An age a retention policy gave (<see cref="AgeLimits"/>), already validated there.</summary>
    internal static CleanupPolicy FromPolicy(int maxAgeDays, string source) => new(maxAgeDays, source);

    public static CleanupPolicy FromParameter(int maxAgeDays)
    {
        if (maxAgeDays < 0 || maxAgeDays > LongestMaxAgeDays)
            throw new EvonicException(
                EvonicErrorKind.InvalidSetting,
                $"MaxAgeDays must be 0 (disabled) or a whole number of days up to {LongestMaxAgeDays}, not "
                    + $"{maxAgeDays}.",
                maxAgeDays
            );
        return new CleanupPolicy(maxAgeDays, "the MaxAgeDays parameter");
    }

    /// <summary>Resolves the setting from the environment, then the instance's .env file, then the default.</summary>
    public static CleanupPolicy Resolve(EvonicInstance instance, Func<string, string?> getEnvironmentVariable)
    {
        return
            instance.FindSetting(MaxAgeVariable, getEnvironmentVariable) is { } setting
            && !string.IsNullOrWhiteSpace(setting.Value)
            ? Parse(setting.Value, setting.Source)
            : new CleanupPolicy(DefaultMaxAgeDays, "the default");
    }

    private static CleanupPolicy Parse(string value, string source)
    {
        if (
            !int.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int days)
            || days < 0
            || days > LongestMaxAgeDays
        )
            throw new EvonicException(
                EvonicErrorKind.InvalidSetting,
                $"{MaxAgeVariable} must be 0 (disabled) or a whole number of days up to {LongestMaxAgeDays}, but "
                    + $"{source} is '{value}'.",
                value
            );
        return new CleanupPolicy(days, source);
    }
}
