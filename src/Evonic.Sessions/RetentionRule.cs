using System;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Evonic.Sessions.Rules;

namespace Evonic.Sessions;

/// <summary>
/// One rule of a retention policy (<see cref="EvonicSessionPolicy"/>): the sessions of the agents <see cref="Agent"/>
/// names, on the channels <see cref="Channel"/> names, go once idle longer than <see cref="MaxAgeDays"/> (0: never).
/// A rule without <see cref="Agent"/> applies to every agent, one without <see cref="Channel"/> to every channel.
/// </summary>
public sealed class RetentionRule
{
    /// <summary>The channel name of sessions that have none (<c>chat_sessions.channel_id</c> empty): Evonic's web UI,
    /// and the agents' own internal sessions.</summary>
    public const string Web = "web";

    private const int LongestPattern = 200;

    // Evonic's agent ids are ^[a-z0-9_]+$ (models/db.py): a pattern of other characters could never match one.
    private static readonly Regex AgentPatternCharacters = new("^[a-z0-9_*?]+$", RegexOptions.CultureInvariant);

    private readonly Regex? _agent;
    private readonly Regex? _channel;

    /// <param name="agent">Agent ids, with <c>*</c> and <c>?</c> wildcards; null for every agent.</param>
    /// <param name="channel"><c>web</c>, a channel id or a channel type (<c>telegram</c>, <c>whatsapp</c>, ...), with
    /// <c>*</c> and <c>?</c> wildcards; null for every channel.</param>
    /// <param name="maxAgeDays">Sessions idle longer go; 0: never removed.</param>
    public RetentionRule(string? agent, string? channel, int maxAgeDays)
    {
        agent = string.IsNullOrEmpty(agent) ? null : agent;
        channel = string.IsNullOrEmpty(channel) ? null : channel;
        if (agent == null && channel == null)
            throw Invalid(
                "A retention rule names an Agent, a Channel or both; one that names neither would be the "
                    + "default: use DefaultMaxAgeDays for that.",
                maxAgeDays
            );
        if (agent != null && (agent.Length > LongestPattern || !AgentPatternCharacters.IsMatch(agent)))
            throw Invalid(
                $"The Agent pattern '{Printable(agent)}' can never match: Evonic agent ids are lowercase letters, "
                    + "digits and '_' (wildcards '*' and '?').",
                agent
            );
        if (channel != null && (channel.Length > LongestPattern || HasControlCharacter(channel)))
            throw Invalid(
                $"The Channel pattern '{Printable(channel)}' is not a channel: give 'web', a channel id or a channel "
                    + $"type (wildcards '*' and '?'), at most {LongestPattern} characters.",
                channel
            );
        if (maxAgeDays < 0 || maxAgeDays > CleanupPolicy.LongestMaxAgeDays)
            throw Invalid(
                $"MaxAgeDays must be 0 (never removed) or a whole number of days up to "
                    + $"{CleanupPolicy.LongestMaxAgeDays}, not {maxAgeDays}.",
                maxAgeDays
            );
        Agent = agent;
        Channel = channel;
        MaxAgeDays = maxAgeDays;
        _agent = agent == null ? null : Wildcard(agent);
        _channel = channel == null ? null : Wildcard(channel);
    }

    /// <summary>Agent ids, with <c>*</c> and <c>?</c>; null: every agent.</summary>
    public string? Agent { get; }

    /// <summary><c>web</c>, a channel id or type, with <c>*</c> and <c>?</c>; null: every channel.</summary>
    public string? Channel { get; }

    /// <summary>Sessions idle longer go; 0: never removed.</summary>
    public int MaxAgeDays { get; }

    /// <summary>
    /// Whether the rule applies to a session of <paramref name="agentId"/>'s <c>chat.db</c> (or of its sub-agent
    /// <paramref name="sessionAgentId"/>) on the channel <paramref name="channelId"/> (empty: <c>web</c>) of type
    /// <paramref name="channelType"/>. A session whose channel is unknown (<paramref name="channelKnown"/> false: what
    /// is left of a session whose row is gone) matches only rules that name no channel.
    /// </summary>
    public bool Matches(
        string agentId,
        string? sessionAgentId,
        bool channelKnown,
        string? channelId,
        string? channelType
    )
    {
        if (_agent != null && !_agent.IsMatch(agentId) && !(sessionAgentId != null && _agent.IsMatch(sessionAgentId)))
            return false;
        if (_channel == null)
            return true;
        if (!channelKnown)
            return false;
        if (string.IsNullOrEmpty(channelId))
            return _channel.IsMatch(Web);
        return _channel.IsMatch(channelId) || (channelType != null && _channel.IsMatch(channelType));
    }

    /// <summary>How the rule reads in messages: <c>Agent 'support*', Channel 'whatsapp': 30 days</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        if (Agent != null)
            text.Append("Agent '").Append(Agent).Append('\'');
        if (Channel != null)
            text.Append(text.Length > 0 ? ", " : "").Append("Channel '").Append(Printable(Channel)).Append('\'');
        text.Append(": ");
        return (
            MaxAgeDays == 0
                ? text.Append("never removed")
                : text.Append(MaxAgeDays.ToString(CultureInfo.InvariantCulture)).Append(" days")
        ).ToString();
    }

    /// <summary>PowerShell's wildcards <c>*</c> and <c>?</c>, case-insensitive; every other character
    /// literal.</summary>
    private static Regex Wildcard(string pattern)
    {
        var regex = new StringBuilder("^");
        foreach (char c in pattern)
            regex.Append(
                c switch
                {
                    '*' => ".*",
                    '?' => ".",
                    _ => Regex.Escape(c.ToString()),
                }
            );
        return new Regex(
            regex.Append('$').ToString(),
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline
        );
    }

    private static bool HasControlCharacter(string value)
    {
        foreach (char c in value)
            if (char.IsControl(c))
                return true;
        return false;
    }

    private static string Printable(string value) => HasControlCharacter(value) ? Regex.Escape(value) : value;

    private static EvonicException Invalid(string message, object target) =>
        new(EvonicErrorKind.InvalidPolicy, message, target);
}
