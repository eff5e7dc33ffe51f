using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using Evonic.Sessions.Archive;
using Evonic.Sessions.Rules;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Cleanup;

/// <summary>
/// Removes sessions of one agent: their chat rows in short batched transactions; after each commit, on a worker that
/// runs up to two batches behind the writes, the batch's logs, its attachment rows, then its attachment files; their
/// <c>session_index</c> rows in fewer, larger transactions on a thread of their own (<see cref="MainRowDeleter"/>);
/// finally the agent's <c>session_count</c>.
/// </summary>
internal sealed class SessionRemover
{
    /// <summary>
    /// Messages in an agent's first write transaction: its sessions are taken until they hold this many (at least one
    /// session, at most <see cref="LargestBatch"/>). Each later batch is sized from the last one's time, so that the
    /// write lock is held for about <see cref="TargetTransaction"/>: long enough to amortise the commit, short enough
    /// that the live app never waits long, whatever the sessions' sizes and the disk's speed. Counted in messages, not
    /// sessions, the untimed first guess holds the same work whatever the sessions' lengths: about the former first
    /// batch of 100 sessions at the benchmark's 20 messages a session, where 100 sessions of a thousand messages each
    /// held the lock for seconds.
    /// </summary>
    internal const int FirstBatchMessages = 2000;

    internal const int LargestBatch = 2000;

    internal static readonly TimeSpan TargetTransaction = TimeSpan.FromMilliseconds(50);

    /// <summary>Sessions per write transaction, once the first has been timed; 0 until then.</summary>
    private int _batch;

    private long _firstBatchMessages;

    /// <summary>Whether the sessions ready hold a full write transaction.</summary>
    private bool IsFull(List<PlannedRemoval> ready, EvonicSession added)
    {
        if (_batch > 0)
            return ready.Count >= _batch;
        _firstBatchMessages += added.MessageCount;
        return _firstBatchMessages >= FirstBatchMessages || ready.Count >= LargestBatch;
    }

    private readonly EvonicInstance _instance;
    private readonly Func<EvonicSession, DateTime> _cutoffOf;
    private readonly SessionFiles _files;
    private readonly Action<TimeSpan> _wroteFor;
    private readonly bool _archiving;
    private SessionArchiver? _archiver;

    /// <summary>The remover of <paramref name="instance"/>'s sessions older than their cutoff;
    /// <paramref name="wroteFor"/> is told how long each write transaction held a database's write lock; with
    /// <paramref name="archive"/>, each session goes to Evonic's archive first (<see
    /// cref="SessionArchiver"/>).</summary>
    /// <param name="instance">The instance.</param>
    /// <param name="cutoffOf">A session last active before its cutoff is old (the age limit it was listed
    /// with).</param>
    /// <param name="wroteFor">Told how long each write transaction held a database's write lock.</param>
    /// <param name="archive">Each session goes to Evonic's archive first.</param>
    /// <param name="walBusy">Told of each WAL the app kept too busy to truncate.</param>
    /// <param name="readHolds">The sessions of an agent's <c>chat.db</c> a restore holds.</param>
    /// <param name="shared">The run's writable connections to the main database, shared by its agents (its WAL
    /// truncated once by its owner); null: each removal opens its own and truncates the WAL.</param>
    /// <param name="keptBy">The protections that keep a session (an erasure: only work still going on); all when
    /// null.</param>
    /// <param name="openedAhead">The agent's <c>chat.db</c> already opened for writing, its lookups read (<see
    /// cref="ChatDatabasesOpenedAhead"/>), or null: the removal opens it.</param>
    public SessionRemover(
        EvonicInstance instance,
        Func<EvonicSession, DateTime> cutoffOf,
        Action<TimeSpan> wroteFor,
        bool archive = false,
        Action<string>? walBusy = null,
        Func<string, HashSet<string>>? readHolds = null,
        SharedMainConnections? shared = null,
        SessionProtection? keptBy = null,
        Func<string, ChatDatabase?>? openedAhead = null
    )
    {
        _openedAhead = openedAhead;
        _keptBy = keptBy ?? (SessionProtection)~0;
        _shared = shared;
        _readHolds = readHolds ?? (_ => new HashSet<string>());
        _instance = instance;
        _cutoffOf = cutoffOf;
        _files = new SessionFiles(instance);
        _wroteFor = held =>
        {
            // Told from the index rows' thread too.
            lock (_wroteForLock)
                wroteFor(held);
        };
        _archiving = archive;
        _walBusy = walBusy ?? (_ => { });
    }

    private readonly object _wroteForLock = new();
    private readonly SessionProtection _keptBy;
    private readonly Action<string> _walBusy;
    private readonly Func<string, HashSet<string>> _readHolds;
    private readonly SharedMainConnections? _shared;
    private readonly Func<string, ChatDatabase?>? _openedAhead;
    private HashSet<string> _held = new();

    public IEnumerable<SessionRemovalResult> Remove(string agentId, IEnumerable<EvonicSession> sessions)
    {
        ChatDatabase? openedAhead = _openedAhead?.Invoke(agentId);
        using ChatDatabase chat = openedAhead ?? ChatDatabase.Open(_instance, agentId, writable: true);
        MainDatabase main = _shared?.Main ?? MainDatabase.Open(_instance, writable: true);
        using MainDatabase? owned = _shared == null ? main : null;
        var family = main.ReadFamily(agentId);
        AttachmentReferences references = main.ReadAttachmentReferences(_instance);
        if (openedAhead == null)
            chat.ReadLookupsAhead();
        // Holds are written only by a restore, which takes the cleanup lock this removal holds: read once per agent,
        // they are what the deleting transaction would read.
        _held = _readHolds(agentId);
        var deleter = new FileDeleter(_cutoffOf, references);
        using var mainRows = new MainRowDeleter(_instance, _shared, _cutoffOf, _wroteFor);
        using SessionArchiver? archiver = _archiver = _archiving ? SessionArchiver.Open(_instance, agentId) : null;
        bool completed = false;
        try
        {
            var ready = new List<PlannedRemoval>();
            foreach (EvonicSession session in sessions)
            {
                var result = new SessionRemovalResult(session);
                if (!TryPlan(session, result, family, out SessionFilePlan? plan))
                {
                    yield return result;
                    continue;
                }
                if (session.Kind == SessionKind.Orphan)
                {
                    RemoveOrphan(chat, main, plan!, result, references);
                    yield return result;
                    continue;
                }
                ready.Add(new PlannedRemoval(session, plan!, result));
                if (IsFull(ready, session))
                {
                    foreach (
                        SessionRemovalResult done in RemoveBatchReportingThoseBefore(
                            chat,
                            main,
                            ready,
                            deleter,
                            mainRows
                        )
                    )
                        yield return done;
                    ready = new List<PlannedRemoval>();
                }
            }
            foreach (SessionRemovalResult done in RemoveBatchReportingThoseBefore(chat, main, ready, deleter, mainRows))
                yield return done;
            mainRows.StartRest();
            // Old WAL frames may still hold what was removed (the app's own earlier writes of it): truncate the WAL,
            // or say that the app kept it busy. Done while the worker deletes the last batches' files.
            if (!chat.TryTruncateWal())
                _walBusy(chat.Path);
            List<SessionRemovalResult> last = deleter.TakeDone(keep: 0, out EvonicException? filesFailed);
            foreach (SessionRemovalResult done in last)
                yield return done;
            if (filesFailed != null)
                ExceptionDispatchInfo.Capture(filesFailed).Throw();
            mainRows.Finish();
            completed = true;
            if (owned != null && !owned.TryTruncateWal())
                _walBusy(_instance.MainDatabasePath);
        }
        finally
        {
            // Runs also when the caller stops early (Ctrl+C): the files of a committed batch are still deleted, the
            // index rows of its sessions too, and the cached count must match what is left.
            if (!completed)
            {
                deleter.FinishQuietly();
                mainRows.FinishQuietly();
            }
            try
            {
                main.UpdateSessionCount(agentId, chat.CountSessions());
            }
            catch (EvonicException) when (!completed)
            {
                // The failure that stopped the run is the one to report; the next run fixes the count.
            }
        }
    }

    private bool TryPlan(
        EvonicSession session,
        SessionRemovalResult result,
        AgentFamily family,
        out SessionFilePlan? plan
    )
    {
        plan = null;
        if (!session.IsOld || (session.Protection & _keptBy) != SessionProtection.None)
        {
            result.Status = session.IsOld ? RemovalStatus.KeptProtected : RemovalStatus.KeptActive;
            result.Protection = session.Protection;
            return false;
        }
        try
        {
            plan = _files.Plan(
                session,
                session.OrphanChatLogOnly
                    ? Array.Empty<string>()
                    : session
                        .AttachmentRows.Select(r => r.FilePath)
                        .Where(p => !string.IsNullOrEmpty(p))
                        .Select(p => p!),
                family
            );
        }
        catch (EvonicException e)
        {
            result.Status = RemovalStatus.Failed;
            result.Error = e;
            return false;
        }
        // A log written to since listing means the conversation is live again: keep the session whole. (A live
        // session's log is checked again inside its batch's write transaction, DecideOutside.)
        if (session.Kind == SessionKind.Orphan && IsWrittenSinceCutoff(plan.ChatLogPath, _cutoffOf(session)))
        {
            result.Status = RemovalStatus.KeptActive;
            return false;
        }
        return true;
    }

    /// <summary>
    /// Removes a batch's rows in one write transaction, then hands its files to the deleter, which deletes them while
    /// the next batches are planned and written. Returns the results of the batches whose files are now gone, all but
    /// the last one handed over. When the deleter stopped (<paramref name="filesFailed"/>), this batch's files are not
    /// handed over: its removed sessions fail with that error, and its results come with the others.
    /// </summary>
    private List<SessionRemovalResult> RemoveBatch(
        ChatDatabase chat,
        MainDatabase main,
        List<PlannedRemoval> batch,
        FileDeleter deleter,
        MainRowDeleter mainRows,
        out EvonicException? filesFailed
    )
    {
        filesFailed = null;
        _files.ForgetCheckedFolders();
        if (batch.Count == 0)
            return new List<SessionRemovalResult>();
        var byId = new Dictionary<string, PlannedRemoval>(StringComparer.Ordinal);
        foreach (PlannedRemoval removal in batch)
            byId[removal.Session.SessionId] = removal;
        // Archived first, outside the write lock and durably: a run killed before the delete leaves the session
        // whole, and the next run finds its copy instead of writing another.
        _archiver?.Archive(batch.Select(b => (b.Session, b.Plan, b.Result)).ToList());
        var clock = Stopwatch.StartNew();
        var decision = new BatchDecision();
        foreach (
            KeyValuePair<string, long> removed in chat.RemoveSessions(
                byId.ToDictionary(b => b.Key, b => _cutoffOf(b.Value.Session), StringComparer.Ordinal),
                facts => Decide(main, facts, byId, decision),
                withFingerprints: _archiver != null
            )
        )
            decision.Removed[removed.Key] = removed.Value;
        _wroteFor(clock.Elapsed);
        _batch = NextBatch(batch.Count, clock.Elapsed);
        chat.CheckpointWhenGrown();
        List<EvonicSession> removedSessions = batch
            .Where(b => decision.Removed.ContainsKey(b.Session.SessionId))
            .Select(b => b.Session)
            .ToList();
        mainRows.AddIndexRows(removedSessions);
        _archiver?.Settle(batch.Select(b => b.Result), r => decision.Removed.ContainsKey(r.SessionId));
        var committed = new List<PlannedRemoval>();
        foreach (PlannedRemoval removal in batch)
        {
            if (!decision.Removed.TryGetValue(removal.Session.SessionId, out long messages))
            {
                SessionProtection reason = decision.Kept.TryGetValue(
                    removal.Session.SessionId,
                    out SessionProtection kept
                )
                    ? kept
                    : SessionProtection.None;
                removal.Result.Protection = reason;
                removal.Result.Status =
                    reason != SessionProtection.None ? RemovalStatus.KeptProtected : RemovalStatus.KeptActive;
                continue;
            }
            removal.Result.Status = RemovalStatus.Removed;
            removal.Result.MessagesRemoved = messages;
            committed.Add(removal);
        }
        List<SessionRemovalResult> before = deleter.TakeDone(FileDeleter.BatchesInHand - 1, out filesFailed);
        if (filesFailed != null)
        {
            // What stopped the deleter (the main database refusing writes) would stop this batch's files too: they
            // stay, and the next run removes them with what is left of their sessions.
            FileDeleter.Fail(committed, filesFailed);
            before.AddRange(batch.Select(b => b.Result));
            return before;
        }
        // The attachment rows go before the files they name; the index rows, which name none, wait for more.
        deleter.Start(batch, committed, () => mainRows.DeleteAttachmentRows(removedSessions));
        return before;
    }

    /// <summary>A log modified at or after the session's cutoff: the conversation is live again.</summary>
    private static bool IsWrittenSinceCutoff(string? logPath, DateTime cutoffUtc) =>
        logPath != null && new FileInfo(logPath) is { Exists: true } log && log.LastWriteTimeUtc >= cutoffUtc;

    /// <summary>
    /// Asked from inside the batch's write transaction, with what it read: the same <see cref="ProtectionRules"/> as
    /// the listing, built from those facts, the work the main database names now and the restore holds; and a log
    /// written to since listing (a turn begun, the session live again) keeps its session.
    /// </summary>
    private List<string> Decide(
        MainDatabase main,
        BatchFacts facts,
        Dictionary<string, PlannedRemoval> byId,
        BatchDecision decision
    ) =>
        decision.Decide(
            byId.Keys,
            facts,
            () => ProtectionRules.OfBatch(facts, main.ReadPendingWork(), _held),
            id => IsWrittenSinceCutoff(byId[id].Plan.ChatLogPath, _cutoffOf(byId[id].Session)),
            _archiver?.Fingerprints,
            _keptBy
        );

    /// <summary>
    /// <see cref="RemoveBatch"/>, then the results of the batches before it whose files are gone. When this batch's
    /// write fails, or the deleter stopped, the batches before are still reported (each committed; its files deleted,
    /// or its sessions failed with the deleter's error), then the failure, so nothing removed goes unreported.
    /// </summary>
    private IEnumerable<SessionRemovalResult> RemoveBatchReportingThoseBefore(
        ChatDatabase chat,
        MainDatabase main,
        List<PlannedRemoval> batch,
        FileDeleter deleter,
        MainRowDeleter mainRows
    )
    {
        List<SessionRemovalResult> before;
        EvonicException? failed;
        try
        {
            before = RemoveBatch(chat, main, batch, deleter, mainRows, out failed);
        }
        catch (EvonicException e)
        {
            failed = e;
            before = deleter.TakeDone(keep: 0, out _);
        }
        foreach (SessionRemovalResult done in before)
            yield return done;
        if (failed != null)
            ExceptionDispatchInfo.Capture(failed).Throw();
    }

    /// <summary>The next batch size: scaled to take about <see cref="TargetTransaction"/>, at most doubling at a
    /// time, at most <paramref name="largest"/>.</summary>
    internal static int NextBatch(int sessions, TimeSpan took, int largest = LargestBatch)
    {
        double scaled = sessions * TargetTransaction.TotalMilliseconds / Math.Max(1, took.TotalMilliseconds);
        return (int)Math.Max(10, Math.Min(largest, Math.Min(sessions * 2.0, scaled)));
    }

    /// <summary>
    /// Removes what is left of a session whose chat rows are gone: its main-database rows, attachments and log.
    /// A session with the same id that appeared since keeps everything.
    /// </summary>
    private void RemoveOrphan(
        ChatDatabase chat,
        MainDatabase main,
        SessionFilePlan plan,
        SessionRemovalResult result,
        AttachmentReferences references
    )
    {
        EvonicSession session = result.Session;
        if (!session.OrphanChatLogOnly && chat.SessionExists(session.SessionId))
        {
            result.Status = RemovalStatus.KeptActive;
            return;
        }
        _archiver?.Archive(new[] { (session, plan, result) });
        if (!session.OrphanChatLogOnly)
        {
            main.DeleteSessionRows(new[] { session }, _cutoffOf);
            references.Release(session.AttachmentRows);
            SessionFiles.DeleteAttachments(plan, result, references);
        }
        SessionFiles.DeleteLogIfStillOld(plan, _cutoffOf(session), result);
        result.Status =
            result.ChatLogKept ? RemovalStatus.KeptActive
            : result.Error != null ? RemovalStatus.Failed
            : RemovalStatus.Removed;
        // Its log is what the copy holds: kept, the copy goes again.
        _archiver?.Settle(new[] { result }, r => !r.ChatLogKept);
    }

    private sealed class PlannedRemoval
    {
        public PlannedRemoval(EvonicSession session, SessionFilePlan plan, SessionRemovalResult result)
        {
            Session = session;
            Plan = plan;
            Result = result;
        }

        public EvonicSession Session { get; }
        public SessionFilePlan Plan { get; }
        public SessionRemovalResult Result { get; }
    }

    /// <summary>
    /// Deletes the files of committed batches on a worker, one batch after another, up to <see
    /// cref="BatchesInHand"/> behind the writes. Unlinking is most of a cleanup's cost; done beside the next batches'
    /// database work it uses the second core instead of adding to the time.
    /// </summary>
    private sealed class FileDeleter
    {
        /// <summary>
        /// Sessions whose files are deleted at once. An unlink mostly waits on the file system (freeing blocks,
        /// its journal), not on the CPU, so a few in flight finish sooner than one after another, even on 2 cores.
        /// </summary>
        internal const int Unlinks = 4;

        /// <summary>
        /// Batches handed over and not yet reported. With one, each write waited for the batch before's files, whose
        /// attachment rows often wait for an index transaction on the shared connection first (0.5-0.9 s of a busy
        /// 30 000-session removal, docs/performance.md); with two the worker has two batches' time for each.
        /// </summary>
        internal const int BatchesInHand = 2;

        private readonly Func<EvonicSession, DateTime> _cutoffOf;

        /// <summary>Oldest first: the batch and its work, which starts when the work before it has ended.</summary>
        private readonly Queue<KeyValuePair<List<PlannedRemoval>, Task>> _inHand = new();
        private Task _lastWork = Task.CompletedTask;

        public FileDeleter(Func<EvonicSession, DateTime> cutoffOf, AttachmentReferences references)
        {
            _cutoffOf = cutoffOf;
            References = references;
        }

        public AttachmentReferences References { get; }

        /// <summary>
        /// Hands over a committed batch: once the batches before it are done, deletes the committed sessions' logs,
        /// then the rows that name their attachment files (<paramref name="deleteRows"/>), then their attachments and
        /// traces, on the worker. The logs name no rows: they go while the rows may wait for the main-database
        /// connection. When the rows cannot be deleted no attachment file is: the committed sessions fail with that
        /// error, so do those of the batches handed over after it (none of their files is deleted), and <see
        /// cref="TakeDone"/> returns it.
        /// </summary>
        public void Start(List<PlannedRemoval> batch, List<PlannedRemoval> committed, Action deleteRows)
        {
            _lastWork = _lastWork.ContinueWith(
                before =>
                {
                    if (before.Exception?.InnerException is { } stopped)
                    {
                        if (stopped is EvonicException failure)
                            Fail(committed, failure);
                        ExceptionDispatchInfo.Capture(stopped).Throw();
                    }
                    Delete(committed, deleteRows);
                },
                CancellationToken.None,
                TaskContinuationOptions.DenyChildAttach,
                TaskScheduler.Default
            );
            _inHand.Enqueue(new KeyValuePair<List<PlannedRemoval>, Task>(batch, _lastWork));
        }

        private void Delete(List<PlannedRemoval> committed, Action deleteRows)
        {
            InParallel(committed, removal =>
                SessionFiles.DeleteLogIfStillOld(removal.Plan, _cutoffOf(removal.Session), removal.Result)
            );
            try
            {
                deleteRows();
            }
            catch (EvonicException e)
            {
                Fail(committed, e);
                throw;
            }
            References.Release(committed.SelectMany(r => r.Session.AttachmentRows));
            InParallel(committed, removal => SessionFiles.DeleteAttachments(removal.Plan, removal.Result, References));
        }

        /// <summary>Committed sessions whose files the deleter will not delete.</summary>
        public static void Fail(List<PlannedRemoval> committed, EvonicException failure)
        {
            foreach (PlannedRemoval removal in committed)
            {
                removal.Result.Status = RemovalStatus.Failed;
                removal.Result.Error = failure;
            }
        }

        private static void InParallel(List<PlannedRemoval> removals, Action<PlannedRemoval> delete)
        {
            try
            {
                Parallel.ForEach(removals, new ParallelOptions { MaxDegreeOfParallelism = Unlinks }, delete);
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                // The caller sees what failed, not Parallel's wrapper around it.
                ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
        }

        /// <summary>
        /// Waits until at most <paramref name="keep"/> batches are in hand, and returns the results of those done.
        /// When the deleter stopped, waits for all (each fails at once) and returns all: <paramref name="failure"/>
        /// is what stopped it. Other exceptions are rethrown.
        /// </summary>
        public List<SessionRemovalResult> TakeDone(int keep, out EvonicException? failure)
        {
            failure = null;
            var done = new List<SessionRemovalResult>();
            while (_inHand.Count > (failure == null ? keep : 0))
            {
                KeyValuePair<List<PlannedRemoval>, Task> oldest = _inHand.Dequeue();
                try
                {
                    oldest.Value.GetAwaiter().GetResult();
                }
                catch (EvonicException e)
                {
                    failure ??= e;
                }
                done.AddRange(oldest.Key.Select(b => b.Result));
            }
            return done;
        }

        /// <summary>For a run stopped early: lets the batches in hand finish, without hiding why the run
        /// stopped.</summary>
        public void FinishQuietly()
        {
            try
            {
                _lastWork.Wait();
            }
            catch (AggregateException)
            {
                // The worker's own failure matters less than the one that stopped the run.
            }
            _inHand.Clear();
        }
    }
}
