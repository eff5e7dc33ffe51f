using System;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Rules;

/// <summary>
/// Whether removed sessions are archived first: <c>-Archive</c> (or <c>-Archive:$false</c>), else
/// <c>EVONIC_SESSION_ARCHIVE</c> as Evonic's <c>config.py</c> gets it (<see cref="EvonicInstance.FindSetting"/>), read
/// as its <c>_get_env_bool</c> reads it (<c>1</c>, <c>true</c>, <c>yes</c>, <c>on</c>, any case), so an instance that
/// archives its <c>/clear</c>s also archives its cleanups.
/// </summary>
public sealed class ArchivePolicy
{
    public const string Variable = "EVONIC_SESSION_ARCHIVE";

    private ArchivePolicy(bool enabled, string source)
    {
        Enabled = enabled;
        Source = source;
    }

    public bool Enabled { get; }

    /// <summary>Where <see cref="Enabled"/> came from, for messages.</summary>
    public string Source { get; }

    public static ArchivePolicy FromParameter(bool archive) => new(archive, "the Archive parameter");

    public static ArchivePolicy Resolve(EvonicInstance instance, Func<string, string?> getEnvironmentVariable)
    {
        // Evonic: os.getenv(name, "") == "" means unset; anything else, spaces included, is compared as it is.
        return instance.FindSetting(Variable, getEnvironmentVariable) is { } setting && setting.Value.Length > 0
            ? new ArchivePolicy(IsTrue(setting.Value), setting.Source)
            : new ArchivePolicy(false, "the default");
    }

    /// <summary>Evonic: <c>raw.lower() in ("1", "true", "yes", "on")</c>.</summary>
    public static bool IsTrue(string value) => value.ToLowerInvariant() is "1" or "true" or "yes" or "on";
}
