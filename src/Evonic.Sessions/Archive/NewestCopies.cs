using System;
using System.Collections.Generic;
using System.Linq;

namespace Evonic.Sessions.Archive;

/// <summary>
/// Of the archived copies of each session (one instance, agent and session id) offered so far, the newest: archived
/// last, the higher archive id breaking a tie. A restore of several copies of one session restores that one only, as
/// a restore by session id does (<see cref="SessionRestorer.PlanNewest"/>).
/// </summary>
public sealed class NewestCopies
{
    private readonly Dictionary<(string Root, string Agent, string Session), ArchivedSessionInfo> _newest = new();

    /// <summary>
    /// Offers <paramref name="copy"/>. When another copy of its session was offered before, returns which of the two is
    /// skipped and which is the newer; null when it is the first of its session.
    /// </summary>
    public (ArchivedSessionInfo Skipped, ArchivedSessionInfo Newer)? Offer(ArchivedSessionInfo copy)
    {
        var key = (copy.InstanceRoot, copy.AgentId, copy.SessionId);
        if (!_newest.TryGetValue(key, out ArchivedSessionInfo? other))
        {
            _newest[key] = copy;
            return null;
        }
        if (IsNewer(other, copy))
            return (copy, other);
        _newest[key] = copy;
        return (other, copy);
    }

    /// <summary>The newest copy of each session, in archive id order.</summary>
    public IEnumerable<ArchivedSessionInfo> Copies => _newest.Values.OrderBy(a => a.ArchiveId);

    private static bool IsNewer(ArchivedSessionInfo a, ArchivedSessionInfo b) =>
        (a.ArchivedAt ?? DateTime.MinValue, a.ArchiveId).CompareTo((b.ArchivedAt ?? DateTime.MinValue, b.ArchiveId))
        > 0;
}
