using System.Diagnostics;
using Xunit.Abstractions;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>
/// A cleanup killed at any point, or stopped with Ctrl+C, leaves every session whole or gone, keeps everything it
/// must keep, and the next run finishes the job: the end state equals that of one uninterrupted run.
/// </summary>
[Collection("engine")]
public sealed class InterruptionTests : IClassFixture<BulkTemplate>
{
    private const int KillPoints = 16;
    private readonly BulkTemplate _template;
    private readonly ITestOutputHelper _output;

    public InterruptionTests(BulkTemplate template, ITestOutputHelper output)
    {
        _template = template;
        _output = output;
    }

    private static string Remove(string root, bool passThru = false, bool archive = false) =>
        $"Remove-EvonicOldSession -Path '{root}' -MaxAgeDays 90 "
        + $"-Force{(passThru ? " -PassThru" : "")}{(archive ? " -Archive" : "")}";

    /// <summary>What one uninterrupted run leaves: the census and the files.</summary>
    private (SessionCensus Census, SortedSet<string> Files) Uninterrupted(PowerShellSession ps)
    {
        string root = _template.Copy();
        ScriptResult result = ps.Run(Remove(root));
        Assert.Empty(result.Errors);
        var census = SessionCensus.Take(root, _template.AgentIds);
        Assert.Equal(
            _template
                .Instance.Sessions.Keys.Except(_template.Instance.ExpectedRemoved)
                .OrderBy(k => k, StringComparer.Ordinal),
            census.Sessions.Keys.OrderBy(k => k, StringComparer.Ordinal)
        );
        return (census, BulkTemplate.Files(root));
    }

    /// <summary>After an interruption: whole or gone; then a rerun ends where one uninterrupted run ends.</summary>
    private int CheckAndFinish(
        PowerShellSession ps,
        string root,
        (SessionCensus Census, SortedSet<string> Files) expected
    )
    {
        SessionCensus interrupted = SessionCensus.Take(root, _template.AgentIds);
        interrupted.AssertWholeOrGone(_template.Before, _template.Instance.ExpectedRemoved);
        int removedBeforeRerun = _template.Before.Sessions.Count - interrupted.Sessions.Count;

        ScriptResult rerun = ps.Run(Remove(root));
        Assert.Empty(rerun.Errors);

        SessionCensus finished = SessionCensus.Take(root, _template.AgentIds);
        finished.AssertWholeOrGone(_template.Before, _template.Instance.ExpectedRemoved);
        Assert.Equal(expected.Census.Sessions, finished.Sessions);
        Assert.Equal(expected.Files, BulkTemplate.Files(root)); // orphan logs and attachments are gone too
        AssertSessionCountsMatch(root);
        return removedBeforeRerun;
    }

    private void AssertSessionCountsMatch(string root)
    {
        using var main = SampleData.InstanceBuilder.Connect(Path.Combine(root, "shared", "db", "evonic.db"));
        foreach (string agent in _template.AgentIds)
        {
            using var chat = SampleData.InstanceBuilder.Connect(Path.Combine(root, "agents", agent, "chat.db"));
            Assert.Equal(
                SampleData.InstanceBuilder.Query(chat, "SELECT COUNT(*) FROM chat_sessions")[0][0],
                SampleData.InstanceBuilder.Query(main, "SELECT session_count FROM agents WHERE id = $a", ("$a", agent))[
                    0
                ][0]
            );
        }
    }

    [Fact]
    public void A_cleanup_process_killed_at_any_point_leaves_every_session_whole_or_gone_and_a_rerun_finishes()
    {
        using var ps = new PowerShellSession();
        var expected = Uninterrupted(ps);
        TimeSpan fullRun = TimeTheHost(_template.Copy());
        var random = new Random(BulkTemplate.Seed);
        var removedAtKill = new List<int>();

        for (int point = 0; point < KillPoints; point++)
        {
            string root = _template.Copy();
            // Spread the kill points over the whole run, each at a random spot within its slice.
            TimeSpan delay = fullRun * ((point + random.NextDouble()) / KillPoints);
            KillTheHostAfter(root, delay);
            removedAtKill.Add(CheckAndFinish(ps, root, expected));
        }

        _output.WriteLine(
            $"full run {fullRun.TotalMilliseconds:0} ms; sessions removed when killed: "
                + $"{string.Join(", ", removedAtKill)}"
        );
        // some kills landed mid-run
        Assert.Contains(removedAtKill, n => n > 0 && n < _template.Instance.ExpectedRemoved.Count());
        ReliabilityFigures.Record(nameof(InterruptionTests), "kill points survived", KillPoints, _output);
        ReliabilityFigures.Record(
            nameof(InterruptionTests),
            "kill points that landed mid-removal",
            removedAtKill.Count(n => n > 0 && n < _template.Instance.ExpectedRemoved.Count()),
            _output
        );
        ReliabilityFigures.Record(
            nameof(InterruptionTests),
            "sessions removable per run",
            _template.Instance.ExpectedRemoved.Count(),
            _output
        );
    }

    /// <summary>"agent/session" -> how many copies the module wrote into the instance's archive.</summary>
    private static Dictionary<string, int> ArchivedCopies(string root)
    {
        var copies = new Dictionary<string, int>(StringComparer.Ordinal);
        string path = Path.Combine(root, "shared", "db", "session_archive.db");
        if (!File.Exists(path))
            return copies;
        using var archive = SampleData.InstanceBuilder.Connect(path);
        // Killed while the archive was being created: the file may not have its tables yet.
        if (
            SampleData.InstanceBuilder.Query(
                archive,
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'evonic_sessions_archive'"
            )[0][0]
            is 0L
        )
            return copies;
        foreach (
            object?[] row in SampleData.InstanceBuilder.Query(
                archive,
                "SELECT k.chat_agent_id || '/' || s.session_id, COUNT(*) FROM archive_sessions s JOIN "
                    + "evonic_sessions_archive k ON k.archive_id = s.id GROUP BY 1"
            )
        )
            copies[(string)row[0]!] = (int)(long)row[1]!;
        // Every archive row is the module's own here: none without its key row.
        Assert.Equal(
            copies.Values.Sum(),
            (int)(long)SampleData.InstanceBuilder.Query(archive, "SELECT COUNT(*) FROM archive_sessions")[0][0]!
        );
        return copies;
    }

    [Fact]
    public void An_archiving_cleanup_killed_at_any_point_leaves_each_session_whole_or_archived_once_and_gone()
    {
        const int points = 10;
        using var ps = new PowerShellSession();
        var expected = Uninterrupted(ps);
        TimeSpan fullRun = TimeTheHost(_template.Copy(), archive: true);
        var random = new Random(BulkTemplate.Seed + 13);
        var removedAtKill = new List<int>();
        int wholeWithCopy = 0;
        for (int point = 0; point < points; point++)
        {
            string root = _template.Copy();
            KillTheHostAfter(root, fullRun * ((point + random.NextDouble()) / points), archive: true);

            SessionCensus interrupted = SessionCensus.Take(root, _template.AgentIds);
            interrupted.AssertWholeOrGone(_template.Before, _template.Instance.ExpectedRemoved);
            Dictionary<string, int> copies = ArchivedCopies(root);
            foreach (string session in _template.Before.Sessions.Keys)
            {
                int n = copies.TryGetValue(session, out int c) ? c : 0;
                if (!interrupted.Sessions.ContainsKey(session))
                    Assert.True(n == 1, $"{session} is gone with {n} archived copies");
                else
                    Assert.True(n <= 1, $"{session} is whole with {n} archived copies");
                if (interrupted.Sessions.ContainsKey(session) && n == 1)
                    wholeWithCopy++; // killed between the archive's commit and the delete
            }
            removedAtKill.Add(_template.Before.Sessions.Count - interrupted.Sessions.Count);

            ScriptResult rerun = ps.Run(Remove(root, archive: true));
            Assert.Empty(rerun.Errors);
            SessionCensus finished = SessionCensus.Take(root, _template.AgentIds);
            Assert.Equal(expected.Census.Sessions, finished.Sessions);
            copies = ArchivedCopies(root);
            foreach (string session in _template.Before.Sessions.Keys)
                Assert.Equal(
                    finished.Sessions.ContainsKey(session) ? 0 : 1,
                    copies.TryGetValue(session, out int n) ? n : 0
                );
        }

        _output.WriteLine(
            $"full -Archive run {fullRun.TotalMilliseconds:0} ms; sessions removed when killed: "
                + $"{string.Join(", ", removedAtKill)}; whole sessions with a pending copy at the kills: "
                + $"{wholeWithCopy}"
        );
        Assert.Contains(removedAtKill, n => n > 0 && n < _template.Instance.ExpectedRemoved.Count());
        ReliabilityFigures.Record(
            nameof(InterruptionTests),
            "-Archive kill points survived (whole or archived once and gone)",
            points,
            _output
        );
        ReliabilityFigures.Record(
            nameof(InterruptionTests),
            "whole sessions found with a pending copy after -Archive kills (the next run drops it and archives once)",
            wholeWithCopy,
            _output
        );
    }

    [Theory]
    [InlineData(1)]
    [InlineData(99)]
    [InlineData(100)]
    [InlineData(101)]
    [InlineData(1500)]
    [InlineData(3000)]
    public void Ctrl_C_during_removal_leaves_every_session_whole_or_gone_and_a_rerun_finishes(int stopAfterResults)
    {
        using var ps = new PowerShellSession();
        var expected = Uninterrupted(ps);
        string root = _template.Copy();

        (int outputs, bool stopped) = ps.RunAndStop(Remove(root, passThru: true), stopAfterResults);

        Assert.True(stopped, $"the run ended before it could be stopped ({outputs} results)");
        AssertSessionCountsMatch(root); // the count is fixed on the way out, even when stopped
        int removed = CheckAndFinish(ps, root, expected);
        int total = _template.Instance.ExpectedRemoved.Count();
        Assert.InRange(removed, stopAfterResults, total);
        // Batches grow from 100 sessions (sized by time), so an early stop always lands mid-run; a late one may
        // come after the last commit, which is fine too.
        if (stopAfterResults <= 1500)
            Assert.True(removed < total, $"the stop after {stopAfterResults} results did not stop the run");
        ReliabilityFigures.Record(
            nameof(InterruptionTests),
            $"Ctrl+C after {stopAfterResults} results: sessions removed before the rerun",
            removed,
            _output
        );
    }

    private static string Script(string root, bool archive) =>
        $"Import-Module Evonic.Sessions; 'READY'; {Remove(root, archive: archive)}";

    private static TimeSpan TimeTheHost(string root, bool archive = false)
    {
        using Process host = Process.Start(
            PwshProcess.StartInfo("-NonInteractive", "-Command", Script(root, archive))
        )!;
        host.ErrorDataReceived += (_, _) => { };
        host.BeginErrorReadLine();
        Assert.Equal("READY", host.StandardOutput.ReadLine());
        var clock = Stopwatch.StartNew();
        host.StandardOutput.ReadToEnd();
        Assert.True(host.WaitForExit(120_000));
        Assert.Equal(0, host.ExitCode);
        return clock.Elapsed;
    }

    private static void KillTheHostAfter(string root, TimeSpan delay, bool archive = false)
    {
        using Process host = Process.Start(
            PwshProcess.StartInfo("-NonInteractive", "-Command", Script(root, archive))
        )!;
        host.ErrorDataReceived += (_, _) => { };
        host.BeginErrorReadLine();
        Assert.Equal("READY", host.StandardOutput.ReadLine());
        Thread.Sleep(delay);
        host.Kill(entireProcessTree: true);
        Assert.True(host.WaitForExit(30_000));
    }
}
