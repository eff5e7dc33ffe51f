using System;
using System.Buffers;
using System.Collections.Generic;
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
        using var buffer = new PooledBuffer();
        using (var writer = new Utf8JsonWriter(buffer))
            write(writer);
        return buffer.Text;
    }

    /// <summary>
    /// The bytes written, in arrays rented from the shared pool (as <see cref="JsonSerializer"/> does): a batch of
    /// 2 000 ids is over 80 KB, and a fresh array of that size per batch lands on the large object heap, which only a
    /// full collection frees.
    /// </summary>
    private sealed class PooledBuffer : IBufferWriter<byte>, IDisposable
    {
        private byte[] _bytes = ArrayPool<byte>.Shared.Rent(4096);
        private int _written;

        public string Text => Encoding.UTF8.GetString(_bytes, 0, _written);

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => new(Room(sizeHint), _written, _bytes.Length - _written);

        public Span<byte> GetSpan(int sizeHint = 0) => new(Room(sizeHint), _written, _bytes.Length - _written);

        private byte[] Room(int sizeHint)
        {
            int needed = Math.Max(sizeHint, 1);
            if (_bytes.Length - _written < needed)
            {
                byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(_bytes.Length * 2, _written + needed));
                Buffer.BlockCopy(_bytes, 0, larger, 0, _written);
                ArrayPool<byte>.Shared.Return(_bytes);
                _bytes = larger;
            }
            return _bytes;
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_bytes);
    }
}
