using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Storage;

/// <summary>
/// Table rows as JSON objects that keep each value's SQLite storage class, so a row written back is the row that was
/// read: NULL as null, integer as a JSON integer, text as a string, real as <c>{"real": "&lt;round-trip text&gt;"}</c>
/// (JSON would print 1.0 as 1), blob as <c>{"blob": "&lt;base64&gt;"}</c>.
/// </summary>
internal static class ColumnValues
{
    /// <summary>Every column of the reader's current row but <paramref name="skip"/>, by name (SQLite's names are case-insensitive).</summary>
    public static Dictionary<string, object?> Read(SqliteDataReader reader, ICollection<string> skip)
    {
        var row = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < reader.FieldCount; i++)
        {
            string name = reader.GetName(i);
            if (!skip.Contains(name)) row[name] = SqliteDatabase.Value(reader, i);
        }
        return row;
    }

    public static void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, object?> row)
    {
        writer.WriteStartObject();
        foreach (KeyValuePair<string, object?> column in row)
        {
            writer.WritePropertyName(column.Key);
            switch (column.Value)
            {
                case null:
                    writer.WriteNullValue();
                    break;
                case long integer:
                    writer.WriteNumberValue(integer);
                    break;
                case double real:
                    writer.WriteStartObject();
                    writer.WriteString("real", real.ToString("R", CultureInfo.InvariantCulture));
                    writer.WriteEndObject();
                    break;
                case byte[] blob:
                    writer.WriteStartObject();
                    writer.WriteString("blob", Convert.ToBase64String(blob));
                    writer.WriteEndObject();
                    break;
                default:
                    writer.WriteStringValue(Convert.ToString(column.Value, CultureInfo.InvariantCulture));
                    break;
            }
        }
        writer.WriteEndObject();
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
                JsonValueKind.Number => value.GetInt64(),
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Object when value.TryGetProperty("real", out JsonElement real) => double.Parse(real.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture),
                JsonValueKind.Object when value.TryGetProperty("blob", out JsonElement blob) => Convert.FromBase64String(blob.GetString()!),
                _ => throw new JsonException($"column '{column.Name}' has a value this module does not write: {value.GetRawText()}"),
            };
        }
        return values;
    }
}
