using System.Security.Cryptography;
using Evonic.Sessions.Archive;
using Evonic.Sessions.Cleanup;
using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Scheduling;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Tests;

/// <summary>
/// The 04:00 run is root in folders other users can write: every file the module creates, truncates, appends to or
/// renames refuses a link at its path (to a file outside the instance, or to a file of another session), and a folder
/// link below the root that leads outside; the error names the path, the link's target is byte for byte what it was,
/// and a run never goes on without its lock. Each "Seen" of issue 20 failed on the code before (the lock was opened
/// with OpenOrCreate and truncated, the temporary log written with FileMode.Create, the log appended with
/// File.AppendAllText, the archive opened by SQLite through the link, a lock that could not be opened skipped).
/// </summary>
public sealed class LinkRefusalTests : SampleInstanceTest
{
    private readonly string _outside;

    public LinkRefusalTests()
    {
        _outside = Temp.Combine("outside.txt");
        File.WriteAllText(_outside, "precious, outside the instance\n");
    }

    /// <summary>"outside": a file outside the instance; "session": the JSONL log of a session that is kept.</summary>
    private string Target(string which) =>
        which == "outside"
            ? _outside
            : Path.Combine(Sample.Builder.DataRoot, "agents", "siwa", "sessions", "3f1a.jsonl");

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private SessionStore Store(bool archive = false) =>
        new(
            EvonicInstance.Open(Sample.Root),
            CleanupPolicy.FromParameter(90),
            Now,
            ArchivePolicy.FromParameter(archive)
        );

    private (RecordingHost Host, CleanupReport? Report) RunCleanup(string? logPath = null, bool archive = false)
    {
        var host = new RecordingHost();
        SessionStore store = Store(archive);
        using var run = new CleanupRun(host, logPath, preview: false);
        run.RemoveOld(store, store.GetAgents());
        return (host, run.Finish());
    }

    [Theory]
    [InlineData("outside")]
    [InlineData("session")]
    public void A_link_at_the_lock_path_stops_the_run_with_an_error_naming_it_and_its_target_is_unchanged(string which)
    {
        string target = Target(which),
            hash = Hash(target);
        string lockPath = Path.Combine(Sample.Root, CleanupLock.FileName);
        File.CreateSymbolicLink(lockPath, target);

        var (host, report) = RunCleanup();

        Assert.Empty(host.Removed);
        EvonicException error = Assert.Single(host.Errors);
        Assert.Equal(EvonicErrorKind.UnsafePath, error.Kind);
        Assert.Contains(lockPath, error.Message);
        Assert.Equal(1, report!.Errors);
        Assert.Equal(hash, Hash(target));
        Assert.Equal(
            EvonicErrorKind.UnsafePath,
            Assert.Throws<EvonicException>(() => Store(archive: true).OpenRestorer()).Kind
        );
        Assert.Equal(hash, Hash(target));
    }

    [Fact]
    public void No_lock_no_run_a_lock_that_cannot_be_opened_stops_the_run_and_nothing_is_removed()
    {
        Directory.CreateDirectory(Path.Combine(Sample.Root, CleanupLock.FileName));
        HashSet<string> before = InstanceSnapshot.Take(Sample.Root);

        var (host, report) = RunCleanup();

        Assert.Empty(host.Removed);
        Assert.Equal(EvonicErrorKind.CleanupLockFailed, Assert.Single(host.Errors).Kind);
        Assert.Equal(1, report!.Errors);
        Assert.Equal(before, InstanceSnapshot.Take(Sample.Root));
    }

    [Theory]
    [InlineData("outside")]
    [InlineData("session")]
    public void A_link_at_the_log_path_is_an_error_naming_it_and_no_line_goes_through_it(string which)
    {
        string target = Target(which),
            hash = Hash(target);
        string logPath = Temp.Combine("cleanup.log");
        File.CreateSymbolicLink(logPath, target);

        var (host, report) = RunCleanup(logPath);

        EvonicException error = Assert.Single(host.Errors);
        Assert.Equal(EvonicErrorKind.UnsafePath, error.Kind);
        Assert.Contains(logPath, error.Message);
        Assert.True(report!.Errors >= 1);
        Assert.Equal(hash, Hash(target));
    }

    [Fact]
    public void A_log_folder_linked_outside_the_instance_is_refused_and_nothing_is_created_there()
    {
        string outsideFolder = Temp.Combine("outside-logs");
        Directory.CreateDirectory(outsideFolder);
        Directory.CreateSymbolicLink(Path.Combine(Sample.Root, "logs"), outsideFolder);

        var (host, _) = RunCleanup(Path.Combine(Sample.Root, "logs", "session-cleanup.log"));

        Assert.Equal(EvonicErrorKind.UnsafePath, Assert.Single(host.Errors).Kind);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outsideFolder));
    }

    [Fact]
    public void A_log_beside_the_release_layout_links_that_stay_inside_the_instance_is_written()
    {
        SampleInstance release = SampleInstance.Create(Temp.Combine("release"), Now, releaseLayout: true);
        string log = Path.Combine(release.Root, "current", "logs", "session-cleanup.log"); // current -> releases/<tag>
        var host = new RecordingHost();
        var store = new SessionStore(EvonicInstance.Open(release.Root), CleanupPolicy.FromParameter(90), Now);
        using (var run = new CleanupRun(host, log, preview: false))
        {
            run.RemoveOld(store, store.GetAgents());
            run.Finish();
        }

        Assert.Empty(host.Errors);
        Assert.NotEmpty(host.Removed);
        Assert.Contains("[SESSION_CLEANUP] done:", File.ReadAllText(log));
    }

    [Fact]
    public void A_link_at_the_archive_database_is_refused_and_no_session_goes_without_its_copy()
    {
        // A database outside the instance, which the listing may read but nothing may write.
        string target = Temp.Combine("outside.db");
        using (var outside = InstanceBuilder.Connect(target))
            InstanceBuilder.Exec(outside, "CREATE TABLE precious (x TEXT)");
        string hash = Hash(target);
        string archive = Path.Combine(Sample.Root, "shared", "db", "session_archive.db");
        File.CreateSymbolicLink(archive, target);

        var (host, _) = RunCleanup(archive: true);

        Assert.Empty(host.Removed);
        Assert.NotEmpty(host.Errors);
        Assert.All(host.Errors, e => Assert.Equal(EvonicErrorKind.UnsafePath, e.Kind));
        Assert.Contains(archive, host.Errors[0].Message);
        Assert.Equal(hash, Hash(target));
        Assert.False(File.Exists(target + "-wal"));
    }

    [Fact]
    public void An_empty_file_outside_behind_the_archive_link_stays_empty()
    {
        // SQLite would take an empty file for a new database and write its header and tables into it.
        string empty = Temp.Combine("empty.db");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        File.CreateSymbolicLink(Path.Combine(Sample.Root, "shared", "db", "session_archive.db"), empty);

        var (host, _) = RunCleanup(archive: true);

        Assert.Empty(host.Removed);
        Assert.Equal(0, new FileInfo(empty).Length);
    }

    [Fact]
    public void A_chat_database_reached_through_a_folder_link_outside_the_instance_is_not_written()
    {
        string agentFolder = Path.Combine(Sample.Builder.DataRoot, "agents", "nova");
        string moved = Temp.Combine("nova-elsewhere");
        Directory.Move(agentFolder, moved);
        Directory.CreateSymbolicLink(agentFolder, moved);
        string hash = Hash(Path.Combine(moved, "chat.db"));

        var (host, _) = RunCleanup();

        Assert.DoesNotContain(host.Removed, r => r.AgentId == "nova");
        Assert.Contains(host.Removed, r => r.AgentId == "siwa"); // the other agents are cleaned
        EvonicException error = Assert.Single(host.Errors);
        Assert.Equal(EvonicErrorKind.UnsafePath, error.Kind);
        Assert.Contains(agentFolder, error.Message);
        Assert.Equal(hash, Hash(Path.Combine(moved, "chat.db")));
    }

    [Theory]
    [InlineData("outside")]
    [InlineData("session")]
    public void A_link_left_at_a_restore_temporary_file_is_removed_and_never_written_through(string which)
    {
        SessionStore store = Store(archive: true);
        SessionRemovalResult gone = store
            .GetAgents()
            .SelectMany(a => store.Remove(a, store.GetSessions(a).Where(s => s.IsRemovable)).ToList())
            .First(r =>
                r.Status == RemovalStatus.Removed && r.Session.Kind != SessionKind.Orphan && r.Session.JsonlPath != null
            );
        string log = gone.Session.JsonlPath!;
        string target = Target(which),
            hash = Hash(target);
        File.CreateSymbolicLink(log + ".restoring", target);
        File.WriteAllText(
            Path.Combine(Path.GetDirectoryName(log)!, "stale.jsonl.restoring"),
            "left by a killed restore"
        );

        using (SessionRestorer restorer = store.OpenRestorer())
            restorer.Restore(restorer.PlanNewest(gone.AgentId, gone.SessionId));

        Assert.Equal(hash, Hash(target));
        Assert.False(File.GetAttributes(log).HasFlag(FileAttributes.ReparsePoint));
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(log)!, "*.restoring"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Creating_a_file_refuses_a_link_at_its_path_even_one_that_points_nowhere(bool dangling)
    {
        string link = Temp.Combine("new.jsonl.restoring");
        File.CreateSymbolicLink(link, dangling ? Temp.Combine("nowhere") : _outside);
        string hash = Hash(_outside);

        EvonicException error = Assert.Throws<EvonicException>(() => NoFollowFile.CreateNew(link, Temp.Path).Dispose());

        Assert.Equal(EvonicErrorKind.UnsafePath, error.Kind);
        Assert.Contains(link, error.Message);
        Assert.False(File.Exists(Temp.Combine("nowhere")));
        Assert.Equal(hash, Hash(_outside));
    }

    [Theory]
    [InlineData("outside")]
    [InlineData("session")]
    public void A_scheduler_file_that_is_a_link_is_refused_and_its_target_is_unchanged(string which)
    {
        string target = Target(which),
            hash = Hash(target);
        string unit = Temp.Combine("units", "evonic-session-cleanup.service");
        Directory.CreateDirectory(Path.GetDirectoryName(unit)!);
        File.CreateSymbolicLink(unit, target);

        EvonicException error = Assert.Throws<EvonicException>(() =>
            SchedulerStep.WriteFile(unit, "[Service]\n").Execute()
        );

        Assert.Equal(EvonicErrorKind.UnsafePath, error.Kind);
        Assert.Contains(unit, error.Message);
        Assert.Equal(hash, Hash(target));
    }

    [Fact]
    public void A_scheduler_file_is_written_and_rewritten_in_place_when_it_is_a_plain_file()
    {
        string unit = Temp.Combine("units", "evonic-session-cleanup.timer");
        SchedulerStep.WriteFile(unit, "a longer first version\n").Execute();
        SchedulerStep.WriteFile(unit, "second\n").Execute();
        Assert.Equal("second\n", File.ReadAllText(unit));
    }
}
