using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;

namespace Evonic.Sessions.Storage;

/// <summary>
/// The JSON text of a statement's set parameter (a batch's session ids, each session's cutoff), which SQL reads with
/// <c>json_each</c>. Written with <see cref="Utf8JsonWriter"/>, not <see cref="JsonSerializer"/>: the serializer's
/// first use in a process builds its converter cache by reflection (about 150 methods compiled, in every new shell),
/// work a list of strings and numbers does not need.
/// </summary>
internal static class SqlJson
{
    /// <summary>A JSON array of strings.</summary>
    public static string Array(IEnumerable<string> values) =>
        Write(writer =>
        {
            writer.WriteStartArray();
            foreach (string value in values)
                writer.WriteStringValue(value);
            writer.WriteEndArray();
        });

    /// <summary>A JSON array of integers.</summary>
    public static string Array(IEnumerable<long> values) =>
        Write(writer =>
        {
            writer.WriteStartArray();
            foreach (long value in values)
                writer.WriteNumberValue(value);
            writer.WriteEndArray();
        });

    /// <summary>A JSON object of names and numbers.</summary>
    public static string Object(IEnumerable<KeyValuePair<string, double>> members) =>
        Write(writer =>
        {
            writer.WriteStartObject();
            foreach (KeyValuePair<string, double> member in members)
                writer.WriteNumber(member.Key, member.Value);
            writer.WriteEndObject();
        });

    /// <summary>Any other shape, written by <paramref name="write"/>.</summary>
    public static string Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
            write(writer);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
