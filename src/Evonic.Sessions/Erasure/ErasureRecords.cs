using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Erasure;

/// <summary>
/// The module's own records of erasures, one JSON line each in <c>evonic-session-erasures.jsonl</c> at the instance
/// root (beside the cleanup's lock), and the instance's salt for their hashes (<c>.evonic-session-erasure-salt</c>,
/// random, readable by its owner only). Neither holds any content, nor any external user id in the clear. Written
/// and read without following a link.
/// </summary>
public static class ErasureRecords
{
    public const string FileName = "evonic-session-erasures.jsonl";
    public const string SaltFileName = ".evonic-session-erasure-salt";

    public static string PathFor(EvonicInstance instance) => Path.Combine(instance.Root, FileName);

    /// <summary><c>sha256:</c> and the hex SHA-256 of the instance's salt, a line break and the id; the salt is made on
    /// first use.</summary>
    public static string Hash(EvonicInstance instance, string externalUserId)
    {
        byte[] salt = Salt(instance);
        using var sha = SHA256.Create();
        byte[] hash = sha.ComputeHash(salt.Concat(Encoding.UTF8.GetBytes("\n" + externalUserId)).ToArray());
        return "sha256:" + string.Concat(hash.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    private static byte[] Salt(EvonicInstance instance)
    {
        string path = Path.Combine(instance.Root, SaltFileName);
        using (FileStream? existing = NoFollowFile.OpenRead(path, instance.Root))
            if (existing != null)
            {
                var salt = new byte[32];
                if (existing.Read(salt, 0, salt.Length) == salt.Length)
                    return salt;
                throw new EvonicException(
                    EvonicErrorKind.FileWriteFailed,
                    $"The erasure salt '{path}' is shorter than 32 bytes: records made with it could not be matched.",
                    path
                );
            }
        byte[] made = new byte[32];
        using (var random = RandomNumberGenerator.Create())
            random.GetBytes(made);
        using (FileStream stream = NoFollowFile.CreateNewPrivate(path, instance.Root))
        {
            stream.Write(made, 0, made.Length);
            stream.Flush(flushToDisk: true);
        }
        return made;
    }

    /// <summary>Appends the record as one JSON line.</summary>
    public static void Append(EvonicInstance instance, ErasureRecord record)
    {
        var line = new MemoryStream();
        using (var json = new Utf8JsonWriter(line))
        {
            json.WriteStartObject();
            json.WriteString(
                "erasedAt",
                record.ErasedAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)
            );
            json.WriteString("externalUserIdHash", record.ExternalUserIdHash);
            json.WriteString("ranBy", record.RanBy);
            json.WriteBoolean("complete", record.Complete);
            json.WriteBoolean("vacuumed", record.Vacuumed);
            json.WriteNumber("sessions", record.Sessions);
            json.WriteNumber("sessionsKept", record.SessionsKept);
            json.WriteNumber("files", record.Files);
            json.WriteStartObject("rows");
            foreach (KeyValuePair<string, long> rows in record.Rows)
                json.WriteNumber(rows.Key, rows.Value);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        line.WriteByte((byte)'\n');
        using FileStream stream = NoFollowFile.OpenOrCreate(
            PathFor(instance),
            instance.Root,
            append: true,
            exclusive: false
        );
        line.Position = 0;
        line.CopyTo(stream);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>The instance's erasure records, oldest first; none without a file.</summary>
    public static List<ErasureRecord> Read(EvonicInstance instance)
    {
        var records = new List<ErasureRecord>();
        using FileStream? stream = NoFollowFile.OpenRead(PathFor(instance), instance.Root);
        if (stream == null)
            return records;
        using var reader = new StreamReader(stream, new UTF8Encoding(false));
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            if (line.Trim().Length == 0)
                continue;
            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement e = document.RootElement;
            var record = new ErasureRecord
            {
                InstanceRoot = instance.Root,
                ErasedAt = DateTime.Parse(
                    e.GetProperty("erasedAt").GetString()!,
                    CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal
                ),
                ExternalUserIdHash = e.GetProperty("externalUserIdHash").GetString() ?? "",
                RanBy = e.GetProperty("ranBy").GetString() ?? "",
                Complete = e.GetProperty("complete").GetBoolean(),
                Vacuumed = e.GetProperty("vacuumed").GetBoolean(),
                Sessions = e.GetProperty("sessions").GetInt32(),
                SessionsKept = e.GetProperty("sessionsKept").GetInt32(),
                Files = e.GetProperty("files").GetInt32(),
            };
            foreach (JsonProperty rows in e.GetProperty("rows").EnumerateObject())
                record.AddRows(rows.Name, rows.Value.GetInt64());
            records.Add(record);
        }
        return records;
    }
}
