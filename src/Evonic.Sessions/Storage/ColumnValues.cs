using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Storage;

/// <summary>
/// Table rows as JSON objects that keep each value's SQLite storage class, as SQLite's <c>json_object</c> writes them
/// (<see cref="ArchiveDatabase.AttachChat"/>): NULL as null, integer as a JSON integer, real as a number with a decimal
/// point or exponent, text as a string, blob as <c>{"hex": "..."}</c>. And rows read from a table, by column name.
/// </summary>
internal static class ColumnValues
{
    /// <summary>What makes a JSON number a real, not an integer.</summary>
    private static readonly char[] DecimalMarks = { '.', 'e', 'E' };

    /// <summary>Every column of the reader's current row but <paramref name="skip"/>, by name (SQLite's names are
    /// case-insensitive).</summary>
    public static Dictionary<string, object?> Read(SqliteDataReader reader, ICollection<string> skip)
    {
        var row = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < reader.FieldCount; i++)
        {
            string name = reader.GetName(i);
            if (!skip.Contains(name))
                row[name] = SqliteDatabase.Value(reader, i);
        }
        return row;
    }

    public static Dictionary<string, object?> Read(JsonElement row)
    {
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (JsonProperty column in row.EnumerateObject())
        {
            JsonElement value = column.Value;
            values[column.Name] = value.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.Number when value.GetRawText().IndexOfAny(DecimalMarks) >= 0 => value.GetDouble(),
                JsonValueKind.Number => value.GetInt64(),
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Object when value.TryGetProperty("hex", out JsonElement hex) => FromHex(hex.GetString()!),
                _ => throw new JsonException(
                    $"column '{column.Name}' has a value this module does not write: {value.GetRawText()}"
                ),
            };
        }
        return values;
    }

    private static byte[] FromHex(string hex)
    {
        var bytes = new byte[hex.Length / 2];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = byte.Parse(hex.Substring(2 * i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return bytes;
    }
}
