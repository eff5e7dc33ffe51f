using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Storage;

/// <summary>Opens Evonic's SQLite files the way a guest of a live app must, and reads their schema.</summary>
internal static class SqliteDatabase
{
    /// <summary>How long a statement waits for the live app's write lock before giving up.</summary>
    public const int BusyTimeoutMilliseconds = 10_000;

    /// <param name="path">The database file.</param>
    /// <param name="writable">Read-write (never create), or read-only.</param>
    /// <param name="root">The instance root: a writable connection is refused when the file is a link, or lies
    /// through a folder link outside the root (<see cref="NoFollowFile"/>).</param>
    public static SqliteConnection Open(string path, bool writable, string? root = null)
    {
        if (writable)
            NoFollowFile.CheckFolders(path, root, sqliteCompanions: true);
        try
        {
            SqliteConnection connection = Open(path, writable, immutable: false);
            if (writable)
                CheckReached(connection, path, root);
            return connection;
        }
        catch (SqliteException e)
            when (!writable && SqliteErrors.IsMissingSharedMemory(e) && !File.Exists(path + "-wal"))
        {
            // SQLITE_CANTOPEN or SQLITE_READONLY ("attempt to write a readonly database", what SQLite 3.4x says) on
            // a folder this user cannot write: a WAL database needs its -shm file, which it cannot create. No -wal
            // means no connection is open on it, so nothing is writing and the file holds every commit: read it as
            // immutable. (With a -wal, immutable would miss its commits: the error stands.)
            return Open(path, writable, immutable: true);
        }
    }

    /// <summary>
    /// The module's own archive (<c>shared/db/session_archive.db</c>), created when missing, in WAL mode with FULL
    /// sync: an archive commit is on disk before the <c>chat.db</c> delete that relies on it. Refused through a link,
    /// as <see cref="Open(string, bool, string)"/> refuses a writable connection.
    /// </summary>
    public static SqliteConnection OpenOrCreate(string path, string root)
    {
        NoFollowFile.CheckFolders(path, root, sqliteCompanions: true);
        SqliteConnection connection = Open(path, SqliteOpenMode.ReadWriteCreate, immutable: false);
        CheckReached(connection, path, root);
        try
        {
            Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static SqliteConnection Open(string path, bool writable, bool immutable)
        // ReadWrite, never ReadWriteCreate, for Evonic's files: a missing database must be an error, not a new empty
        // file.
        =>
        Open(path, writable ? SqliteOpenMode.ReadWrite : SqliteOpenMode.ReadOnly, immutable);

    private static SqliteConnection Open(string path, SqliteOpenMode mode, bool immutable)
    {
        SqliteNativeLibrary.EnsureInitialized();
        bool writable = mode != SqliteOpenMode.ReadOnly;
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = immutable ? new Uri(path).AbsoluteUri + "?immutable=1" : path,
            Mode = mode,
            Pooling = false,
            // Evonic never enables foreign keys; the bundled SQLite does, and chat_sessions.user_id references
            // a table that lives in another file, so deletes would fail with "no such table: main.users".
            ForeignKeys = false,
            DefaultTimeout = BusyTimeoutMilliseconds / 1000,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            // One round trip for every setting. Our commits to Evonic's files do not checkpoint the WAL as part of the
            // commit (wal_autocheckpoint 0): the remover checkpoints (PASSIVE: never blocks the app's writers) after a
            // commit once the WAL has grown, outside the timed write (EvonicDatabaseFile.CheckpointWhenGrown); the
            // archive, the module's own file, keeps SQLite's automatic checkpoints. secure_delete: freed cells and
            // pages are zeroed, whatever SQLite was compiled with, so removed means gone from the file. The schema is
            // read on its own (its failure is what the read-only fallback above recognises), so a file that is not
            // SQLite or cannot be opened fails here, not mid-scan.
            Execute(
                connection,
                $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; PRAGMA foreign_keys = OFF; "
                    + (mode == SqliteOpenMode.ReadWrite ? "PRAGMA wal_autocheckpoint = 0; " : "")
                    + (writable ? "PRAGMA secure_delete = ON; " : "")
            );
            Execute(connection, "SELECT count(*) FROM sqlite_master");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Refuses (and closes) a writable connection that SQLite opened through a link.</summary>
    internal static void CheckReached(SqliteConnection connection, string path, string? root)
    {
        try
        {
            NoFollowFile.CheckDatabase(connection, path, root);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Copies committed WAL pages into the database without waiting for or blocking any writer.</summary>
    public static void Checkpoint(SqliteConnection connection) =>
        Execute(connection, "PRAGMA wal_checkpoint(PASSIVE);");

    /// <summary>How long the closing WAL truncation may wait for the app: no longer than one of our write batches holds
    /// its lock.</summary>
    public const int TruncateWaitMilliseconds = 100;

    /// <summary>
    /// Checkpoints the whole WAL and truncates it to nothing, so that no old frame (the app's earlier writes of what
    /// was just removed) stays on disk. Waits at most <see cref="TruncateWaitMilliseconds"/> for the app's readers and
    /// writers; false when the app kept the WAL busy (nothing is lost: its next checkpoint does it).
    /// </summary>
    public static bool TryTruncateWal(SqliteConnection connection)
    {
        Execute(connection, $"PRAGMA busy_timeout = {TruncateWaitMilliseconds};");
        try
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            using SqliteDataReader reader = command.ExecuteReader();
            return reader.Read() && reader.GetInt64(0) == 0;
        }
        catch (SqliteException e) when (SqliteErrors.IsBusy(e))
        {
            return false;
        }
        finally
        {
            Execute(connection, $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds};");
        }
    }

    /// <summary>A column as text, whatever SQLite stored (numbers in invariant form); null for NULL.</summary>
    public static string? Text(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Convert.ToString(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    /// <summary>A column's value as SQLite stored it; null for NULL.</summary>
    public static object? Value(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetValue(ordinal);

    /// <summary>A pragma that answers one integer (<c>page_size</c>, <c>freelist_count</c>, <c>auto_vacuum</c>,
    /// ...).</summary>
    public static long Pragma(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Returns the number of rows changed (a value, so reads can wrap it like any other).</summary>
    public static int Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    /// <summary>
    /// SQL that is true when <paramref name="column"/> holds a false flag in any Evonic release: NULL, 0, 0.0 and ''
    /// (upstream's <c>bool(bot_enabled)</c>, <c>models/chat.py</c> <c>is_session_bot_enabled</c>), and the text '0',
    /// 'false', 'no', 'off' or 'disabled' in any case and spacing (timothybrush/evonic's <c>models/boolean.py</c>
    /// <c>normalize_bool</c>). The two releases disagree on NULL and on these texts; a takeover either calls one keeps.
    /// </summary>
    public static string IsFalsy(string column) =>
        $"({column} IS NULL OR lower(trim(CAST({column} AS TEXT))) IN ('', '0', '0.0', 'false', 'no', 'off', "
        + $"'disabled'))";

    public static HashSet<string> Tables(SqliteConnection connection)
    {
        var tables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
        using var reader = command.ExecuteReader();
        while (reader.Read())
            tables.Add(reader.GetString(0));
        return tables;
    }

    /// <summary>The table's column names; in <paramref name="schema"/> (an attached database) when given.</summary>
    public static HashSet<string> Columns(SqliteConnection connection, string table, string? schema = null)
    {
        var columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using var command = connection.CreateCommand();
        string inSchema = schema == null ? "" : $", '{schema.Replace("'", "''")}'";
        command.CommandText = $"SELECT name FROM pragma_table_info('{table.Replace("'", "''")}'{inSchema})";
        using var reader = command.ExecuteReader();
        while (reader.Read())
            columns.Add(reader.GetString(0));
        return columns;
    }

    /// <summary>SQLite's julian day number of a UTC instant, to compare with <c>julianday(column)</c>.</summary>
    public static double JulianDay(DateTime utc) => (utc - UnixEpoch).TotalDays + 2440587.5;

    public static DateTime FromJulianDay(double julianDay)
    {
        double days = julianDay - 2440587.5;
        double maxDays = (DateTime.MaxValue - UnixEpoch).TotalDays,
            minDays = (DateTime.MinValue - UnixEpoch).TotalDays;
        return days >= maxDays ? DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc)
            : days <= minDays ? DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc)
            : UnixEpoch.AddTicks(
                (long)Math.Round(days * TimeSpan.TicksPerDay / TimeSpan.TicksPerSecond) * TimeSpan.TicksPerSecond
            );
    }

    public static readonly DateTime UnixEpoch = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// A timestamp column as a julian day, or NULL when it cannot be dated. Evonic writes text timestamps
    /// (<c>CURRENT_TIMESTAMP</c>, ISO with 'T', fractions, zone offsets: julianday() reads them all); a number
    /// is not one of them: julianday() would read it as a day count and date it thousands of years back.
    /// </summary>
    public static string JulianDayOf(string column) =>
        $"(CASE WHEN typeof({column}) = 'text' THEN julianday({column}) END)";
}
