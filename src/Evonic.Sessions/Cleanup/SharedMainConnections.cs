using System;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Cleanup;

/// <summary>
/// The writable connections to the main database that a run's removals share, each opened at its first use: one for
/// the removal's thread, one for the rows deleted off it (<see cref="MainRowDeleter"/>). Opening the main database per
/// agent cost more than the rows' own time at 3 000 sessions. When the run ends, the first's WAL is truncated once,
/// instead of after each agent.
/// </summary>
internal sealed class SharedMainConnections : IDisposable
{
    private readonly EvonicInstance _instance;
    private readonly Action<string> _walBusy;
    private MainDatabase? _main;
    private MainDatabase? _rows;

    /// <param name="instance">The instance.</param>
    /// <param name="walBusy">Told when the app kept the WAL too busy to truncate.</param>
    public SharedMainConnections(EvonicInstance instance, Action<string> walBusy)
    {
        _instance = instance;
        _walBusy = walBusy;
    }

    /// <summary>The connection of the removals' own thread.</summary>
    public MainDatabase Main => _main ??= MainDatabase.Open(_instance, writable: true);

    /// <summary>The connection of the rows deleted off the removals' thread.</summary>
    public MainDatabase Rows => _rows ??= MainDatabase.Open(_instance, writable: true);

    public void Dispose()
    {
        _rows?.Dispose();
        _rows = null;
        MainDatabase? main = _main;
        _main = null;
        if (main == null)
            return;
        using (main)
            if (!main.TryTruncateWal())
                _walBusy(main.Path);
    }
}
