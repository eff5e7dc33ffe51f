using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Evonic.Sessions.Archive;
using Evonic.Sessions.Cleanup;
using Evonic.Sessions.Erasure;
using Evonic.Sessions.Rules;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions;

/// <summary>
/// The entry point of the store: lists an instance's agents, reads each agent's sessions dated against the age limit
/// that applies to each (<see cref="AgeLimits"/>), and removes sessions. Knows nothing of PowerShell; the cmdlets are
/// thin wrappers over it.
/// </summary>
public sealed class SessionStore
{
    /// <param name="instance">The instance.</param>
    /// <param name="policy">The age limit.</param>
    /// <param name="archive">Whether a removal archives each session first; off when null.</param>
    public SessionStore(EvonicInstance instance, CleanupPolicy policy, ArchivePolicy? archive = null)
        : this(instance, AgeLimits.Uniform(policy), DateTime.UtcNow, archive) { }

    /// <summary>A store for what no age limit affects: the agents, the archive.</summary>
    public SessionStore(EvonicInstance instance)
        : this(instance, CleanupPolicy.FromParameter(CleanupPolicy.DefaultMaxAgeDays)) { }

    /// <param name="instance">The instance.</param>
    /// <param name="policy">The age limit.</param>
    /// <param name="nowUtc">The moment ages are measured from.</param>
    /// <param name="archive">Whether a removal archives each session first; off when null.</param>
    public SessionStore(EvonicInstance instance, CleanupPolicy policy, DateTime nowUtc, ArchivePolicy? archive = null)
        : this(instance, AgeLimits.Uniform(policy), nowUtc, archive) { }

    /// <param name="instance">The instance.</param>
    /// <param name="limits">The age limit of each session (a retention policy's rules, or one for all).</param>
    /// <param name="nowUtc">The moment ages are measured from.</param>
    /// <param name="archive">Whether a removal archives each session first; off when null.</param>
    public SessionStore(EvonicInstance instance, AgeLimits limits, DateTime nowUtc, ArchivePolicy? archive = null)
    {
        Archive = archive;
        Instance = instance;
        Limits = limits;
        NowUtc = DateTime.SpecifyKind(nowUtc, DateTimeKind.Utc);
    }

    public EvonicInstance Instance { get; }

    /// <summary>The age limit of each session.</summary>
    public AgeLimits Limits { get; }

    /// <summary>The age limit of sessions no rule of a retention policy matches (without a policy: of all).</summary>
    public CleanupPolicy Policy => Limits.Default;

    public DateTime NowUtc { get; }

    /// <summary>Whether <see cref="Remove"/> archives each session first (Evonic's <c>session_archive.db</c>); off when
    /// null.</summary>
    public ArchivePolicy? Archive { get; }

    /// <summary>Sessions whose last activity is before this instant are old, by <see cref="Policy"/>.</summary>
    public DateTime CutoffUtc => Policy.CutoffUtc(NowUtc);

    private readonly List<string> _busyWals = new();

    /// <summary>
    /// The databases whose WAL <see cref="Remove"/> could not truncate at the end of an agent because the app kept it
    /// busy: old frames there may still hold removed text until the app's next checkpoint. Taking them clears the list.
    /// </summary>
    public IReadOnlyList<string> TakeBusyWals()
    {
        var taken = _busyWals.ToList();
        _busyWals.Clear();
        return taken;
    }

    private readonly HashSet<string> _unknownTablesSeen = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _unknownTablesNew = new();

    private void NoteUnknownTables(string database, IEnumerable<string> tables)
    {
        lock (_unknownTablesSeen)
            foreach (string table in tables)
                if (_unknownTablesSeen.Add(table))
                    _unknownTablesNew.Add(
                        $"The table '{table}' (in '{database}') names sessions in a column Evonic.Sessions does not "
                            + $"know: "
                            + "the sessions it names are kept (Protection UnknownTable), so that its rows never "
                            + "outlive them unseen."
                    );
    }

    /// <summary>
    /// One warning per table, the first time a listing meets a table that names sessions in a column the module does
    /// not handle (a plugin's, a newer Evonic's). Taking them clears the list.
    /// </summary>
    public IReadOnlyList<string> TakeUnknownTableWarnings()
    {
        lock (_unknownTablesSeen)
        {
            var taken = _unknownTablesNew.ToList();
            _unknownTablesNew.Clear();
            return taken;
        }
    }

    /// <summary>The longest any write transaction of <see cref="Remove"/> held a database's write lock: what the live
    /// app may have waited.</summary>
    public TimeSpan LongestWriteTransaction { get; private set; }

    /// <summary>The agents of the main database's <c>agents</c> table (never a folder listing).</summary>
    public IReadOnlyList<AgentInfo> GetAgents()
    {
        using MainDatabase main = MainDatabase.Open(Instance, writable: false);
        return main.ReadAgents();
    }

    /// <summary>Every session of the agent, dated and with its protection decided. Throws <see cref="EvonicException"/>
    /// for an unreadable agent.</summary>
    public IReadOnlyList<EvonicSession> GetSessions(AgentInfo agent) => StreamSessions(agent).ToList();

    /// <summary>
    /// As <see cref="GetSessions"/>, but each session comes as soon as it is decided, in one read snapshot of the
    /// agent's <c>chat.db</c> held until the enumeration ends; memory stays flat however many sessions there are.
    /// </summary>
    public IEnumerable<EvonicSession> StreamSessions(AgentInfo agent)
    {
        CheckAgentId(agent);
        return Stream(agent);
    }

    private IEnumerable<EvonicSession> Stream(AgentInfo agent, CleanupPolicy? measuringFrom = null)
    {
        using MainDatabase main = MainDatabase.Open(Instance, writable: false);
        using ChatDatabase chat = ChatDatabase.Open(Instance, agent.Id, writable: false);
        var family = main.ReadFamily(agent.Id);
        NoteUnknownTables(chat.Path, chat.UnknownTables);
        NoteUnknownTables(main.Path, main.UnknownTables);
        Dictionary<string, int> copies;
        HashSet<string> held;
        using (ArchiveDatabase? archive = ArchiveDatabase.OpenForReading(Instance))
        {
            copies = archive?.CountCopies(family) ?? new Dictionary<string, int>();
            held = archive?.Holds.ReadHeld(family.ParentId, NowUtc) ?? new HashSet<string>(StringComparer.Ordinal);
        }
        foreach (
            EvonicSession session in new SessionScanner(Instance, NowUtc, Limits, measuringFrom).Scan(
                family,
                chat,
                main,
                held
            )
        )
        {
            session.ArchivedCopies = copies.TryGetValue(session.SessionId, out int n) ? n : 0;
            yield return session;
        }
    }

    /// <summary>
    /// What a cleanup of the agent would remove at each of <paramref name="ages"/> (days), and by <see cref="Limits"/>
    /// (the last measure, <see cref="EvonicSessionMeasure.MaxAgeDays"/> null): sessions, messages, bytes, and the old
    /// sessions kept and why, each counted as that cleanup's listing would decide it. One pass over the agent's
    /// databases and files, as one listing: every session old by the youngest age is dated and judged once.
    /// </summary>
    public IReadOnlyList<EvonicSessionMeasure> Measure(AgentInfo agent, IReadOnlyCollection<int> ages)
    {
        CheckAgentId(agent);
        if (ages.Count == 0 || ages.Any(a => a <= 0 || a > CleanupPolicy.LongestMaxAgeDays))
            throw new ArgumentException(
                $"Measure ages of 1 to {CleanupPolicy.LongestMaxAgeDays} days, not {string.Join(", ", ages)}.",
                nameof(ages)
            );
        var measures = ages.Distinct()
            .OrderBy(a => a)
            .Select(a => new EvonicSessionMeasure(Instance.Root, agent.Id, a))
            .ToList();
        var byPolicy = new EvonicSessionMeasure(Instance.Root, agent.Id, null);
        DateTime[] cutoffs = measures.Select(m => CleanupPolicy.CutoffUtc(NowUtc, m.MaxAgeDays!.Value)).ToArray();
        int youngest = Math.Min(measures[0].MaxAgeDays!.Value, Limits.YoungestDays ?? int.MaxValue);
        foreach (EvonicSession session in Stream(agent, CleanupPolicy.FromParameter(youngest)))
        {
            for (int i = 0; i < measures.Count; i++)
                Count(measures[i], session, SessionDating.IsOldAt(session, cutoffs[i]));
            Count(byPolicy, session, session.IsOld);
        }
        measures.Add(byPolicy);
        return measures;
    }

    /// <summary>A session the listing would offer for removal, or one it would show as kept (Get-EvonicOldSession
    /// -IncludeProtected: old and protected, or undatable).</summary>
    private static void Count(EvonicSessionMeasure measure, EvonicSession session, bool old)
    {
        if (old && session.Protection == SessionProtection.None)
            measure.AddRemovable(session);
        else if (old || (session.Protection & SessionProtection.UnreadableTimestamp) != 0)
            measure.AddProtected(session.Protection);
    }

    /// <summary>
    /// Erases a person, or with <paramref name="preview"/> counts what it would erase (see <see cref="Erase"/>);
    /// an erasure holds the instance's cleanup lock, so no cleanup, restore or other erasure runs beside it.
    /// </summary>
    public ErasureRecord EraseUser(
        string externalUserId,
        bool vacuum,
        bool preview,
        string ranBy,
        Action<SessionRemovalResult>? removed = null
    )
    {
        if (string.IsNullOrEmpty(externalUserId))
            throw new ArgumentException("An external user id is needed.", nameof(externalUserId));
        if (preview)
            return Erase(GetAgents(), externalUserId, vacuum, preview: true, ranBy, _ => { });
        using CleanupLock held = CleanupLock.Acquire(Instance);
        return Erase(GetAgents(), externalUserId, vacuum, preview: false, ranBy, removed ?? (_ => { }));
    }

    /// <summary>The instance's erasure records, oldest first.</summary>
    public IReadOnlyList<ErasureRecord> GetErasures() => ErasureRecords.Read(Instance);

    /// <summary>The hash an erasure record of <paramref name="externalUserId"/> carries in this instance.</summary>
    public string HashOfExternalUserId(string externalUserId) => ErasureRecords.Hash(Instance, externalUserId);

    /// <summary>The protections that still stop an erasure: work going on in the session (a turn, scheduled work, a
    /// transfer), and a table the module does not know that names it (its rows would outlive the erasure unseen).
    /// Everything else that keeps an old session (lookups, focus, takeover, holds) does not: the person
    /// asked.</summary>
    public const SessionProtection ErasureStoppedBy =
        SessionProtection.TurnInProgress
        | SessionProtection.ScheduledWork
        | SessionProtection.TransferInProgress
        | SessionProtection.UnknownTable;

    /// <summary>
    /// Erases a person (issue 24): every session of <paramref name="externalUserId"/> in every agent, whatever its
    /// age, with everything a cleanup removes of it, the memories Evonic drew from it, their other rows in the main
    /// database and their copies in Evonic's archive; with <paramref name="vacuum"/>, every database it touched is
    /// rewritten (VACUUM) so that no byte of it stays. Sessions with work going on (<see cref="ErasureStoppedBy"/>)
    /// are kept and counted: run it again later. With <paramref name="preview"/>, counts what it would remove and
    /// changes nothing. Run it under the cleanup lock (<see cref="CleanupRun"/> does). Returns the record (the same
    /// is appended to <see cref="ErasureRecords"/> unless previewing).
    /// </summary>
    internal ErasureRecord Erase(
        IReadOnlyList<AgentInfo> agents,
        string externalUserId,
        bool vacuum,
        bool preview,
        string ranBy,
        Action<SessionRemovalResult> removed
    )
    {
        var erasing = new SessionStore(Instance, AgeLimits.Uniform(CleanupPolicy.Everything), NowUtc);
        // session_index rows go with their sessions (the remover) or as left-overs (below): counted as all the
        // person's rows before, less those of kept sessions after.
        int IndexRows()
        {
            using MainDatabase main = MainDatabase.Open(Instance, writable: false);
            return main.EraseUserRows(externalUserId, Array.Empty<string>(), countOnly: true)
                .TryGetValue("session_index", out int n)
                ? n
                : 0;
        }
        int indexBefore = preview ? 0 : IndexRows();
        var record = new ErasureRecord
        {
            InstanceRoot = Instance.Root,
            ErasedAt = NowUtc,
            RanBy = ranBy,
        };
        var kept = new List<string>();
        var touched = new List<AgentInfo>();
        foreach (AgentInfo agent in agents)
        {
            List<EvonicSession> sessions = erasing
                .GetSessions(agent)
                .Where(s => s.Kind != SessionKind.Orphan && s.ExternalUserId == externalUserId)
                .ToList();
            if (sessions.Count == 0)
                continue;
            touched.Add(agent);
            if (preview)
            {
                foreach (EvonicSession session in sessions)
                {
                    bool stopped = !session.IsOld || (session.Protection & ErasureStoppedBy) != SessionProtection.None;
                    if (stopped)
                    {
                        record.SessionsKept++;
                        kept.Add(session.SessionId);
                        continue;
                    }
                    record.AddErased(
                        session,
                        session.MessageCount,
                        (session.JsonlPath != null ? 1 : 0) + session.AttachmentRows.Count
                    );
                }
                using ChatDatabase chat = ChatDatabase.Open(Instance, agent.Id, writable: false);
                record.AddRows(
                    "memories",
                    chat.ReadMemories(sessions.Select(s => s.SessionId).Except(kept).ToList()).Count
                );
                continue;
            }
            var gone = new List<string>();
            foreach (
                SessionRemovalResult result in new SessionRemover(
                    Instance,
                    _ => NowUtc,
                    held =>
                    {
                        if (held > LongestWriteTransaction)
                            LongestWriteTransaction = held;
                    },
                    walBusy: path => _busyWals.Add(path),
                    readHolds: ReadHolds,
                    keptBy: ErasureStoppedBy
                ).Remove(agent.Id, sessions)
            )
            {
                removed(result);
                if (result.Status == RemovalStatus.Removed)
                {
                    gone.Add(result.SessionId);
                    record.AddErased(result.Session, result.MessagesRemoved, result.FilesRemoved);
                }
                else
                {
                    record.SessionsKept++;
                    kept.Add(result.SessionId);
                }
            }
            using (ChatDatabase chat = ChatDatabase.Open(Instance, agent.Id, writable: true))
            {
                record.AddRows("memories", chat.EraseMemories(gone));
                if (!chat.TryTruncateWal())
                    _busyWals.Add(chat.Path);
            }
        }
        using (MainDatabase main = MainDatabase.Open(Instance, writable: !preview))
        {
            foreach (KeyValuePair<string, int> rows in main.EraseUserRows(externalUserId, kept, countOnly: preview))
                if (preview || rows.Key != "session_index")
                    record.AddRows(rows.Key, rows.Value);
            if (!preview && !main.TryTruncateWal())
                _busyWals.Add(main.Path);
        }
        if (!preview)
            record.AddRows("session_index", indexBefore - IndexRows());
        List<long> copies = GetArchivedSessions()
            .Where(a => a.ExternalUserId == externalUserId)
            .Select(a => a.ArchiveId)
            .ToList();
        record.AddRows("archive_sessions", preview ? copies.Count : RemoveArchivedSessions(copies));
        record.Complete = record.SessionsKept == 0;
        if (preview)
            return record;
        if (vacuum)
        {
            var spaces = touched.Select(a => GetSpace(a, withFiles: false)).OfType<DatabaseSpace>().ToList();
            spaces.AddRange(GetSharedSpace());
            foreach (DatabaseSpace space in spaces)
            {
                SpaceReturned done = Optimize(
                    space,
                    TimeSpan.MaxValue,
                    force: true,
                    enableIncrementalVacuum: false,
                    vacuum: true
                );
                if (done.Method != OptimizeMethod.Vacuum)
                    record.AddNotVacuumed(done.Path, done.Reason);
            }
            record.Vacuumed = record.NotVacuumed.Count == 0;
        }
        record.ExternalUserIdHash = ErasureRecords.Hash(Instance, externalUserId);
        ErasureRecords.Append(Instance, record);
        return record;
    }

    /// <summary>The sessions of the agent's <c>chat.db</c> a restore holds now (<see cref="RestoreHolds"/>); none
    /// without an archive.</summary>
    private HashSet<string> ReadHolds(string agentId)
    {
        using ArchiveDatabase? archive = ArchiveDatabase.OpenForReading(Instance);
        return archive?.Holds.ReadHeld(agentId, NowUtc) ?? new HashSet<string>(StringComparer.Ordinal);
    }

    /// <summary>
    /// Each agent's sessions in turn, the next agent read on a worker thread while the caller works on the current
    /// one (a removal is mostly waiting on the disk). A failure to read an agent comes as its <see
    /// cref="AgentSessions.Error"/>.
    /// </summary>
    public IEnumerable<AgentSessions> GetSessionsOfEach(IReadOnlyList<AgentInfo> agents) =>
        GetSessionsOfEach(agents, openForRemoval: null);

    /// <summary>
    /// As <see cref="GetSessionsOfEach(IReadOnlyList{AgentInfo})"/>; within a <see cref="SharingMainDatabase"/> scope,
    /// <paramref name="openForRemoval"/> is asked on the worker thread once an agent is read, and true has that
    /// agent's <c>chat.db</c> opened for writing there too, for the <see cref="Remove"/> that follows (<see
    /// cref="ChatDatabasesOpenedAhead"/>).
    /// </summary>
    internal IEnumerable<AgentSessions> GetSessionsOfEach(
        IReadOnlyList<AgentInfo> agents,
        Func<AgentSessions, bool>? openForRemoval
    )
    {
        ChatDatabasesOpenedAhead? openedAhead = openForRemoval != null ? _scope?.OpenedAhead : null;
        Task<AgentSessions> ReadAhead(AgentInfo agent) =>
            Task.Run(() =>
            {
                AgentSessions read;
                try
                {
                    read = new AgentSessions(agent, GetSessions(agent), null);
                }
                catch (EvonicException e)
                {
                    return new AgentSessions(agent, null, e);
                }
                if (openedAhead != null && openForRemoval!(read))
                    openedAhead.Open(Instance, agent.Id);
                return read;
            });

        Task<AgentSessions>? next = agents.Count > 0 ? ReadAhead(agents[0]) : null;
        try
        {
            for (int i = 0; i < agents.Count; i++)
            {
                AgentSessions current = next!.GetAwaiter().GetResult();
                next = i + 1 < agents.Count ? ReadAhead(agents[i + 1]) : null;
                yield return current;
            }
        }
        finally
        {
            // A caller that stops early must not leave a read running on its instance.
            try
            {
                next?.Wait();
            }
            catch (AggregateException) { }
        }
    }

    /// <summary>Closes the agent's <c>chat.db</c> opened ahead (<see cref="ChatDatabasesOpenedAhead"/>) when no
    /// removal took it.</summary>
    internal void DiscardOpenedAhead(AgentInfo agent) => _scope?.OpenedAhead.Discard(agent.Id);

    /// <summary>Whether the agent's <c>chat.db</c> is open ahead, not yet taken by a removal.</summary>
    internal bool IsOpenedAhead(string agentId) => _scope?.OpenedAhead.IsOpen(agentId) == true;

    /// <summary>Sets the agent's cached <c>agents.session_count</c> to its real number of sessions.</summary>
    public void SyncSessionCount(AgentInfo agent)
    {
        CheckAgentId(agent);
        using ChatDatabase chat = ChatDatabase.Open(Instance, agent.Id, writable: false);
        long count = chat.CountSessions();
        using MainDatabase main = MainDatabase.Open(Instance, writable: true);
        main.UpdateSessionCount(agent.Id, count);
    }

    /// <summary>
    /// Removes the given sessions of one agent, as read by <see cref="GetSessions"/> of this store. Sessions that
    /// became active since are kept whole as <see cref="RemovalStatus.KeptActive"/>, those protected as <see
    /// cref="RemovalStatus.KeptProtected"/>. Results stream as each batch commits.
    /// </summary>
    public IEnumerable<SessionRemovalResult> Remove(AgentInfo agent, IEnumerable<EvonicSession> sessions)
    {
        CheckAgentId(agent);
        return new SessionRemover(
            Instance,
            // The limit each session was listed with (sessions come from this store's listing); 0 never removes.
            session =>
                session.MaxAgeDays == 0 ? DateTime.MinValue : CleanupPolicy.CutoffUtc(NowUtc, session.MaxAgeDays),
            held =>
            {
                if (held > LongestWriteTransaction)
                    LongestWriteTransaction = held;
            },
            Archive?.Enabled == true,
            path => _busyWals.Add(path),
            ReadHolds,
            _scope?.Connections,
            openedAhead: _scope != null ? _scope.OpenedAhead.Take : null
        ).Remove(agent.Id, sessions);
    }

    /// <summary>The scope of <see cref="SharingMainDatabase"/> while it lasts (its caller disposes it).</summary>
    private MainDatabaseScope? _scope;

    /// <summary>
    /// Until the returned scope ends, every <see cref="Remove"/> shares one writable connection to the main database
    /// (and a second for the rows deleted off its thread, <see cref="MainRowDeleter"/>), and its WAL is truncated once
    /// at the end instead of after each agent: a run over many agents opens the main database once; and agents'
    /// <c>chat.db</c> may be opened ahead (<see cref="ChatDatabasesOpenedAhead"/>), those no removal took closing with
    /// the scope. Use it only while holding the instance's cleanup lock for the whole scope.
    /// </summary>
    internal IDisposable SharingMainDatabase()
    {
        var scope = new MainDatabaseScope(this);
        _scope = scope;
        return scope;
    }

    private sealed class MainDatabaseScope : IDisposable
    {
        private SessionStore? _store;

        public MainDatabaseScope(SessionStore store)
        {
            _store = store;
            Connections = new SharedMainConnections(store.Instance, path => store._busyWals.Add(path));
        }

        /// <summary>The main database's connections the removals within this scope share.</summary>
        public SharedMainConnections Connections { get; }

        /// <summary>The agents' <c>chat.db</c> opened ahead within this scope; those no removal took close with
        /// it.</summary>
        public ChatDatabasesOpenedAhead OpenedAhead { get; } = new();

        public void Dispose()
        {
            // Ended first: a failure closing what it holds (the WAL's truncation) must not leave removals in a scope
            // whose connections are closed.
            if (_store != null)
                _store._scope = null;
            _store = null;
            OpenedAhead.Dispose();
            Connections.Dispose();
        }
    }

    /// <summary>The sessions in Evonic's archive (<c>shared/db/session_archive.db</c>), streamed; none when there is no
    /// archive.</summary>
    public IEnumerable<ArchivedSessionInfo> GetArchivedSessions()
    {
        using ArchiveDatabase? archive = ArchiveDatabase.OpenForReading(Instance);
        if (archive == null)
            yield break;
        foreach (ArchivedSessionInfo session in archive.ReadSessions(Instance.Root))
            yield return session;
    }

    /// <summary>Purges these entries (<c>archive_sessions.id</c>) from Evonic's archive, with their messages, summary,
    /// state and lines; returns how many existed.</summary>
    public int RemoveArchivedSessions(IReadOnlyCollection<long> archiveIds)
    {
        if (!System.IO.File.Exists(Instance.ArchiveDatabasePath))
            return 0;
        using ArchiveDatabase archive = ArchiveDatabase.OpenForWriting(Instance);
        return archive.Forget(archiveIds);
    }

    /// <summary>The space the agent's <c>chat.db</c> takes, with its logs and attachments; null when it has none.
    /// Read-only.</summary>
    public DatabaseSpace? GetSpace(AgentInfo agent) => GetSpace(agent, withFiles: true);

    /// <summary>The same, without the agent's logs and attachments when <paramref name="withFiles"/> is false (no
    /// folder walk).</summary>
    internal DatabaseSpace? GetSpace(AgentInfo agent, bool withFiles)
    {
        CheckAgentId(agent);
        string path = Instance.ChatDatabasePath(agent.Id);
        return System.IO.File.Exists(path)
            ? SpaceReader.Measure(Instance, DatabaseKind.Chat, agent.Id, path, withFiles)
            : null;
    }

    /// <summary>The space the main database and the archive (when there is one) take. Read-only.</summary>
    public IEnumerable<DatabaseSpace> GetSharedSpace()
    {
        yield return SpaceReader.Measure(Instance, DatabaseKind.Main, null, Instance.MainDatabasePath);
        if (System.IO.File.Exists(Instance.ArchiveDatabasePath))
            yield return SpaceReader.Measure(Instance, DatabaseKind.Archive, null, Instance.ArchiveDatabasePath);
    }

    /// <summary>
    /// Gives the database's free pages back to the file system (<see cref="SpaceOptimizer"/>): in small incremental
    /// steps where the database allows it (unless <paramref name="vacuum"/> asks for a VACUUM, which also clears what
    /// page rebalancing left of removed rows), else one VACUUM when its estimate is under <paramref name="lockBudget"/>
    /// or <paramref name="force"/> is set.
    /// </summary>
    public SpaceReturned Optimize(
        DatabaseSpace space,
        TimeSpan lockBudget,
        bool force,
        bool enableIncrementalVacuum,
        bool vacuum = false,
        System.Threading.CancellationToken stop = default
    ) => SpaceOptimizer.Optimize(OfThisInstance(space), lockBudget, force, enableIncrementalVacuum, vacuum, stop);

    /// <summary>
    /// Only the incremental part of <see cref="Optimize"/>, as a cleanup's -Optimize runs it: a database in
    /// <c>auto_vacuum = INCREMENTAL</c> shrinks in ~50 ms steps; any other is skipped, never vacuumed.
    /// </summary>
    public SpaceReturned OptimizeIncrementally(
        DatabaseSpace space,
        System.Threading.CancellationToken stop = default
    ) => SpaceOptimizer.OptimizeIncrementally(OfThisInstance(space), stop);

    /// <summary>A database measured in another instance is not this store's to rewrite.</summary>
    private DatabaseSpace OfThisInstance(DatabaseSpace space) =>
        EvonicInstance.RootComparer.Equals(space.InstanceRoot, Instance.Root)
            ? space
            : throw new ArgumentException(
                $"'{space.Path}' was measured in the instance '{space.InstanceRoot}', not in '{Instance.Root}'.",
                nameof(space)
            );

    /// <summary>
    /// Opens the instance for restoring archived sessions (<see cref="SessionRestorer"/>): takes its cleanup lock,
    /// so a cleanup and a restore never run at once.
    /// </summary>
    public SessionRestorer OpenRestorer() => SessionRestorer.Open(Instance);

    /// <summary>
    /// Ends the hold of a restored session of <paramref name="agentId"/>'s <c>chat.db</c> now, under the cleanup lock;
    /// false when it has none (an unfinished restore keeps its hold until a restore finishes it).
    /// </summary>
    public bool RemoveHold(string agentId, string sessionId)
    {
        using CleanupLock cleanupLock = CleanupLock.Acquire(Instance);
        if (!System.IO.File.Exists(Instance.ArchiveDatabasePath))
            return false;
        using ArchiveDatabase archive = ArchiveDatabase.OpenForWriting(Instance);
        return archive.Holds.Remove(agentId, sessionId);
    }

    /// <summary>An agent id from the main database names folders: one that Evonic could not have made is refused (and
    /// its agent skipped).</summary>
    private static void CheckAgentId(AgentInfo agent)
    {
        if (!EvonicInstance.IsValidAgentId(agent.Id))
            throw new EvonicException(
                EvonicErrorKind.InvalidAgentId,
                $"The main database lists the agent id '{agent.Id.Replace("\0", "\\0")}', which is not a valid "
                    + $"Evonic agent id (^[a-z0-9_]+$); it is skipped.",
                agent.Id
            );
    }
}
