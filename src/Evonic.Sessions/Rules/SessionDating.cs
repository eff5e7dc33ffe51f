using System;
using System.IO;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Rules;

/// <summary>
/// When a session was last active, and so whether it is old: the latest of its <c>updated_at</c>, its newest
/// message, its JSONL log's last <c>ts</c> and modification time (for an orphan: its attachment and index rows and
/// files). <c>created_at</c> never counts. A time that cannot be read leaves the session undated, never old.
/// </summary>
internal sealed class SessionDating
{
    private readonly DateTime _nowUtc;
    private readonly DateTime _cutoffUtc;
    private readonly int _maxAgeDays;

    public SessionDating(DateTime nowUtc, CleanupPolicy policy)
    {
        _nowUtc = nowUtc;
        _cutoffUtc = policy.CutoffUtc(nowUtc);
        _maxAgeDays = policy.MaxAgeDays;
    }

    public static DateTime? Latest(DateTime? a, DateTime? b) =>
        a is null ? b
        : b is null ? a
        : a > b ? a
        : b;

    /// <summary>The latest of a row's <c>updated_at</c> and newest message.</summary>
    public static DateTime? OfRow(SessionRow row) =>
        Latest(
            row.UpdatedAtJulian is { } updated ? SqliteDatabase.FromJulianDay(updated) : null,
            row.LastMessageJulian is { } message ? SqliteDatabase.FromJulianDay(message) : null
        );

    /// <summary>Whether a session last active at <paramref name="lastActivity"/> (unknown: null) may still be
    /// old.</summary>
    public bool CouldBeOld(DateTime? lastActivity) => lastActivity == null || lastActivity < _cutoffUtc;

    /// <summary>Sets the session's last activity, age and whether it is old.</summary>
    public void Date(EvonicSession session, DateTime? lastActivity, bool unreadable)
    {
        session.MaxAgeDays = _maxAgeDays;
        session.LastActivity = lastActivity;
        session.AgeDays = lastActivity is { } at ? (int)Math.Max(0, Math.Floor((_nowUtc - at).TotalDays)) : null;
        session.IsOld = !unreadable && lastActivity is { } last && last < _cutoffUtc;
    }

    /// <summary>
    /// Stats a log, and reads its content when the session could still be old by every other measure and the
    /// file itself is old too (its content can only make the session newer). Null when the file cannot be read:
    /// such a session cannot be dated.
    /// </summary>
    public ChatLog? ReadLog(string path, bool couldBeOld, bool force = false)
    {
        // A log that is a link may point anywhere (another instance, a device that never ends): not read, so not
        // datable.
        if (SafePath.IsLink(path))
            return null;
        try
        {
            ChatLog log = ChatLog.Stat(path);
            return force || (couldBeOld && log.LastWriteUtc < _cutoffUtc) ? ChatLog.Read(log) : log;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
