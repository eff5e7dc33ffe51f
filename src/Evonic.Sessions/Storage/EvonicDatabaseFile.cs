using System;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Storage;

/// <summary>
/// One open database file of Evonic's (an agent's <c>chat.db</c>, the main <c>evonic.db</c>): its connection and
/// path, and what the module does to every such file after its writes: a passive checkpoint after each commit, and
/// the closing one that truncates the WAL. SQLite's failures come out through <see cref="SqliteErrors"/>.
/// </summary>
internal abstract class EvonicDatabaseFile : IDisposable
{
    protected EvonicDatabaseFile(SqliteConnection connection, string path)
    {
        Connection = connection;
        Path = path;
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
    }

    public virtual void Dispose() => Connection.Dispose();
}
