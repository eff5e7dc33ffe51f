using System.Text;
using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Evonic.Sessions.Tests;

/// <summary>
/// Removed means gone: a unique marker in each session's messages, summary, session_state, JSONL log and attachment
/// names, then a cleanup, then every byte of every file under the instance root (<c>-wal</c> and <c>-shm</c> too):
/// no marker of a removed session is left in anything SQLite or the file system uses, every marker of a kept session
/// still is; copies that SQLite's page rebalancing left in the unused gaps of pages go with a VACUUM, after which no
/// byte of a removed session is anywhere.
/// </summary>
public sealed class RemovedMeansGoneTests : TempFolderTest
{
    private readonly ITestOutputHelper _output;

    public RemovedMeansGoneTests(ITestOutputHelper output) => _output = output;

    /// <summary>Puts the markers in; returns "agent/session" -> its marker (each marker is the prefix of the ones put
    /// in its places).</summary>
    private static Dictionary<string, string> Mark(string root, string dataRoot)
    {
        var markers = new Dictionary<string, string>(StringComparer.Ordinal);
        EvonicInstance instance = EvonicInstance.Open(root);
        int n = 0;
        using SqliteConnection main = InstanceBuilder.Connect(Path.Combine(root, "shared", "db", "evonic.db"));
        InstanceBuilder.Exec(main, "PRAGMA secure_delete = ON");
        foreach (
            string chatPath in Directory.EnumerateFiles(
                Path.Combine(dataRoot, "agents"),
                "chat.db",
                SearchOption.AllDirectories
            )
        )
        {
            string agent = Path.GetFileName(Path.GetDirectoryName(chatPath))!;
            using SqliteConnection chat = InstanceBuilder.Connect(chatPath);
            // The markers go in as new cells only: an UPDATE without secure_delete would leave stale copies of earlier
            // cells in the pages' free space, which no deletion frees (only a VACUUM rewrites them).
            InstanceBuilder.Exec(chat, "PRAGMA secure_delete = ON");
            bool hasState =
                InstanceBuilder.Query(chat, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'session_state'")[0][0]
                is not 0L;
            foreach (
                string session in InstanceBuilder.Query(chat, "SELECT id FROM chat_sessions").Select(r => (string)r[0]!)
            )
            {
                string marker = $"MRK{++n:000000}Z";
                markers[agent + "/" + session] = marker;
                // In place, no time changed: the sessions stay as old (or as new) as they were.
                InstanceBuilder.Exec(
                    chat,
                    "UPDATE chat_messages SET content = IFNULL(content, '') || ' ' || $m || 'msg' WHERE id = (SELECT "
                        + "MIN(id) FROM chat_messages WHERE session_id = $s)",
                    ("$m", marker),
                    ("$s", session)
                );
                InstanceBuilder.Exec(
                    chat,
                    "UPDATE chat_summaries SET summary = summary || ' ' || $m || 'sum' WHERE session_id = $s",
                    ("$m", marker),
                    ("$s", session)
                );
                if (hasState)
                    InstanceBuilder.Exec(
                        chat,
                        "UPDATE session_state SET content = json_set(content, '$.note', $m || 'state') WHERE "
                            + "session_id = $s AND json_valid(content)",
                        ("$m", marker),
                        ("$s", session)
                    );
                InstanceBuilder.Exec(
                    main,
                    "UPDATE attachments SET filename = filename || $m || 'file' WHERE session_id = $s",
                    ("$m", marker),
                    ("$s", session)
                );
                if (instance.ChatLogPath(agent, session) is { } log && File.Exists(log))
                {
                    DateTime written = File.GetLastWriteTimeUtc(log);
                    byte[] bytes = File.ReadAllBytes(log);
                    File.WriteAllBytes(
                        log,
                        Encoding
                            .UTF8.GetBytes("{\"type\":\"note\",\"content\":\"" + marker + "log\"}\n")
                            .Concat(bytes)
                            .ToArray()
                    );
                    File.SetLastWriteTimeUtc(log, written);
                }
            }
        }
        return markers;
    }

    /// <summary>
    /// The markers found in any file under the root, byte by byte, with the files (relative) holding each. With
    /// <paramref name="outsidePageGaps"/>, a copy that lies in the unused gap of a b-tree page (in a database file or a
    /// WAL frame) is not counted: see <see cref="InPageGap"/>.
    /// </summary>
    private static Dictionary<string, List<string>> Find(
        string root,
        IReadOnlyCollection<string> markers,
        bool outsidePageGaps = false
    )
    {
        var wanted = markers.ToHashSet(StringComparer.Ordinal);
        var found = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            byte[] bytes = File.ReadAllBytes(file);
            // Latin-1 maps each byte to one char: a plain text search is a byte search.
            string text = Encoding.Latin1.GetString(bytes);
            bool database = bytes.Length >= 100 && text.StartsWith("SQLite format 3\0", StringComparison.Ordinal),
                wal = file.EndsWith("-wal", StringComparison.Ordinal);
            for (
                int at = text.IndexOf("MRK", StringComparison.Ordinal);
                at >= 0;
                at = text.IndexOf("MRK", at + 1, StringComparison.Ordinal)
            )
            {
                if (at + MarkerLength > text.Length)
                    break;
                string marker = text.Substring(at, MarkerLength);
                if (!wanted.Contains(marker))
                    continue;
                if (outsidePageGaps && (database || wal) && InPageGap(bytes, at, wal))
                    continue;
                if (!found.TryGetValue(marker, out List<string>? files))
                    found[marker] = files = new List<string>();
                string relative = Path.GetRelativePath(root, file);
                if (!files.Contains(relative))
                    files.Add(relative);
            }
        }
        return found;
    }

    private const int MarkerLength = 10; // MRK000001Z

    /// <summary>
    /// Whether these bytes lie in a b-tree page's unused gap, between its cell pointer array and its cell content
    /// area. When SQLite rebalances pages (rebuildPage, on any insert or delete that over- or underfills a page), it
    /// writes the cells it keeps anew and leaves the old bytes of that gap as they were: copies of cells that moved,
    /// which secure_delete never zeroes (it zeroes a cell where it is when deleted, and free pages). No SQL reads that
    /// gap; only a VACUUM, which writes every page anew, clears it.
    /// </summary>
    private static bool InPageGap(byte[] file, int offset, bool wal)
    {
        int pageSize,
            pageStart,
            pageNumber;
        if (wal)
        {
            // A WAL: a 32-byte header, then frames of a 24-byte header (page number first) and one page.
            pageSize = BigEndian(file, 8, 4);
            int frame = 24 + pageSize;
            if (offset < 32 || (offset - 32) % frame < 24)
                return false;
            int frameStart = 32 + (offset - 32) / frame * frame;
            pageNumber = BigEndian(file, frameStart, 4);
            pageStart = frameStart + 24;
        }
        else
        {
            pageSize = BigEndian(file, 16, 2) is 1 ? 65536 : BigEndian(file, 16, 2);
            pageNumber = offset / pageSize + 1;
            pageStart = (pageNumber - 1) * pageSize;
        }
        int header = pageStart + (pageNumber == 1 ? 100 : 0);
        byte type = file[header];
        if (type is not (2 or 5 or 10 or 13))
            return false; // not a b-tree page: a free, overflow or pointer-map page
        int cells = BigEndian(file, header + 3, 2),
            contentStart = BigEndian(file, header + 5, 2) is 0 ? 65536 : BigEndian(file, header + 5, 2);
        int gapStart = header + (type is 2 or 5 ? 12 : 8) + 2 * cells;
        return offset >= gapStart && offset + MarkerLength <= pageStart + contentStart;
    }

    private static int BigEndian(byte[] bytes, int at, int length)
    {
        int value = 0;
        for (int i = 0; i < length; i++)
            value = value << 8 | bytes[at + i];
        return value;
    }

    /// <summary>Every chat.db, the main database and the archive, measured.</summary>
    private static List<DatabaseSpace> EveryDatabase(SessionStore store) =>
        store.GetAgents().Select(store.GetSpace).OfType<DatabaseSpace>().Concat(store.GetSharedSpace()).ToList();

    /// <param name="writer">
    /// A live Evonic writing beside the cleanup (<see cref="LiveWriter"/>): the sessions it touches are kept, so the
    /// removed ones are those the cleanup reports, each one that was expected.
    /// </param>
    private void AssertRemovedAreGone(
        string root,
        string dataRoot,
        IEnumerable<string> expectedRemoved,
        LiveWriter? writer = null
    )
    {
        Dictionary<string, string> markers = Mark(root, dataRoot);
        var expected = expectedRemoved.Where(markers.ContainsKey).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(expected);
        Assert.Equal(markers.Count, Find(root, markers.Values).Count); // every marker is on disk before

        EvonicInstance instance = EvonicInstance.Open(root);
        var store = new SessionStore(instance, CleanupPolicy.FromParameter(90), Now);
        writer?.Start();
        List<SessionRemovalResult> results = store
            .GetAgents()
            .SelectMany(a => store.Remove(a, store.GetSessions(a).Where(s => s.IsRemovable)).ToList())
            .ToList();
        writer?.Stop();
        var removedResults = results
            .Where(r => r.Status == RemovalStatus.Removed && r.Session.Kind != SessionKind.Orphan)
            .Where(r => markers.ContainsKey(r.Session.AgentId + "/" + r.SessionId))
            .ToList();
        var removed = removedResults
            .Select(r => r.Session.AgentId + "/" + r.SessionId)
            .ToHashSet(StringComparer.Ordinal);
        if (writer == null)
            Assert.Equal(expected.OrderBy(k => k), removed.OrderBy(k => k));
        else
        {
            Assert.Empty(writer.Failures);
            Assert.Subset(expected, removed);
            Assert.True(
                removed.Count > expected.Count / 2,
                $"only {removed.Count} of {expected.Count} removed beside the writer"
            );
            Assert.True(
                writer.Transactions > 20,
                $"the writer wrote only {writer.Transactions} times during the cleanup"
            );
        }
        Assert.Empty(store.TakeBusyWals());
        // A log the app wrote to after its session's rows went is kept (ChatLogKept): that conversation is live again.
        var keptLogs = removedResults
            .Where(r => r.ChatLogKept)
            .ToDictionary(
                r => r.Session.AgentId + "/" + r.SessionId,
                r => Path.GetRelativePath(root, instance.ChatLogPath(r.Session.AgentId, r.SessionId)!)
            );

        List<string> Survivors(Dictionary<string, List<string>> left) =>
            removed
                .Where(s =>
                    left.TryGetValue(markers[s], out List<string>? files)
                    && files.Any(f => !(keptLogs.TryGetValue(s, out string? log) && f == log))
                )
                .Select(s => $"{s} ({markers[s]} in {string.Join(", ", left[markers[s]])})")
                .ToList();

        // After the cleanup: nothing of a removed session in any row, free page, freed cell, WAL frame, log or file
        // name...
        List<string> survived = Survivors(Find(root, markers.Values, outsidePageGaps: true));
        Assert.True(survived.Count == 0, "removed, yet on disk: " + string.Join(", ", survived));
        Dictionary<string, List<string>> everywhere = Find(root, markers.Values);
        List<string> lost = markers
            .Keys.Where(s => !removed.Contains(s) && !everywhere.ContainsKey(markers[s]))
            .ToList();
        Assert.True(lost.Count == 0, "kept, yet gone: " + string.Join(", ", lost));
        // ...but copies SQLite's rebalancing left in the unused gaps of pages can remain, until a VACUUM.
        int inGaps = Survivors(everywhere).Count;
        _output.WriteLine(
            $"{removed.Count} sessions removed; {inGaps} of them left copies in page gaps after the cleanup"
        );

        // After Optimize-EvonicSessionStore -Vacuum -Force (a VACUUM of every database, Evonic stopped): no byte
        // anywhere.
        foreach (DatabaseSpace space in EveryDatabase(store))
            Assert.Equal(
                OptimizeMethod.Vacuum,
                store
                    .Optimize(space, TimeSpan.FromSeconds(2), force: true, enableIncrementalVacuum: false, vacuum: true)
                    .Method
            );
        survived = Survivors(Find(root, markers.Values));
        Assert.True(survived.Count == 0, "removed and vacuumed, yet on disk: " + string.Join(", ", survived));
        Assert.Equal(
            markers.Count - removed.Count,
            Find(root, markers.Keys.Where(s => !removed.Contains(s)).Select(s => markers[s]).ToList()).Count
        );
    }

    [Fact]
    public void No_byte_of_a_removed_sample_session_is_left_on_disk_and_every_kept_one_is_whole()
    {
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now);
        AssertRemovedAreGone(sample.Root, sample.Builder.DataRoot, sample.ExpectedRemoved);
    }

    [Theory]
    [InlineData(2, 300, 5)]
    [InlineData(2, 600, 9)] // rebalancing leaves copies of removed sessions in page gaps: gone only after the VACUUM
    public void No_byte_of_a_removed_bulk_session_is_left_on_disk(int agents, int sessionsPerAgent, int seed)
    {
        BulkInstance bulk = BulkInstance.Create(Temp.Combine("bulk"), Now, agents, sessionsPerAgent, seed);
        AssertRemovedAreGone(bulk.Root, bulk.Builder.DataRoot, bulk.ExpectedRemoved);
    }

    [Fact]
    public void No_byte_of_a_removed_bulk_session_is_left_on_disk_with_a_live_writer_beside_the_cleanup()
    {
        BulkInstance bulk = BulkInstance.Create(Temp.Combine("bulk"), Now, agents: 2, sessionsPerAgent: 600, seed: 9);
        // Incremental databases, as Optimize-EvonicSessionStore -EnableIncrementalVacuum leaves them: their incremental
        // steps move pages whole, so it takes -Vacuum to clear them.
        var store = new SessionStore(EvonicInstance.Open(bulk.Root), CleanupPolicy.FromParameter(90), Now);
        foreach (DatabaseSpace space in EveryDatabase(store))
            Assert.Equal(
                AutoVacuumMode.Incremental,
                store.Optimize(space, TimeSpan.FromSeconds(2), force: true, enableIncrementalVacuum: true).AutoVacuum
            );
        // Each session the writer reaches before the cleanup does is kept, with its markers.
        using var writer = new LiveWriter(bulk.Root, bulk.SessionsAtRisk(), writesPerSecond: 200, seed: 9);
        AssertRemovedAreGone(bulk.Root, bulk.Builder.DataRoot, bulk.ExpectedRemoved, writer);
    }

    [Fact]
    public void Every_writing_connection_zeroes_what_it_frees()
    {
        SampleInstance sample = SampleInstance.Create(Temp.Combine("evonic"), Now);
        using SqliteConnection chat = SqliteDatabase.Open(
            Path.Combine(sample.Builder.DataRoot, "agents", "siwa", "chat.db"),
            writable: true
        );
        Assert.Equal(1L, InstanceBuilder.Query(chat, "PRAGMA secure_delete")[0][0]);
    }
}
