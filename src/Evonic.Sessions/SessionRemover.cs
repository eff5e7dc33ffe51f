using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions;

/// <summary>
/// Removes sessions of one agent: rows in short batched transactions, then (after each commit) the chat logs,
/// attachment rows and files, <c>session_index</c> rows, and finally the agent's <c>session_count</c>.
/// </summary>
internal sealed class SessionRemover
{
    /// <summary>
    /// Sessions per write transaction to start with. Each batch is sized from the last one's time, so that the
    /// write lock is held for about <see cref="TargetTransaction"/>: long enough to amortise the commit, short
    /// enough that the live app never waits long, whatever the sessions' sizes and the disk's speed.
    /// </summary>
    internal const int FirstBatch = 100;

    internal const int LargestBatch = 2000;

    internal static readonly TimeSpan TargetTransaction = TimeSpan.FromMilliseconds(100);

    private int _batch = FirstBatch;

    private readonly EvonicInstance _instance;
    private readonly DateTime _cutoffUtc;
    private readonly SessionFiles _files;
    private readonly Action<TimeSpan> _wroteFor;

    /// <summary>The remover of <paramref name="instance"/>'s sessions older than <paramref name="cutoffUtc"/>;
    /// <paramref name="wroteFor"/> is told how long each write transaction held a database's write lock.</summary>
    public SessionRemover(EvonicInstance instance, DateTime cutoffUtc, Action<TimeSpan> wroteFor)
    {
        _instance = instance;
        _cutoffUtc = cutoffUtc;
        _files = new SessionFiles(instance);
        _wroteFor = wroteFor;
    }

    public IEnumerable<SessionRemovalResult> Remove(string agentId, IEnumerable<EvonicSession> sessions)
    {
        using ChatDatabase chat = ChatDatabase.Open(_instance, agentId, writable: true);
        using MainDatabase main = MainDatabase.Open(_instance, writable: true);
        bool completed = false;
        try
        {
            var ready = new List<(EvonicSession Session, SessionFilePlan Plan, SessionRemovalResult Result)>();
            foreach (EvonicSession session in sessions)
            {
                var result = new SessionRemovalResult(session);
                if (!TryPlan(session, main, result, out SessionFilePlan? plan))
                {
                    yield return result;
                    continue;
                }
                if (session.Kind == SessionKind.Orphan)
                {
                    RemoveOrphan(chat, main, plan!, result);
                    yield return result;
                    continue;
                }
                ready.Add((session, plan!, result));
                if (ready.Count >= _batch)
                {
                    foreach (SessionRemovalResult done in RemoveBatch(chat, main, ready)) yield return done;
                    ready.Clear();
                }
            }
            foreach (SessionRemovalResult done in RemoveBatch(chat, main, ready)) yield return done;
            completed = true;
        }
        finally
        {
            // Runs also when the caller stops early (Ctrl+C): the cached count must match what is left.
            try
            {
                main.UpdateSessionCount(agentId, chat.CountSessions());
            }
            catch (Exception e) when (!completed && e is EvonicException or SqliteException)
            {
                // The failure that stopped the run is the one to report; the next run fixes the count.
            }
            catch (SqliteException e)
            {
                throw ChatDatabase.Translate(e, chat.Path);
            }
        }
    }

    private bool TryPlan(EvonicSession session, MainDatabase main, SessionRemovalResult result, out SessionFilePlan? plan)
    {
        plan = null;
        if (!session.IsRemovable)
        {
            result.Status = RemovalStatus.KeptActive;
            return false;
        }
        try
        {
            plan = _files.Plan(session, session.LeftoverLogOnly ? Array.Empty<string>()
                : session.AttachmentRows.Select(r => r.FilePath).Where(p => !string.IsNullOrEmpty(p)).Select(p => p!));
        }
        catch (EvonicException e)
        {
            result.Status = RemovalStatus.Failed;
            result.Error = e;
            return false;
        }
        // A log written to since listing means the conversation is live again: keep the session whole.
        if (plan.LogPath != null && File.Exists(plan.LogPath) && File.GetLastWriteTimeUtc(plan.LogPath) >= _cutoffUtc)
        {
            result.Status = RemovalStatus.KeptActive;
            return false;
        }
        return true;
    }

    private List<SessionRemovalResult> RemoveBatch(ChatDatabase chat, MainDatabase main,
        List<(EvonicSession Session, SessionFilePlan Plan, SessionRemovalResult Result)> batch)
    {
        if (batch.Count == 0) return new List<SessionRemovalResult>();
        var clock = Stopwatch.StartNew();
        Dictionary<string, long> removed = chat.RemoveSessions(batch.Select(b => b.Session).ToList(), _cutoffUtc);
        _wroteFor(clock.Elapsed);
        _batch = NextBatch(batch.Count, clock.Elapsed);
        chat.Checkpoint();
        clock.Restart();
        main.DeleteSessionRows(batch.Where(b => removed.ContainsKey(b.Session.SessionId)).Select(b => b.Session).ToList());
        _wroteFor(clock.Elapsed);
        main.Checkpoint();
        foreach (var (session, plan, result) in batch)
        {
            if (!removed.TryGetValue(session.SessionId, out long messages))
            {
                result.Status = RemovalStatus.KeptActive;
                continue;
            }
            result.Status = RemovalStatus.Removed;
            result.MessagesRemoved = messages;
            _files.DeleteLogIfStillOld(plan, _cutoffUtc, result);
            _files.DeleteAttachments(plan, result);
        }
        return batch.Select(b => b.Result).ToList();
    }

    /// <summary>The next batch size: scaled to take about <see cref="TargetTransaction"/>, at most doubling at a time.</summary>
    internal static int NextBatch(int sessions, TimeSpan took)
    {
        double scaled = sessions * TargetTransaction.TotalMilliseconds / Math.Max(1, took.TotalMilliseconds);
        return (int)Math.Max(10, Math.Min(LargestBatch, Math.Min(sessions * 2.0, scaled)));
    }

    /// <summary>
    /// Removes what is left of a session whose chat rows are gone: its main-database rows, attachments and log.
    /// A session with the same id that appeared since keeps everything.
    /// </summary>
    private void RemoveOrphan(ChatDatabase chat, MainDatabase main, SessionFilePlan plan, SessionRemovalResult result)
    {
        EvonicSession session = result.Session;
        if (!session.LeftoverLogOnly)
        {
            bool revived;
            try
            {
                revived = chat.SessionExists(session.SessionId);
            }
            catch (SqliteException e)
            {
                throw ChatDatabase.Translate(e, chat.Path);
            }
            if (revived)
            {
                result.Status = RemovalStatus.KeptActive;
                return;
            }
            main.DeleteSessionRows(new[] { session });
            _files.DeleteAttachments(plan, result);
        }
        _files.DeleteLogIfStillOld(plan, _cutoffUtc, result);
        result.Status = result.LogKept ? RemovalStatus.KeptActive : result.Error != null ? RemovalStatus.Failed : RemovalStatus.Removed;
    }
}
