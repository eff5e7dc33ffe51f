using System;
using System.Collections.Generic;
using System.Linq;

namespace Evonic.Sessions;

/// <summary>
/// The rules that keep an agent's newest human (or web) session, and the newest session of each channel, when
/// they are old: Evonic still looks them up. Which session is newest depends on every session's last activity,
/// and a session's JSONL log can only make it newer. So the newest <c>updated_at</c> of each group, read up front,
/// is a floor under the group's newest activity: a session below its floor cannot be the newest and is decided at
/// once, which lets a listing stream instead of holding a whole agent. Only sessions at or above a floor wait.
/// </summary>
internal sealed class NewestSessions
{
    /// <summary>Julian days and DateTime round differently; being generous only makes more sessions wait.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(1);

    private DateTime? _humanFloor;
    private readonly Dictionary<string, DateTime?> _channelFloors = new(StringComparer.Ordinal);

    /// <summary>Takes a session row's <c>updated_at</c> into its groups' floors.</summary>
    public void Observe(SessionKind kind, string sessionAgentId, string? channelId, DateTime? updatedAt)
    {
        if (IsHuman(kind)) _humanFloor = Later(_humanFloor, updatedAt);
        if (ChannelKey(kind, sessionAgentId, channelId) is { } key)
            _channelFloors[key] = _channelFloors.TryGetValue(key, out DateTime? floor) ? Later(floor, updatedAt) : updatedAt;
    }

    /// <summary>
    /// False when the session, dated for good, is surely not the newest of any group it is in: some other
    /// session's <c>updated_at</c> alone is later. A group with no readable <c>updated_at</c> has no floor, and
    /// every session in it waits.
    /// </summary>
    public bool CouldBeNewest(EvonicSession session)
    {
        if (session.LastActivity is not { } at) return false;
        if (IsHuman(session.Kind) && (_humanFloor is not { } human || Reaches(at, human))) return true;
        if (ChannelKey(session.Kind, session.SessionAgentId, session.ChannelId) is { } key
            && (!_channelFloors.TryGetValue(key, out DateTime? floor) || floor is not { } channel || Reaches(at, channel))) return true;
        return false;
    }

    /// <summary>Protects the newest of each group among <paramref name="sessions"/>, which must hold every session that <see cref="CouldBeNewest"/>.</summary>
    public static void Protect(IReadOnlyCollection<EvonicSession> sessions)
    {
        ProtectNewest(sessions.Where(s => IsHuman(s.Kind)), _ => "", SessionProtection.NewestHumanSession);
        ProtectNewest(sessions.Where(s => ChannelKey(s.Kind, s.SessionAgentId, s.ChannelId) != null),
            s => ChannelKey(s.Kind, s.SessionAgentId, s.ChannelId)!, SessionProtection.NewestChannelSession);
    }

    private static void ProtectNewest(IEnumerable<EvonicSession> candidates, Func<EvonicSession, string> group, SessionProtection reason)
    {
        foreach (IGrouping<string, EvonicSession> sessions in candidates.GroupBy(group, StringComparer.Ordinal))
        {
            EvonicSession? newest = sessions.Where(s => s.LastActivity != null)
                .OrderByDescending(s => s.LastActivity).ThenBy(s => s.SessionId, StringComparer.Ordinal).FirstOrDefault();
            if (newest != null && newest.IsOld) newest.Protection |= reason;
        }
    }

    /// <summary>At or above the floor, less the margin (in ticks: a floor near DateTime.MinValue cannot underflow).</summary>
    private static bool Reaches(DateTime at, DateTime floor) => floor.Ticks - at.Ticks <= Margin.Ticks;

    private static bool IsHuman(SessionKind kind) => kind is SessionKind.Human or SessionKind.Web;

    private static string? ChannelKey(SessionKind kind, string sessionAgentId, string? channelId)
        => !string.IsNullOrEmpty(channelId) && kind != SessionKind.Orphan ? sessionAgentId + "\0" + channelId : null;

    private static DateTime? Later(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
