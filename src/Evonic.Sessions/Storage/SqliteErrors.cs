using System;
using Microsoft.Data.Sqlite;
using static SQLitePCL.raw;

namespace Evonic.Sessions.Storage;

/// <summary>
/// SQLite's failures as the module's error kinds, here and nowhere else: result codes by their names
/// (<c>SQLITE_BUSY</c>, ...), one message shape per database file. (As Microsoft.Data.Sqlite's
/// <c>SqliteException.ThrowExceptionForRC</c> is its one place from result code to exception.)
/// </summary>
internal static class SqliteErrors
{
    /// <summary>Another connection holds the lock past the busy timeout.</summary>
    public static bool IsBusy(SqliteException e) => e.SqliteErrorCode is SQLITE_BUSY or SQLITE_LOCKED;

    /// <summary>The file, its folder or its file system cannot be written (no -wal or -shm can be made beside it:
    /// CANTOPEN).</summary>
    public static bool IsReadOnly(SqliteException e) =>
        e.SqliteErrorCode is SQLITE_READONLY or SQLITE_PERM or SQLITE_CANTOPEN;

    /// <summary>A read-only open of a WAL database whose -shm cannot be created (CANTOPEN, or READONLY from SQLite
    /// 3.4x).</summary>
    public static bool IsMissingSharedMemory(SqliteException e) =>
        e.SqliteErrorCode is SQLITE_CANTOPEN or SQLITE_READONLY;

    /// <summary>Why a write to <paramref name="path"/> failed, as the kind an admin can act on.</summary>
    public static EvonicException WriteFailure(SqliteException e, string path)
    {
        if (IsBusy(e))
            return new EvonicException(
                EvonicErrorKind.DatabaseLocked,
                $"'{path}' stayed locked by another writer for more than "
                    + $"{SqliteDatabase.BusyTimeoutMilliseconds / 1000} s: {e.Message}",
                path,
                e
            );
        if (IsReadOnly(e))
            return new EvonicException(
                EvonicErrorKind.DatabaseReadOnly,
                $"'{path}' cannot be written (read-only file, folder or file system): {e.Message}",
                path,
                e
            );
        return new EvonicException(
            EvonicErrorKind.DatabaseWriteFailed,
            $"Writing '{path}' failed: {e.Message}",
            path,
            e
        );
    }

    /// <summary>A read that failed: a lock held too long is DatabaseLocked, anything else the file's own <paramref
    /// name="unreadable"/> kind.</summary>
    public static EvonicException ReadFailure(SqliteException e, EvonicErrorKind unreadable, string path) =>
        IsBusy(e) ? WriteFailure(e, path) : Unreadable(e, unreadable, path);

    /// <summary>A database file that cannot be read (SQLite, or content the store cannot parse), named as the admin
    /// knows it.</summary>
    public static EvonicException Unreadable(Exception e, EvonicErrorKind kind, string path)
    {
        string file = kind switch
        {
            EvonicErrorKind.MainDatabaseFailed => $"The main database '{path}'",
            EvonicErrorKind.ArchiveUnreadable => $"The session archive '{path}'",
            _ => $"'{path}'",
        };
        return new EvonicException(kind, $"{file} cannot be read: {e.Message}", path, e);
    }
}
