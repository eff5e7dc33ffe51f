using System.Globalization;
using Evonic.Sessions.SampleData;
using Xunit.Abstractions;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>The 04:00 cleanup runs while Evonic keeps writing: nothing the app touches is lost, and the app never waits
/// long.</summary>
[Collection("engine")]
public sealed class ConcurrencyTests : IClassFixture<BulkTemplate>
{
    private const int WritesPerSecond = 200;
    private readonly BulkTemplate _template;
    private readonly ITestOutputHelper _output;

    public ConcurrencyTests(BulkTemplate template, ITestOutputHelper output)
    {
        _template = template;
        _output = output;
    }

    [Fact]
    public void A_cleanup_beside_a_live_writer_keeps_everything_the_writer_touched_and_never_makes_it_fail()
    {
        string root = _template.Copy();
        IReadOnlyList<BulkSession> targets = _template.Instance.SessionsAtRisk();
        using var ps = new PowerShellSession();
        using var writer = new LiveWriter(root, targets, WritesPerSecond, BulkTemplate.Seed);

        writer.Start();
        Thread.Sleep(300);
        ScriptResult cleanup = ps.Run($"Remove-EvonicOldSession -Path '{root}' -MaxAgeDays 90 -Force -PassThru");
        Thread.Sleep(300);
        writer.Stop();

        Assert.Empty(cleanup.Errors);
        Assert.Empty(writer.Failures); // no "database is locked", no other failure
        Assert.True(writer.MessagesAdded.Count > 50, $"the writer touched only {writer.MessagesAdded.Count} sessions");

        SessionCensus after = SessionCensus.Take(root, _template.AgentIds);
        Assert.All(after.OrphanChatRows, orphan => Assert.Equal(0, orphan.Value));
        foreach (var (key, added) in writer.MessagesAdded)
        {
            Assert.True(
                after.Sessions.TryGetValue(key, out SessionRows? rows),
                $"{key} was touched by the writer but removed"
            );
            SessionRows before = _template.Before.Sessions[key];
            Assert.Equal(
                before with
                {
                    Messages = before.Messages + added,
                    Log = rows!.Log,
                    AttachmentFolder = rows.AttachmentFolder,
                },
                rows
            );
            Assert.True(rows.Log, $"{key} lost its log");
            Assert.Equal(before.AttachmentFolder, rows.AttachmentFolder);
        }
        foreach (var (path, lines) in writer.LinesAppended)
        {
            Assert.True(File.Exists(path), $"{path} was appended to during the run and then deleted");
            string text = File.ReadAllText(path);
            Assert.All(lines, line => Assert.Contains(line, text));
        }
        var removed = cleanup
            .Output.Select(o => o.Properties["AgentId"].Value + "/" + o.Properties["SessionId"].Value)
            .ToHashSet();
        Assert.All(removed, key => Assert.Contains(key, _template.Instance.ExpectedRemoved));
        Assert.All(removed, key =>
            Assert.False(writer.MessagesAdded.ContainsKey(key), $"{key} was removed after the writer touched it")
        );
        after.AssertWholeOrGone(
            _template.Before,
            _template.Instance.ExpectedRemoved,
            changedByOthers: writer.MessagesAdded.Keys.Concat(writer.LogsAppendedTo)
        );

        int keptBecauseTouched = _template.Instance.ExpectedRemoved.Count(k => after.Sessions.ContainsKey(k));
        string test = nameof(ConcurrencyTests);
        RecordWriter(test, writer);
        ReliabilityFigures.Record(test, "sessions the writer touched", writer.MessagesAdded.Count, _output);
        ReliabilityFigures.Record(test, "logs appended to during the run", writer.LinesAppended.Count, _output);
        ReliabilityFigures.Record(test, "sessions removed by the cleanup", removed.Count, _output);
        ReliabilityFigures.Record(
            test,
            "old sessions kept because the writer touched them",
            keptBecauseTouched,
            _output
        );
        ReliabilityFigures.Record(
            test,
            "sessions kept by the age re-check inside the delete transaction (listed old, touched before their batch)",
            cleanup.Warnings.Count(w => w.Contains("became active after it was listed")),
            _output
        );
        ReliabilityFigures.Record(test, "sessions the writer found already removed", writer.FoundGone, _output);
        ReliabilityFigures.Record(
            test,
            "touched sessions lost",
            writer.MessagesAdded.Keys.Count(k => !after.Sessions.ContainsKey(k)),
            _output
        );
        Assert.True(
            writer.LongestTransaction < TimeSpan.FromSeconds(1),
            string.Create(
                CultureInfo.InvariantCulture,
                $"the writer waited {writer.LongestTransaction.TotalMilliseconds:0} ms for a lock"
            )
        );
    }

    [Fact]
    public void Optimize_beside_a_live_writer_on_incremental_databases_never_makes_it_fail_or_wait_a_second()
    {
        string root = _template.Copy();
        using var ps = new PowerShellSession();
        // Switched to incremental once (Evonic stopped), then a cleanup frees pages: what the next optimization
        // returns.
        Assert.Empty(
            ps.Run($"Optimize-EvonicSessionStore -Path '{root}' -EnableIncrementalVacuum -Force -Confirm:$false").Errors
        );
        GrowConversations(root);
        Assert.Empty(ps.Run($"Remove-EvonicOldSession -Path '{root}' -MaxAgeDays 90 -Force").Errors);
        SessionCensus before = SessionCensus.Take(root, _template.AgentIds);
        var kept = _template
            .Instance.Sessions.Values.Where(s => before.Sessions.ContainsKey(s.AgentId + "/" + s.SessionId))
            .ToList();
        using var writer = new LiveWriter(root, kept, WritesPerSecond, BulkTemplate.Seed);

        writer.Start();
        Thread.Sleep(300);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ScriptResult optimize = ps.Run($"Optimize-EvonicSessionStore -Path '{root}' -Confirm:$false");
        TimeSpan took = clock.Elapsed;
        Thread.Sleep(300);
        writer.Stop();

        Assert.Empty(optimize.Errors);
        Assert.Empty(writer.Failures); // no "database is locked", no other failure
        var chats = optimize.Output.Where(o => o.Properties["Database"].Value.ToString() == "Chat").ToList();
        Assert.Equal(_template.AgentIds.Count, chats.Count);
        Assert.All(chats, o => Assert.Equal("IncrementalVacuum", o.Properties["Method"].Value.ToString()));
        long returned = optimize.Output.Sum(o => (long)o.Properties["BytesReturned"].Value);
        Assert.True(returned > 0, "the optimization returned nothing");

        SessionCensus after = SessionCensus.Take(root, _template.AgentIds);
        Assert.Equal(before.Sessions.Keys.OrderBy(k => k), after.Sessions.Keys.OrderBy(k => k));
        foreach (var (key, rows) in before.Sessions)
            Assert.Equal(rows.Messages + writer.MessagesAdded.GetValueOrDefault(key), after.Sessions[key].Messages);

        string test = nameof(ConcurrencyTests) + ".Optimize";
        ReliabilityFigures.Record(test, "incremental vacuum duration (s)", Math.Round(took.TotalSeconds, 2), _output);
        ReliabilityFigures.Record(test, "bytes returned by incremental databases", returned, _output);
        ReliabilityFigures.Record(
            test,
            "longest incremental_vacuum step (ms)",
            Math.Round(optimize.Output.Max(o => (double)o.Properties["LongestLockMilliseconds"].Value), 1),
            _output
        );
        RecordWriter(test, writer);
        Assert.True(
            writer.LongestTransaction < TimeSpan.FromSeconds(1),
            string.Create(
                CultureInfo.InvariantCulture,
                $"the writer waited {writer.LongestTransaction.TotalMilliseconds:0} ms for a lock"
            )
        );
    }

    /// <summary>
    /// Per agent, 24 MB more of an old conversation the cleanup removes, then 8 MB more of a recent one it keeps, so
    /// the removal leaves free pages ahead of live ones: the incremental vacuum must move those live pages, for long
    /// enough (about a second per agent) that the writer's transactions meet its steps.
    /// </summary>
    /// <summary>What the live writer went through beside the run: rate, transactions, longest wait, failures.</summary>
    private void RecordWriter(string test, LiveWriter writer)
    {
        ReliabilityFigures.Record(
            test,
            "writer rate held (writes/s, target " + WritesPerSecond + ")",
            Math.Round(writer.WritesPerSecond, 1),
            _output
        );
        ReliabilityFigures.Record(test, "writer transactions", writer.Transactions, _output);
        ReliabilityFigures.Record(
            test,
            "longest writer transaction incl. lock wait (ms)",
            Math.Round(writer.LongestTransaction.TotalMilliseconds, 1),
            _output
        );
        ReliabilityFigures.Record(
            test,
            "writer failures (database is locked or other)",
            writer.Failures.Count,
            _output
        );
    }

    private void GrowConversations(string root)
    {
        foreach (string agent in _template.AgentIds)
        {
            BulkSession old = _template.Instance.Sessions.Values.First(s =>
                s.AgentId == agent && s.ExpectedRemoved && s.Messages > 0
            );
            BulkSession recent = _template.Instance.Sessions.Values.First(s =>
                s.AgentId == agent && !s.ExpectedRemoved && s.LastActivity > DateTime.UtcNow.AddDays(-30)
            );
            using var chat = InstanceBuilder.Connect(Path.Combine(root, "agents", agent, "chat.db"));
            foreach ((BulkSession session, int rows) in new[] { (old, 6000), (recent, 2000) })
                InstanceBuilder.Exec(
                    chat,
                    @"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
INSERT INTO chat_messages (session_id, role, content, created_at)
SELECT $id, 'user', hex(randomblob(1900)), (SELECT MIN(created_at) FROM chat_messages WHERE session_id = $id) FROM n",
                    ("$id", session.SessionId),
                    ("$rows", rows)
                );
        }
    }
}
