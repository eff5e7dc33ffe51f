using System.Collections.Generic;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Rules;

/// <summary>
/// The one place that decides why an old session must stay. It turns what storage read (Evonic's lookups, each
/// session's state, the work the main database names, unknown tables' rows, restore holds, the agent's state) into
/// <see cref="SessionProtection"/>s. Built once per listing from the listing's snapshot (<c>SessionScanner</c>), and
/// once per batch from what the deleting transaction read (<see cref="BatchDecision"/>): the same rules both times.
/// </summary>
internal sealed class ProtectionRules
{
    private readonly IReadOnlyDictionary<string, EvonicLookup> _lookups;
    private readonly ProtectionsById _states = new();
    private readonly WorkInProgress _work;
    private readonly HashSet<string> _unknownReferences;
    private readonly HashSet<string> _held;
    private readonly bool _inFocus;

    /// <param name="lookups">What Evonic's lookups return.</param>
    /// <param name="sessionStates">Each session's <c>session_state</c> content (streamed: only protected ids are
    /// kept).</param>
    /// <param name="work">What the main database names.</param>
    /// <param name="unknownReferences">The sessions a <c>chat.db</c> table the module does not know names.</param>
    /// <param name="held">The sessions a restore holds (<see cref="RestoreHolds"/>).</param>
    /// <param name="agentStates">The agent state contents Evonic reads: in focus when any says so.</param>
    public ProtectionRules(
        IReadOnlyDictionary<string, EvonicLookup> lookups,
        IEnumerable<KeyValuePair<string, string>> sessionStates,
        PendingWork work,
        HashSet<string> unknownReferences,
        HashSet<string> held,
        IEnumerable<string> agentStates
    )
    {
        _lookups = lookups;
        foreach (KeyValuePair<string, string> state in sessionStates)
            if (StateRules.OfSessionState(state.Value) is var protection and not SessionProtection.None)
                _states.Keep(state.Key, protection);
        _work = new WorkInProgress(work);
        _unknownReferences = unknownReferences;
        _held = held;
        foreach (string agentState in agentStates)
            _inFocus |= StateRules.IsInFocus(agentState);
    }

    /// <summary>
    /// The rules inside a write transaction: from what it read (<see cref="BatchFacts"/>), the work the main database
    /// names now, and the restore holds.
    /// </summary>
    public static ProtectionRules OfBatch(BatchFacts facts, PendingWork work, HashSet<string> held) =>
        new(facts.Lookups, facts.SessionStates, work, facts.UnknownReferences, held, facts.AgentStates);

    /// <summary>The protections of a session with chat rows (old, or with a time that cannot be read).</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="botEnabled">False when a human took it over.</param>
    /// <param name="log">Its JSONL log, when read.</param>
    /// <param name="unreadable">A time of it cannot be read.</param>
    public SessionProtection OfSession(string sessionId, bool botEnabled, ChatLog? log, bool unreadable)
    {
        var protection = SessionProtection.None;
        if (unreadable)
            protection |= SessionProtection.UnreadableTimestamp;
        if (!botEnabled)
            protection |= SessionProtection.HumanTakeover;
        if (_lookups.TryGetValue(sessionId, out EvonicLookup looked))
            protection |= OfLookup(looked);
        if (_states.TryGetValue(sessionId, out SessionProtection state))
            protection |= state;
        return protection | OfAnySession(sessionId, log);
    }

    /// <summary>The protections of an old orphan: no rows, so only what lives outside chat.db, its log, and
    /// focus.</summary>
    public SessionProtection OfOrphan(string sessionId, ChatLog? log) => OfAnySession(sessionId, log);

    private SessionProtection OfAnySession(string sessionId, ChatLog? log)
    {
        SessionProtection protection = _work.ProtectionOf(sessionId);
        if (_unknownReferences.Contains(sessionId))
            protection |= SessionProtection.UnknownTable;
        if (_held.Contains(sessionId))
            protection |= SessionProtection.RestoredHold;
        if (log != null && log.TurnInProgress)
            protection |= SessionProtection.TurnInProgress;
        if (_inFocus)
            protection |= SessionProtection.AgentInFocus;
        return protection;
    }

    /// <summary>A session one of Evonic's lookups returns is where its reminders, escalations or notifications
    /// go.</summary>
    private static SessionProtection OfLookup(EvonicLookup lookup)
    {
        var protection = SessionProtection.None;
        if ((lookup & EvonicLookup.LatestHumanSession) != 0)
            protection |= SessionProtection.LatestHumanSession;
        if ((lookup & EvonicLookup.WebFallbackSession) != 0)
            protection |= SessionProtection.WebFallbackSession;
        if ((lookup & EvonicLookup.ChannelRecipient) != 0)
            protection |= SessionProtection.ChannelRecipient;
        return protection;
    }
}
