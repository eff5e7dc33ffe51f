using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Evonic.Sessions.Cleanup;
using Evonic.Sessions.Rules;
using Evonic.Sessions.Scheduling;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions;

/// <summary>
/// One cleanup run, from the first lock to the closing line: it removes the old sessions of the agents it is given
/// (or the sessions a listing named, judged again), holds each instance's <see cref="CleanupLock"/> from its first
/// deletion to the end, counts everything in a <see cref="CleanupSummary"/>, and writes the <c>[SESSION_CLEANUP]</c>
/// lines to its host and to the log file. A preview (-WhatIf) goes through the same steps and changes nothing.
/// </summary>
public sealed class CleanupRun : IDisposable
{
    private const string Activity = "Removing old Evonic sessions";

    private readonly ICleanupRunHost _host;
    private readonly bool _preview;
    private readonly bool _optimize;
    private readonly Dictionary<string, SessionStore> _stores = new(StringComparer.Ordinal);
    private readonly List<DatabaseSpace> _notIncremental = new();

    // not disposed: Dispose may come twice, from another thread
    private readonly System.Threading.CancellationTokenSource _stop = new();
    private readonly CleanupSummary _summary = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly NativeHeapTrimmer _nativeHeap = new();

    // concurrent: the thread that reads the next agent asks whether the run holds the lock (OpensAhead)
    private readonly ConcurrentDictionary<string, CleanupLock> _locks = new(StringComparer.Ordinal);
    private readonly HashSet<string> _lockedOut = new(StringComparer.Ordinal);
    private CleanupLogFile? _logFile;
    private readonly string? _moduleVersion;
    private int _offered;

    /// <param name="host">Approves each session and receives what the run reports.</param>
    /// <param name="logPath">A file to append the lines to (not in a preview); null for none.</param>
    /// <param name="preview">True for -WhatIf: sessions are offered to <see cref="ICleanupRunHost.Approve"/>, nothing
    /// is removed or logged.</param>
    /// <param name="optimize">
    /// True for -Optimize: after each agent its <c>chat.db</c>, and at the end the main database and the archive, give
    /// their free pages back in small incremental-vacuum steps, when they are in <c>auto_vacuum = INCREMENTAL</c>.
    /// </param>
    /// <param name="moduleVersion">The version of the module that runs, for the closing line; null leaves it
    /// out.</param>
    public CleanupRun(
        ICleanupRunHost host,
        string? logPath,
        bool preview,
        bool optimize = false,
        string? moduleVersion = null
    )
    {
        _moduleVersion = moduleVersion;
        _host = host;
        _preview = preview;
        _optimize = optimize;
        if (logPath != null && !preview)
            _logFile = new CleanupLogFile(logPath);
    }

    /// <summary>Removes every old, unprotected session of <paramref name="agents"/>.</summary>
    public void RemoveOld(SessionStore store, IReadOnlyList<AgentInfo> agents)
    {
        Opened(store);
        SharingMainDatabase(store, () => RemoveOldOfEach(store, agents));
    }

    private void RemoveOldOfEach(SessionStore store, IReadOnlyList<AgentInfo> agents)
    {
        int done = 0;
        foreach (AgentSessions read in store.GetSessionsOfEach(agents, next => OpensAhead(store, next)))
        {
            int number = done + 1;
            _host.Progress(
                1,
                Activity,
                () => $"Agent '{read.Agent.Id}' ({number} of {agents.Count})",
                done++,
                agents.Count
            );
            WarnUnknownTables(store);
            if (read.Error != null)
                AgentFailed(read.Agent.Id, read.Error);
            else
            {
                RemoveFromAgent(store, read.Agent, read.Sessions!, read.Sessions!.Where(s => s.IsRemovable).ToList());
                store.DiscardOpenedAhead(read.Agent);
                ReturnFreePages(store, read.Agent);
            }
            AgentDone(read.Agent.Id);
        }
        _host.Progress(1, Activity, () => "Done", agents.Count, 0);
    }

    /// <summary>
    /// Removes sessions a listing named (piped from Get-EvonicOldSession), each read again first: only those still
    /// old and unprotected go; <paramref name="agents"/> are the agents the listing may name.
    /// </summary>
    public void RemoveListed(SessionStore store, IReadOnlyList<AgentInfo> agents, IEnumerable<EvonicSession> listed)
    {
        Opened(store);
        Dictionary<string, AgentInfo> known = agents.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var byAgent = listed
            .GroupBy(s => s.AgentId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (string missing in byAgent.Keys.Where(id => !known.ContainsKey(id)))
        {
            AgentFailed(
                missing,
                new EvonicException(
                    EvonicErrorKind.AgentNotFound,
                    $"The instance '{store.Instance.Root}' has no agent '{missing}' in its main database.",
                    missing
                )
            );
            AgentDone(missing);
        }
        var wanted = byAgent.Keys.Where(known.ContainsKey).Select(id => known[id]).ToList();
        SharingMainDatabase(store, () => RemoveListedOfEach(store, wanted, byAgent));
    }

    private void RemoveListedOfEach(
        SessionStore store,
        List<AgentInfo> wanted,
        Dictionary<string, List<EvonicSession>> byAgent
    )
    {
        int done = 0;
        foreach (AgentSessions read in store.GetSessionsOfEach(wanted, next => OpensAhead(store, next)))
        {
            string agentId = read.Agent.Id;
            int number = done + 1;
            _host.Progress(1, Activity, () => $"Agent '{agentId}' ({number} of {wanted.Count})", done++, wanted.Count);
            WarnUnknownTables(store);
            if (read.Error != null)
            {
                AgentFailed(agentId, read.Error);
                AgentDone(agentId);
                continue;
            }
            // A orphan and a live session may share an id: each listed entry is matched to its own kind, and a
            // listing that names one twice can never stop the run.
            var current = read.Sessions!.GroupBy(Key).ToDictionary(g => g.Key, g => g.First());
            var candidates = new List<EvonicSession>();
            foreach (EvonicSession session in byAgent[agentId].GroupBy(Key).Select(g => g.First()))
            {
                if (current.TryGetValue(Key(session), out EvonicSession? now) && now.IsRemovable)
                    candidates.Add(now);
                else if (now == null)
                    _host.Detail($"Skipped {session.Describe()}: it no longer exists.");
                else
                    _host.Warn(
                        $"Kept {now.Describe()}: it is "
                            + $"{(now.IsOld ? "protected (" + now.Protection + ")" : "no longer old")}."
                    );
            }
            RemoveFromAgent(store, read.Agent, read.Sessions!, candidates);
            store.DiscardOpenedAhead(read.Agent);
            ReturnFreePages(store, read.Agent);
            AgentDone(agentId);
        }
        _host.Progress(1, Activity, () => "Done", wanted.Count, 0);
    }

    /// <summary>Cleanup is disabled (MaxAgeDays 0): says so in the log.</summary>
    public void Disabled(CleanupPolicy policy) => WriteLine(CleanupSummary.DisabledLine(policy));

    /// <summary>The instance's retention policy cannot be used: nothing of the instance is removed; an error of the
    /// run (a scheduled run exits 1), said in the log.</summary>
    public void PolicyRefused(EvonicException failure)
    {
        _summary.AddRunError();
        WriteLine(CleanupSummary.PolicyRefusedLine(failure));
        _host.Failed(failure);
    }

    /// <summary>A failure that stops one agent: counted, logged, and reported as an error.</summary>
    public void AgentFailed(string agentId, EvonicException error)
    {
        _summary.AddError(agentId);
        WriteLine(CleanupSummary.FailureLine(agentId, error));
        _host.Failed(error);
    }

    /// <summary>Ends the run: the closing line (a preview's count instead), and every lock released. Null for a
    /// preview.</summary>
    public CleanupReport? Finish()
    {
        try
        {
            if (_preview)
            {
                _host.Closing(
                    $"What if: {_offered} session(s) would be removed"
                        + (
                            _optimize
                                ? ", then the databases in auto_vacuum = INCREMENTAL would give their free pages back."
                                : "."
                        ),
                    null
                );
                return null;
            }
            ReturnSharedFreePages();
            CleanupReport report = _summary.Report(
                Environment.MachineName,
                _stores.Keys.ToArray(),
                _clock.Elapsed,
                _moduleVersion
            );
            WriteLine(report.Line, report);
            return report;
        }
        finally
        {
            ReleaseLocks();
        }
    }

    /// <summary>Ends the run early (Ctrl+C): incremental steps stop between two steps, and every lock is
    /// released.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        ReleaseLocks();
    }

    /// <summary>
    /// Whether the agent just read may have its <c>chat.db</c> opened for writing on the reading thread, while the
    /// agent before it is removed (<see cref="ChatDatabasesOpenedAhead"/>): only once this run holds the instance's
    /// lock, and only when the agent has sessions to remove.
    /// </summary>
    private bool OpensAhead(SessionStore store, AgentSessions read) =>
        !_preview && _locks.ContainsKey(store.Instance.Root) && read.Sessions!.Any(s => s.IsRemovable);

    private static (string SessionId, bool Orphan) Key(EvonicSession session) =>
        (session.SessionId, session.Kind == SessionKind.Orphan);

    private void Opened(SessionStore store)
    {
        StartCodeTrustCheck();
        if (!_stores.ContainsKey(store.Instance.Root))
            _stores.Add(store.Instance.Root, store);
    }

    /// <summary>-Optimize, after an agent's removal: its <c>chat.db</c> gives its free pages back.</summary>
    private void ReturnFreePages(SessionStore store, AgentInfo agent)
    {
        if (!_optimize || _preview || _lockedOut.Contains(store.Instance.Root))
            return;
        try
        {
            // Only the database: its free pages and mode, not a walk of the agent's logs and attachments.
            if (store.GetSpace(agent, withFiles: false) is { } space)
                ReturnFreePages(store, space);
        }
        catch (EvonicException e)
        {
            NotOptimized(store.Instance.ChatDatabasePath(agent.Id), e.Message);
        }
    }

    /// <summary>-Optimize, at the end: the main database and the archive of each instance give their free pages
    /// back.</summary>
    private void ReturnSharedFreePages()
    {
        if (!_optimize)
            return;
        foreach (SessionStore store in _stores.Values.Where(s => !_lockedOut.Contains(s.Instance.Root)))
        {
            try
            {
                foreach (DatabaseSpace space in store.GetSharedSpace().ToList())
                    ReturnFreePages(store, space);
            }
            catch (EvonicException e)
            {
                NotOptimized(store.Instance.MainDatabasePath, e.Message);
            }
        }
        if (_notIncremental.Count == 0)
            return;
        // Never a VACUUM here: it holds the write lock for its whole duration, which only Optimize-EvonicSessionStore
        // may decide.
        NotOptimized(
            string.Join("', '", _notIncremental.Select(s => s.Path)),
            SpaceOptimizer.NotIncremental,
            _notIncremental.Sum(s => s.FreeBytes)
        );
    }

    private void ReturnFreePages(SessionStore store, DatabaseSpace space)
    {
        if (space.FreeBytes == 0)
            return;
        if (space.AutoVacuum != AutoVacuumMode.Incremental)
        {
            _notIncremental.Add(space);
            return;
        }
        try
        {
            SpaceReturned returned = store.OptimizeIncrementally(space, _stop.Token);
            _summary.AddReturned(returned.BytesReturned);
            _summary.AddWriteTransaction(TimeSpan.FromMilliseconds(returned.LongestLockMilliseconds));
            if (returned.Method == OptimizeMethod.Skipped)
                NotOptimized(space.Path, returned.Reason!);
            else
                _host.Detail(
                    $"'{space.Path}' returned {returned.BytesReturned} bytes of free pages; longest write lock "
                        + $"{returned.LongestLockMilliseconds:0} ms."
                );
        }
        catch (EvonicException e)
        {
            NotOptimized(space.Path, e.Message);
        }
    }

    /// <summary>A database that kept its free pages: a warning and a log line, not an error, since nothing of the
    /// removal is undone.</summary>
    private void NotOptimized(string path, string reason, long? freeBytes = null)
    {
        string kept = freeBytes is { } bytes
            ? string.Format(CultureInfo.InvariantCulture, "{0} bytes of free pages", bytes)
            : "its free pages";
        _host.Warn($"'{path}' kept {kept}: {reason}.");
        WriteLine(CleanupSummary.NotOptimizedLine(path, kept, reason));
    }

    private void RemoveFromAgent(
        SessionStore store,
        AgentInfo agent,
        IReadOnlyList<EvonicSession> listed,
        List<EvonicSession> candidates
    )
    {
        var approved = candidates.Where(_host.Approve).ToList();
        _offered += candidates.Count;
        if (_preview)
            return;
        if (approved.Count == 0)
        {
            // A run killed after its last commit for this agent left agents.session_count behind; fix it even
            // when nothing else is left to do (a removal recounts anyway).
            if (agent.SessionCount != listed.Count(s => s.Kind != SessionKind.Orphan))
                SyncSessionCount(store, agent);
            return;
        }
        if (!HoldLock(store.Instance, agent.Id))
            return;
        string activity = $"Agent '{agent.Id}'";
        try
        {
            int done = 0;
            foreach (SessionRemovalResult result in store.Remove(agent, approved))
            {
                _host.Progress(2, activity, result.Session.Describe, ++done, approved.Count);
                _summary.Add(result);
                if (result.Error != null)
                {
                    WriteLine(CleanupSummary.FailureLine(agent.Id, result.Error));
                    _host.Failed(result.Error);
                }
                if (result.Status == RemovalStatus.KeptActive)
                    _host.Warn($"Kept {result.Session.Describe()}: it became active after it was listed.");
                if (result.Status == RemovalStatus.KeptProtected)
                    _host.Warn($"Kept {result.Session.Describe()}: it is protected ({result.Protection}).");
                if (result.Status == RemovalStatus.Removed)
                    _host.Removed(result);
            }
            _host.Progress(2, activity, () => "Done", approved.Count, 0);
        }
        catch (EvonicException e)
        {
            AgentFailed(agent.Id, e);
        }
        finally
        {
            _summary.AddWriteTransaction(store.LongestWriteTransaction);
            WarnBusyWals(store);
        }
    }

    private void WarnBusyWals(SessionStore store)
    {
        foreach (string wal in store.TakeBusyWals())
            _host.Warn(
                $"The app kept the WAL of '{wal}' busy, so it was not truncated: its older frames may hold "
                    + $"removed text until the app's next checkpoint."
            );
    }

    /// <summary>
    /// Runs <paramref name="removeAgents"/> with one main-database connection for all its agents
    /// (<see cref="SessionStore.SharingMainDatabase"/>); then that database's WAL is truncated once, and closed.
    /// </summary>
    private void SharingMainDatabase(SessionStore store, Action removeAgents)
    {
        IDisposable sharing = store.SharingMainDatabase();
        try
        {
            removeAgents();
        }
        finally
        {
            try
            {
                sharing.Dispose();
            }
            catch (EvonicException e)
            {
                _summary.AddRunError();
                WriteLine(CleanupSummary.RunFailureLine(e));
                _host.Failed(e);
            }
            WarnBusyWals(store);
        }
    }

    private void SyncSessionCount(SessionStore store, AgentInfo agent)
    {
        try
        {
            store.SyncSessionCount(agent);
        }
        catch (EvonicException e)
        {
            AgentFailed(agent.Id, e);
        }
    }

    /// <summary>
    /// Takes the instance's cleanup lock before its first deletion; when another run holds it, says so once and
    /// removes nothing from that instance.
    /// </summary>
    private bool HoldLock(EvonicInstance instance, string agentId)
    {
        if (_lockedOut.Contains(instance.Root) || !CodeIsTrusted())
            return false;
        if (_locks.ContainsKey(instance.Root))
            return true;
        try
        {
            _locks[instance.Root] = CleanupLock.Acquire(instance);
            return true;
        }
        catch (EvonicException e)
        {
            _lockedOut.Add(instance.Root);
            AgentFailed(agentId, e);
            return false;
        }
    }

    private bool? _codeTrusted;

    /// <summary>The check of <see cref="CodeIsTrusted"/>, started when the run opens its first instance: it runs the
    /// system's <c>stat</c>, which takes as long as listing a small agent, so it runs beside the first
    /// listing.</summary>
    private Task<EvonicException?>? _codeTrust;

    private void StartCodeTrustCheck()
    {
        if (_preview || _codeTrust != null)
            return;
        string? executable;
        using (Process process = Process.GetCurrentProcess())
            executable = process.MainModule?.FileName;
        string moduleFolder = ModuleFolder.Path;
        _codeTrust = Task.Run(() =>
        {
            try
            {
                CodeTrust.Check(executable ?? moduleFolder, moduleFolder);
                return null;
            }
            catch (EvonicException e)
            {
                return e;
            }
        });
    }

    /// <summary>
    /// Before the first change: the code this run executes (the process and the module's folder) must be writable by
    /// no other user (<see cref="CodeTrust"/>); else the run changes nothing and says so in its log. Once per run.
    /// </summary>
    private bool CodeIsTrusted()
    {
        if (_codeTrusted is { } known)
            return known;
        StartCodeTrustCheck();
        EvonicException? untrusted = _codeTrust!.GetAwaiter().GetResult();
        _codeTrusted = untrusted == null;
        if (untrusted != null)
        {
            _summary.AddRunError();
            WriteLine(CleanupSummary.RunFailureLine(untrusted));
            _host.Failed(untrusted);
        }
        return _codeTrusted.Value;
    }

    private void ReleaseLocks()
    {
        foreach (CleanupLock held in _locks.Values)
            held.Dispose();
        _locks.Clear();
    }

    private void WarnUnknownTables(SessionStore store)
    {
        foreach (string warning in store.TakeUnknownTableWarnings())
            _host.Warn(warning);
    }

    private void AgentDone(string agentId)
    {
        if (!_preview)
            WriteLine(_summary.AgentLine(agentId));
        _nativeHeap.AgentDone();
    }

    /// <summary>A [SESSION_CLEANUP] line: to the host, and to the log file when there is one.</summary>
    private void WriteLine(string line, CleanupReport? report = null)
    {
        if (_preview)
            return;
        if (report != null)
            _host.Closing(line, report);
        else
            _host.Line(line);
        if (_logFile == null)
            return;
        try
        {
            _logFile.Append(line, DateTime.UtcNow, _stores.Keys.FirstOrDefault());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _host.Warn(
                $"The log file '{_logFile.Path}' cannot be written ({e.Message}); this run logs no more lines there."
            );
            _logFile = null;
        }
        catch (EvonicException e)
        {
            // A link at the log's path: an error (a scheduled run exits 1), and no line goes through it.
            _logFile = null;
            _summary.AddRunError();
            _host.Failed(e);
        }
    }
}
