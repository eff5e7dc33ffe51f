using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Storage;

/// <summary>
/// The columns of a database that name a session (<c>session_id</c>, or any name ending in <c>_session_id</c>) and
/// that the module does not handle: a plugin's table, a newer Evonic's. Their rows would outlive a removed session
/// unseen (its text kept, not archived, pointing at ids a restore no longer has), so the sessions they name are kept
/// (<see cref="SessionProtection.UnknownTable"/>). Every column Evonic itself creates is handled by name: removed
/// with the session, kept by design, or protecting it (the list is in <c>docs/rules.md</c>).
/// </summary>
internal sealed class SessionReferences
{
    private SessionReferences(IReadOnlyList<(string Table, string Column)> unknown) => Unknown = unknown;

    /// <summary>(table, column) of every session column the module does not handle.</summary>
    public IReadOnlyList<(string Table, string Column)> Unknown { get; }

    /// <summary>The tables of <see cref="Unknown"/>, as the warnings name them.</summary>
    public IEnumerable<string> UnknownTables => Unknown.Select(u => u.Table).Distinct(StringComparer.OrdinalIgnoreCase);

    public static bool NamesSession(string column) =>
        column.Equals("session_id", StringComparison.OrdinalIgnoreCase)
        || column.EndsWith("_session_id", StringComparison.OrdinalIgnoreCase);

    /// <param name="connection">The database.</param>
    /// <param name="tables">Its tables.</param>
    /// <param name="handled">Table → the session columns of it that the module handles.</param>
    public static SessionReferences Find(
        SqliteConnection connection,
        IEnumerable<string> tables,
        IReadOnlyDictionary<string, string[]> handled
    )
    {
        var unknown = new List<(string, string)>();
        foreach (
            string table in tables
                .Where(t => !t.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase))
                .OrderBy(t => t, StringComparer.Ordinal)
        )
        {
            string[] known = handled.TryGetValue(table, out string[]? columns) ? columns : Array.Empty<string>();
            foreach (
                string column in SqliteDatabase
                    .Columns(connection, table)
                    .Where(NamesSession)
                    .OrderBy(c => c, StringComparer.Ordinal)
            )
                if (!known.Contains(column, StringComparer.OrdinalIgnoreCase))
                    unknown.Add((table, column));
        }
        return new SessionReferences(unknown);
    }

    /// <summary>
    /// The session ids the unknown columns name; with <paramref name="ids"/> (a JSON array parameter <c>$ids</c>)
    /// only those among them.
    /// </summary>
    public HashSet<string> Read(SqliteConnection connection, SqliteTransaction? transaction, string? ids = null)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (table, column) in Unknown)
        {
            using SqliteCommand command = connection.CreateCommand();
            command.Transaction = transaction;
            string quotedColumn = Quote(column);
            command.CommandText =
                $"SELECT DISTINCT CAST({quotedColumn} AS TEXT) FROM {Quote(table)} WHERE {quotedColumn} IS NOT NULL"
                + (ids != null ? $" AND CAST({quotedColumn} AS TEXT) IN (SELECT value FROM json_each($ids))" : "");
            if (ids != null)
                command.Parameters.AddWithValue("$ids", ids);
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
                found.Add(reader.GetString(0));
        }
        return found;
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";
}
