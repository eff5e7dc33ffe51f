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

    public SessionDating(DateTime nowUtc) => _nowUtc = nowUtc;

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

    /// <summary>Whether a session last active at <paramref name="lastActivity"/> (unknown: null) may still be old by
    /// <paramref name="limit"/>.</summary>
    public bool CouldBeOld(DateTime? lastActivity, CleanupPolicy limit) =>
        !limit.IsDisabled && (lastActivity == null || lastActivity < limit.CutoffUtc(_nowUtc));

    /// <summary>Sets the session's last activity, age, the limit that applies to it and whether it is old by that
    /// limit (never, when the limit is 0).</summary>
    public void Date(EvonicSession session, DateTime? lastActivity, bool unreadable, CleanupPolicy limit)
    {
        session.MaxAgeDays = limit.MaxAgeDays;
        session.PolicySource = limit.Source;
        session.LastActivity = lastActivity;
        session.AgeDays = lastActivity is { } at ? (int)Math.Max(0, Math.Floor((_nowUtc - at).TotalDays)) : null;
        session.IsOld = !unreadable && !limit.IsDisabled && lastActivity is { } last && last < limit.CutoffUtc(_nowUtc);
    }

    /// <summary>Whether a dated session is old at <paramref name="cutoffUtc"/>, whatever age limit it was listed
    /// with: what a listing with that cutoff would decide (a measure compares several ages in one pass).</summary>
    public static bool IsOldAt(EvonicSession session, DateTime cutoffUtc) =>
        (session.Protection & SessionProtection.UnreadableTimestamp) == 0
        && (session.OldAtAnyAge || session.LastActivity < cutoffUtc);

    /// <summary>
    /// Stats a log, and reads its content when the file itself is old by <paramref name="oldBy"/> (null: the session
    /// is already new by another measure): its content can only make the session newer. Null when the file cannot be
    /// read: such a session cannot be dated.
    /// </summary>
    public ChatLog? ReadLog(string path, CleanupPolicy? oldBy) =>
        ReadLog(path, log => oldBy != null && log.LastWriteUtc < oldBy.CutoffUtc(_nowUtc));

    /// <summary>Stats and reads a whole log (an orphan's, whose id may come from its content); null when it cannot be
    /// read.</summary>
    public static ChatLog? ReadWholeLog(string path) => ReadLog(path, _ => true);

    private static ChatLog? ReadLog(string path, Func<ChatLog, bool> readContent)
    {
        // A log that is a link may point anywhere (another instance, a device that never ends): not read, so not
        // datable.
        if (SafePath.IsLink(path))
            return null;
        try
        {
            ChatLog log = ChatLog.Stat(path);
            return readContent(log) ? ChatLog.Read(log) : log;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
