using System;
using System.Collections.Generic;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Rules;

/// <summary>
/// What one write transaction decided for a batch of sessions: every rule checked again on what the file holds now
/// (<see cref="BatchFacts"/>), with the same <see cref="ProtectionRules"/> as the listing.
/// </summary>
internal sealed class BatchDecision
{
    /// <summary>Per session removed, how many messages went with it (filled after the commit).</summary>
    public Dictionary<string, long> Removed { get; } = new(StringComparer.Ordinal);

    /// <summary>Per session kept whole, the rules that keep it now (<see cref="SessionProtection.None"/>: it is no
    /// longer old).</summary>
    public Dictionary<string, SessionProtection> Kept { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Decides which of <paramref name="sessionIds"/> may go: still old in the file, no protection now, no log written
    /// since the cutoff, and, when archived, rows unchanged since the copy (so that a copy always equals what its
    /// delete removed). The others are recorded in <see cref="Kept"/>.
    /// </summary>
    /// <param name="sessionIds">The batch.</param>
    /// <param name="facts">What the transaction read.</param>
    /// <param name="rules">The protections, built from those facts (only when a session is still old).</param>
    /// <param name="writtenSinceCutoff">A session's log was written since the cutoff: the conversation is live
    /// again.</param>
    /// <param name="copied">With an archive: what each session's copy holds.</param>
    /// <param name="keptBy">The protections that keep a session (an erasure: only work still going on); all when
    /// null.</param>
    public List<string> Decide(
        IEnumerable<string> sessionIds,
        BatchFacts facts,
        Func<ProtectionRules> rules,
        Func<string, bool> writtenSinceCutoff,
        IReadOnlyDictionary<string, string>? copied,
        SessionProtection? keptBy = null
    )
    {
        var removable = new List<string>();
        ProtectionRules? decider = null;
        foreach (string id in sessionIds)
        {
            if (!facts.StillOld.TryGetValue(id, out BatchFacts.Row? row))
            {
                Kept[id] = SessionProtection.None;
                continue;
            }
            SessionProtection protection = (decider ??= rules()).OfSession(
                id,
                row.BotEnabled,
                log: null,
                unreadable: false
            );
            bool changed =
                copied != null
                && (
                    !copied.TryGetValue(id, out string? then)
                    || facts.Fingerprints == null
                    || !facts.Fingerprints.TryGetValue(id, out string? now)
                    || then != now
                );
            if (
                (protection & (keptBy ?? (SessionProtection)~0)) != SessionProtection.None
                || writtenSinceCutoff(id)
                || changed
            )
                Kept[id] = protection;
            else
                removable.Add(id);
        }
        return removable;
    }
}
