using System.Text;
using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Tests;

/// <summary>
/// Removed means gone: a unique marker in each session's messages, summary, session_state, JSONL log and attachment
/// names, then a cleanup, then every byte of every file under the instance root (<c>-wal</c> and <c>-shm</c> too):
/// no marker of a removed session is left anywhere, every marker of a kept session still is.
/// </summary>
public sealed class RemovedMeansGoneTests : IDisposable
{
    private static readonly DateTime Now = new(2026, 11, 24, 4, 0, 0, DateTimeKind.Utc);
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Puts the markers in; returns "agent/session" -> its marker (each marker is the prefix of the ones put in its places).</summary>
    private static Dictionary<string, string> Mark(string root, string dataRoot)
    {
        var markers = new Dictionary<string, string>(StringComparer.Ordinal);
        EvonicInstance instance = EvonicInstance.Open(root);
        int n = 0;
        using SqliteConnection main = InstanceBuilder.Connect(Path.Combine(root, "shared", "db", "evonic.db"));
        InstanceBuilder.Exec(main, "PRAGMA secure_delete = ON");
        foreach (string chatPath in Directory.EnumerateFiles(Path.Combine(dataRoot, "agents"), "chat.db", SearchOption.AllDirectories))
        {
            string agent = Path.GetFileName(Path.GetDirectoryName(chatPath))!;
            using SqliteConnection chat = InstanceBuilder.Connect(chatPath);
            // The markers go in as new cells only: an UPDATE without secure_delete would leave stale copies of earlier
            // cells in the pages' free space, which no deletion frees (only a VACUUM rewrites them).
            InstanceBuilder.Exec(chat, "PRAGMA secure_delete = ON");
            bool hasState = InstanceBuilder.Query(chat, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'session_state'")[0][0] is not 0L;
            foreach (string session in InstanceBuilder.Query(chat, "SELECT id FROM chat_sessions").Select(r => (string)r[0]!))
            {
                string marker = $"MRK{++n:000000}Z";
                markers[agent + "/" + session] = marker;
                // In place, no time changed: the sessions stay as old (or as new) as they were.
                InstanceBuilder.Exec(chat, "UPDATE chat_messages SET content = IFNULL(content, '') || ' ' || $m || 'msg' WHERE id = (SELECT MIN(id) FROM chat_messages WHERE session_id = $s)",
                    ("$m", marker), ("$s", session));
                InstanceBuilder.Exec(chat, "UPDATE chat_summaries SET summary = summary || ' ' || $m || 'sum' WHERE session_id = $s", ("$m", marker), ("$s", session));
                if (hasState)
                    InstanceBuilder.Exec(chat, "UPDATE session_state SET content = json_set(content, '$.note', $m || 'state') WHERE session_id = $s AND json_valid(content)",
                        ("$m", marker), ("$s", session));
                InstanceBuilder.Exec(main, "UPDATE attachments SET filename = filename || $m || 'file' WHERE session_id = $s", ("$m", marker), ("$s", session));
                if (instance.ChatLogPath(agent, session) is { } log && File.Exists(log))
                {
                    DateTime written = File.GetLastWriteTimeUtc(log);
                    byte[] bytes = File.ReadAllBytes(log);
                    File.WriteAllBytes(log, Encoding.UTF8.GetBytes("{\"type\":\"note\",\"content\":\"" + marker + "log\"}\n").Concat(bytes).ToArray());
                    File.SetLastWriteTimeUtc(log, written);
                }
            }
        }
        return markers;
    }

    /// <summary>The markers found in any file under the root, byte by byte, with the files (relative) holding each.</summary>
    private static Dictionary<string, List<string>> Find(string root, IEnumerable<string> markers)
    {
        List<string> all = markers.ToList();
        var found = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            // Latin-1 maps each byte to one char: a plain text search is a byte search.
            string bytes = Encoding.Latin1.GetString(File.ReadAllBytes(file));
            foreach (string marker in all)
                if (bytes.Contains(marker, StringComparison.Ordinal))
                {
                    if (!found.TryGetValue(marker, out List<string>? files)) found[marker] = files = new List<string>();
                    files.Add(Path.GetRelativePath(root, file));
                }
        }
        return found;
    }

    private static void AssertRemovedAreGone(string root, string dataRoot, IEnumerable<string> expectedRemoved)
    {
        Dictionary<string, string> markers = Mark(root, dataRoot);
        var removed = expectedRemoved.Where(markers.ContainsKey).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(removed);
        Assert.Equal(markers.Count, Find(root, markers.Values).Count); // every marker is on disk before

        var store = new SessionStore(EvonicInstance.Open(root), CleanupPolicy.FromParameter(90), Now);
        List<SessionRemovalResult> results = store.GetAgents().SelectMany(a => store.Remove(a, store.GetSessions(a).Where(s => s.IsRemovable)).ToList()).ToList();
        Assert.Equal(removed.OrderBy(k => k), results.Where(r => r.Status == RemovalStatus.Removed && r.Session.Kind != SessionKind.Orphan)
            .Select(r => r.Session.AgentId + "/" + r.SessionId).Where(markers.ContainsKey).OrderBy(k => k));
        Assert.Empty(store.TakeBusyWals());

        Dictionary<string, List<string>> left = Find(root, markers.Values);
        List<string> survived = removed.Where(s => left.ContainsKey(markers[s])).Select(s => $"{s} ({markers[s]} in {string.Join(", ", left[markers[s]])})").ToList();
        Assert.True(survived.Count == 0, "removed, yet on disk: " + string.Join(", ", survived));
        List<string> lost = markers.Keys.Where(s => !removed.Contains(s) && !left.ContainsKey(markers[s])).ToList();
        Assert.True(lost.Count == 0, "kept, yet gone: " + string.Join(", ", lost));
    }

    [Fact]
    public void No_byte_of_a_removed_sample_session_is_left_on_disk_and_every_kept_one_is_whole()
    {
        SampleInstance sample = SampleInstance.Create(_temp.Combine("evonic"), Now);
        AssertRemovedAreGone(sample.Root, sample.Builder.DataRoot, sample.ExpectedRemoved);
    }

    [Fact]
    public void No_byte_of_a_removed_bulk_session_is_left_on_disk()
    {
        BulkInstance bulk = BulkInstance.Create(_temp.Combine("bulk"), Now, agents: 2, sessionsPerAgent: 300, seed: 5);
        AssertRemovedAreGone(bulk.Root, bulk.Builder.DataRoot, bulk.ExpectedRemoved);
    }

    [Fact]
    public void Every_writing_connection_zeroes_what_it_frees()
    {
        SampleInstance sample = SampleInstance.Create(_temp.Combine("evonic"), Now);
        using SqliteConnection chat = SqliteDatabase.Open(Path.Combine(sample.Builder.DataRoot, "agents", "siwa", "chat.db"), writable: true);
        Assert.Equal(1L, InstanceBuilder.Query(chat, "PRAGMA secure_delete")[0][0]);
    }
}
