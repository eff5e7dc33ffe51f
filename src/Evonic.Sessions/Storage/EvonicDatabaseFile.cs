using System;
using System.IO;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Storage;

/// <summary>
/// One open database file of Evonic's (an agent's <c>chat.db</c>, the main <c>evonic.db</c>): its connection and
/// path, and what the module does to every such file after its writes: a passive checkpoint once its commits have
/// grown the WAL by <see cref="CheckpointGrowthBytes"/>, and the closing one that truncates the WAL. SQLite's failures
/// come out through <see cref="SqliteErrors"/>.
/// </summary>
internal abstract class EvonicDatabaseFile : IDisposable
{
    /// <summary>
    /// How far the WAL may grow past its size at the last checkpoint before the next one: SQLite's own auto-checkpoint
    /// threshold (1 000 pages of 4 KiB). A checkpoint per commit would fsync the database once per batch, a fixed cost
    /// that weighs most on small instances; this keeps the WAL as bounded as the app's own connections keep it.
    /// </summary>
    internal const long CheckpointGrowthBytes = 1000 * 4096;

    private long _walSizeAtCheckpoint;

    protected EvonicDatabaseFile(SqliteConnection connection, string path)
    {
        Connection = connection;
        Path = path;
        _walSizeAtCheckpoint = WalSize();
    }

    public string Path { get; }

    internal SqliteConnection Connection { get; }

    /// <summary>The closing checkpoint that truncates the WAL (<see cref="SqliteDatabase.TryTruncateWal"/>); false when
    /// the app kept it busy.</summary>
    public bool TryTruncateWal()
    {
        try
        {
            return SqliteDatabase.TryTruncateWal(Connection);
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, Path);
        }
    }

    /// <summary>A passive WAL checkpoint after a commit: outside the write transaction, never blocking the
    /// app.</summary>
    public void Checkpoint()
    {
        try
        {
            SqliteDatabase.Checkpoint(Connection);
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.WriteFailure(e, Path);
        }
        _walSizeAtCheckpoint = WalSize();
    }

    /// <summary>
    /// <see cref="Checkpoint"/> once the WAL file has grown by <see cref="CheckpointGrowthBytes"/> since the last one
    /// (a checkpointed WAL is rewritten from its start, so it grows again only past its old size); true when it ran.
    /// </summary>
    public bool CheckpointWhenGrown()
    {
        if (WalSize() - _walSizeAtCheckpoint < CheckpointGrowthBytes)
            return false;
        Checkpoint();
        return true;
    }

    /// <summary>The WAL file's size; 0 when there is none.</summary>
    private long WalSize()
    {
        var wal = new FileInfo(Path + "-wal");
        return wal.Exists ? wal.Length : 0;
    }

    public virtual void Dispose() => Connection.Dispose();
}
