using System.Collections.Generic;
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
    private readonly HashSet<string> _unknownReferences;
    private readonly HashSet<string> _held;
    private readonly bool _inFocus;

    /// <param name="lookups">What Evonic's lookups return.</param>
    /// <param name="states">Each session's <c>session_state</c> protections.</param>
    /// <param name="work">What the main database names.</param>
    /// <param name="unknownReferences">The sessions a <c>chat.db</c> table the module does not know names.</param>
    /// <param name="held">The sessions a restore holds (<see cref="RestoreHolds"/>).</param>
    /// <param name="inFocus">The agent is in focus.</param>
    public ProtectionRules(ProtectionsById lookups, ProtectionsById states, WorkInProgress work, HashSet<string> unknownReferences,
        HashSet<string> held, bool inFocus)
    {
        _held = held;
        _lookups = lookups;
        _states = states;
        _work = work;
        _unknownReferences = unknownReferences;
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
        if (_unknownReferences.Contains(sessionId)) protection |= SessionProtection.UnknownTable;
        if (_held.Contains(sessionId)) protection |= SessionProtection.RestoredHold;
        if (log != null && log.TurnInProgress) protection |= SessionProtection.TurnInProgress;
        if (_inFocus) protection |= SessionProtection.AgentInFocus;
        return protection;
    }
}
