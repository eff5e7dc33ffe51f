using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Rules;

/// <summary>
/// Why an old session of one agent must stay: what was read once per listing (Evonic's lookups, each session's
/// state, the main database's schedules and transfers, the agent's focus), applied to each session. The same
/// rules are decided again inside the transaction that deletes (<see cref="ChatDatabase.RemoveSessions"/>).
/// </summary>
internal sealed class ProtectionRules
{
    private readonly ProtectionsById _lookups;
    private readonly ProtectionsById _states;
    private readonly WorkInProgress _work;
    private readonly bool _inFocus;

    public ProtectionRules(ProtectionsById lookups, ProtectionsById states, WorkInProgress work, bool inFocus)
    {
        _lookups = lookups;
        _states = states;
        _work = work;
        _inFocus = inFocus;
    }

    /// <summary>The protections of a session with chat rows (old, or with a time that cannot be read).</summary>
    public SessionProtection OfSession(SessionRow row, ChatLog? log, bool unreadable)
    {
        var protection = SessionProtection.None;
        if (unreadable) protection |= SessionProtection.UnreadableTimestamp;
        if (!row.BotEnabled) protection |= SessionProtection.HumanTakeover;
        if (_lookups.TryGetValue(row.Id, out SessionProtection looked)) protection |= looked;
        if (_states.TryGetValue(row.Id, out SessionProtection state)) protection |= state;
        return protection | OfAnySession(row.Id, log);
    }

    /// <summary>The protections of an old orphan: no rows, so only what lives outside chat.db, its log, and focus.</summary>
    public SessionProtection OfOrphan(string sessionId, ChatLog? log) => OfAnySession(sessionId, log);

    private SessionProtection OfAnySession(string sessionId, ChatLog? log)
    {
        SessionProtection protection = _work.ProtectionOf(sessionId);
        if (log != null && log.TurnInProgress) protection |= SessionProtection.TurnInProgress;
        if (_inFocus) protection |= SessionProtection.AgentInFocus;
        return protection;
    }
}
