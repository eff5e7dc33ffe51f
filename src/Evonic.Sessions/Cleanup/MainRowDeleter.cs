using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Cleanup;

/// <summary>
/// Deletes the main-database rows of sessions whose chat rows are committed gone, off the removal's thread and with a
/// connection to the main database of its own: their attachment rows when the file worker asks, before it deletes the
/// files they name; their <c>session_index</c> rows, which name none, on a thread of their own, in transactions sized
/// as the chat batches are. The index rows cost about a page of the table's time- and user-ordered indexes per row:
/// done on the removal's thread they were a third of a 500 000-session removal, where the second core was half idle
/// (docs/performance.md). The two share the connection one transaction at a time, so neither waits in SQLite's
/// busy handler for the other. A failure of an index transaction is thrown to the removal at its next <see
/// cref="AddIndexRows"/> or at <see cref="Finish"/>, so it stops the run as one on the removal's thread does.
/// </summary>
internal sealed class MainRowDeleter : IDisposable
{
    /// <summary>
    /// Removed sessions whose <c>session_index</c> rows go in the first transaction of an agent; later ones are sized
    /// from the last one's time, up to <see cref="LargestIndexBatch"/>. The index rows are spread over the whole
    /// table, so a transaction per chat batch rewrote about one page per session (30 000 sessions: 22 000 pages
    /// written to the main database's WAL, where one transaction writes 2 950); larger ones share pages between
    /// sessions. At 500 000 rows <c>idx_session_index_updated</c> still costs about a page per row: an agent's first
    /// transaction, on a new connection, held the lock 130-240 ms with 2 000 rows and 100-145 ms with 1 000, where the
    /// chat batches hold it about 50 ms.
    /// </summary>
    internal const int FirstIndexBatch = 500;

    internal const int LargestIndexBatch = 20000;

    private readonly EvonicInstance _instance;
    private readonly SharedMainConnections? _shared;
    private readonly Func<EvonicSession, DateTime> _cutoffOf;
    private readonly Action<TimeSpan> _wroteFor;

    /// <summary>Held for each transaction on the connection, by the index thread or the file worker.</summary>
    private readonly object _connectionGate = new();
    private MainDatabase? _main;

    /// <summary>Only each session's id and cutoff: the session objects, their rows and plans, are not held.</summary>
    private readonly List<KeyValuePair<string, DateTime>> _indexRowsDue = new();
    private int _indexBatch = FirstIndexBatch;
    private Task? _indexRowsRunning;

    /// <param name="instance">The instance.</param>
    /// <param name="shared">The run's connections: it writes with their <see cref="SharedMainConnections.Rows"/>;
    /// null: it opens a connection of its own at its first transaction, and closes it with itself.</param>
    /// <param name="cutoffOf">An index row is deleted only while its <c>updated_at</c> is older than its session's
    /// cutoff (<see cref="MainDatabase.DeleteIndexRows"/>).</param>
    /// <param name="wroteFor">Told, from the thread that wrote, how long each transaction held the write lock.</param>
    public MainRowDeleter(
        EvonicInstance instance,
        SharedMainConnections? shared,
        Func<EvonicSession, DateTime> cutoffOf,
        Action<TimeSpan> wroteFor
    )
    {
        _instance = instance;
        _shared = shared;
        _cutoffOf = cutoffOf;
        _wroteFor = wroteFor;
    }

    /// <summary>Deletes the attachment rows the listing read of the given sessions (<see
    /// cref="MainDatabase.DeleteAttachmentRows"/>), now, in one transaction: called by the file worker before their
    /// files go.</summary>
    public void DeleteAttachmentRows(IReadOnlyCollection<EvonicSession> removed)
    {
        // Without rows to delete, no wait for the connection.
        if (removed.Any(s => s.AttachmentRows.Count > 0))
            Write(main => main.DeleteAttachmentRows(removed));
    }

    /// <summary>Sessions whose chat rows are committed gone: their index rows are due. Starts a transaction on the
    /// index thread when a batch is due and none is running; throws what the last one failed with.</summary>
    public void AddIndexRows(IReadOnlyCollection<EvonicSession> removed)
    {
        _indexRowsDue.AddRange(MainDatabase.CutoffsOf(removed, _cutoffOf));
        // While one runs, the next waits, unless the index thread is so far behind that the ids due should not grow.
        if (_indexRowsRunning is { IsCompleted: false } && _indexRowsDue.Count < 2 * LargestIndexBatch)
            return;
        WaitForIndexRows();
        if (_indexRowsDue.Count >= Volatile.Read(ref _indexBatch))
            StartIndexRowsDue();
    }

    /// <summary>
    /// Starts a transaction for the index rows still due, without waiting for it: once the agent's last chat batch is
    /// written no more rows come to join them, so they need not wait for <see cref="Finish"/>. Called before the
    /// agent's WAL is truncated and its last files are waited for, the transaction runs meanwhile instead of after them
    /// (at 3 000 sessions, where an agent's rows never fill a first transaction, it was 3-9 ms of each agent's end).
    /// Never throws: while a transaction runs, or when the last one failed, it leaves the rows to <see cref="Finish"/>,
    /// which reports that failure after the agent's last results.
    /// </summary>
    public void StartRest()
    {
        if (_indexRowsDue.Count == 0 || _indexRowsRunning is { Status: not TaskStatus.RanToCompletion })
            return;
        WaitForIndexRows();
        StartIndexRowsDue();
    }

    /// <summary>Deletes the index rows still due and waits for them; throws what the thread failed with.</summary>
    public void Finish()
    {
        WaitForIndexRows();
        while (_indexRowsDue.Count > 0)
        {
            StartIndexRowsDue();
            WaitForIndexRows();
        }
    }

    /// <summary>For a run stopped early: the index rows of sessions already removed, without hiding why the run
    /// stopped (rows left behind are orphans the next run removes).</summary>
    public void FinishQuietly()
    {
        try
        {
            Finish();
        }
        catch (EvonicException)
        {
            // The failure that stopped the run is the one to report.
        }
    }

    public void Dispose()
    {
        try
        {
            _indexRowsRunning?.Wait();
        }
        catch (AggregateException)
        {
            // Reported by Finish when the run went on; otherwise the run's own failure is the one to report.
        }
        _indexRowsRunning = null;
        if (_shared == null)
            _main?.Dispose();
    }

    /// <summary>One index transaction on the index thread, of the rows due, no more than the batch: rows that came
    /// while the last transaction ran would make this one longer than the batch was sized for.</summary>
    private void StartIndexRowsDue()
    {
        int take = Math.Min(_indexRowsDue.Count, Volatile.Read(ref _indexBatch));
        List<KeyValuePair<string, DateTime>> rows = _indexRowsDue.GetRange(0, take);
        _indexRowsDue.RemoveRange(0, take);
        _indexRowsRunning = Task.Run(() =>
        {
            TimeSpan held = Write(main => main.DeleteIndexRows(rows));
            Volatile.Write(ref _indexBatch, SessionRemover.NextBatch(rows.Count, held, LargestIndexBatch));
        });
    }

    /// <summary>Waits for the index transaction running, if any; rethrows what it failed with.</summary>
    private void WaitForIndexRows()
    {
        Task? running = _indexRowsRunning;
        _indexRowsRunning = null;
        running?.GetAwaiter().GetResult();
    }

    /// <summary>One transaction on the connection, timed from when it is this thread's; returns that time.</summary>
    private TimeSpan Write(Action<MainDatabase> write)
    {
        lock (_connectionGate)
        {
            _main ??= _shared?.Rows ?? MainDatabase.Open(_instance, writable: true);
            var clock = Stopwatch.StartNew();
            write(_main);
            TimeSpan held = clock.Elapsed;
            _wroteFor(held);
            _main.CheckpointWhenGrown();
            return held;
        }
    }
}
