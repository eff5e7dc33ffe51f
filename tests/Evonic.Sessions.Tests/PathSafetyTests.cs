using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Tests;

/// <summary>Nothing outside the instance root is ever deleted: not through "..", an absolute path or a
/// symlink.</summary>
public sealed class PathSafetyTests : SampleInstanceTest
{
    private readonly string _outside;

    public PathSafetyTests()
    {
        _outside = Temp.Combine("outside.txt");
        File.WriteAllText(_outside, "precious");
    }

    private SessionRemovalResult RemoveBob()
    {
        var store = new SessionStore(EvonicInstance.Open(Sample.Root), CleanupPolicy.FromParameter(90), Now);
        AgentInfo siwa = store.GetAgents().Single(a => a.Id == "siwa");
        return store.Remove(siwa, store.GetSessions(siwa).Where(s => s.SessionId == "siwa-7b2c")).Single();
    }

    private void AddAttachmentRow(string filePath)
    {
        using var main = InstanceBuilder.Connect(Sample.Builder.MainDatabasePath);
        InstanceBuilder.Exec(
            main,
            "INSERT INTO attachments (agent_id, session_id, filename, file_path) VALUES ('siwa', 'siwa-7b2c', 'f', $p)",
            ("$p", filePath)
        );
    }

    /// <summary>
    /// A row's file is the session's only inside <c>data/attachments/&lt;agent&gt;/&lt;session&gt;/</c>: a row that
    /// points anywhere else loses its row with the session, never the file, and the result names the file kept. (The
    /// code before refused the whole session with UnsafePath, so a single stray row kept a session forever.)
    /// </summary>
    [Theory]
    [InlineData("../outside.txt")]
    [InlineData("data/attachments/siwa/siwa-7b2c/../../../../../outside.txt")]
    [InlineData("ABSOLUTE")]
    [InlineData("data/attachments/siwa/siwa-3f1a/avatar.png")]
    [InlineData("agents/siwa/sessions/3f1a.jsonl")]
    public void An_attachment_row_that_points_outside_its_session_folder_loses_its_row_never_the_file(string filePath)
    {
        string stored = filePath == "ABSOLUTE" ? _outside : filePath;
        AddAttachmentRow(stored);
        string target = Path.GetFullPath(Path.IsPathRooted(stored) ? stored : Path.Combine(Sample.Root, stored));
        byte[] content = File.ReadAllBytes(target);

        SessionRemovalResult result = RemoveBob();

        Assert.Equal(RemovalStatus.Removed, result.Status);
        Assert.Null(result.Error);
        Assert.Equal(content, File.ReadAllBytes(target));
        Assert.Contains(stored, result.KeptFiles);
        using var main = InstanceBuilder.Connect(Sample.Builder.MainDatabasePath);
        Assert.Equal(
            0L,
            InstanceBuilder.Query(main, "SELECT COUNT(*) FROM attachments WHERE session_id = 'siwa-7b2c'")[0][0]
        );
    }

    [Fact]
    public void A_file_in_the_session_folder_that_another_row_points_at_stays_with_its_folder()
    {
        string photo = Path.Combine(Sample.Root, "data", "attachments", "siwa", "siwa-7b2c", "photo.jpg");
        using (var main = InstanceBuilder.Connect(Sample.Builder.MainDatabasePath))
            InstanceBuilder.Exec(
                main,
                "INSERT INTO attachments (agent_id, session_id, filename, file_path) VALUES "
                    + "('nova', 'nova-1', 'f', $p)",
                ("$p", photo)
            );

        SessionRemovalResult result = RemoveBob();

        Assert.Equal(RemovalStatus.Removed, result.Status);
        Assert.True(File.Exists(photo));
        Assert.False(File.Exists(Path.Combine(Sample.Root, "data", "attachments", "siwa", "siwa-7b2c", "notes.pdf")));
        Assert.Contains(photo, result.KeptFiles);
    }

    [Fact]
    public void A_chat_log_that_is_a_symlink_out_of_the_root_is_refused()
    {
        string log = Path.Combine(Sample.Root, "agents", "siwa", "sessions", "7b2c.jsonl");
        File.Delete(log);
        File.CreateSymbolicLink(log, _outside);
        File.SetLastWriteTimeUtc(_outside, Now.AddDays(-300));

        HashSet<string> before = InstanceSnapshot.Take(Sample.Root);

        SessionRemovalResult result = RemoveBob();

        // The link is never read (it could point at a device that never ends); the removal names it and stops.
        Assert.Equal(RemovalStatus.Failed, result.Status);
        Assert.Equal(EvonicErrorKind.UnsafePath, result.Error!.Kind);
        Assert.Contains(log, result.Error.Message);
        Assert.Equal("precious", File.ReadAllText(_outside));
        Assert.Equal(before, InstanceSnapshot.Take(Sample.Root));
    }

    [Fact]
    public void An_attachment_folder_that_is_a_symlink_out_of_the_root_is_refused()
    {
        string folder = Path.Combine(Sample.Root, "data", "attachments", "siwa", "siwa-7b2c");
        string elsewhere = Temp.Combine("elsewhere");
        Directory.CreateDirectory(elsewhere);
        File.WriteAllText(Path.Combine(elsewhere, "keep.txt"), "precious");
        Directory.Delete(folder, recursive: true);
        Directory.CreateSymbolicLink(folder, elsewhere);
        using (var main = InstanceBuilder.Connect(Sample.Builder.MainDatabasePath))
            InstanceBuilder.Exec(main, "DELETE FROM attachments WHERE session_id = 'siwa-7b2c'");

        SessionRemovalResult result = RemoveBob();

        Assert.Equal(RemovalStatus.Failed, result.Status);
        Assert.Equal(EvonicErrorKind.UnsafePath, result.Error!.Kind);
        Assert.Equal("precious", File.ReadAllText(Path.Combine(elsewhere, "keep.txt")));
    }

    [Fact]
    public void An_attachment_folder_holding_a_symlink_is_refused()
    {
        string folder = Path.Combine(Sample.Root, "data", "attachments", "siwa", "siwa-7b2c");
        File.CreateSymbolicLink(Path.Combine(folder, "link.txt"), _outside);

        SessionRemovalResult result = RemoveBob();

        Assert.Equal(RemovalStatus.Failed, result.Status);
        Assert.Equal("precious", File.ReadAllText(_outside));
        Assert.True(File.Exists(Path.Combine(folder, "photo.jpg")));
    }

    [Theory]
    [InlineData("siwa-../../x")]
    [InlineData("siwa-a/b")]
    [InlineData("siwa-a\\b")]
    [InlineData("..")]
    [InlineData("siwa-a\0b")]
    public void A_session_id_that_cannot_name_a_file_is_refused(string sessionId)
    {
        using (var chat = InstanceBuilder.Connect(Path.Combine(Sample.Root, "agents", "siwa", "chat.db")))
            InstanceBuilder.Exec(
                chat,
                "INSERT INTO chat_sessions (id, agent_id, channel_id, external_user_id, updated_at) VALUES ($id, "
                    + "'siwa', 'telegram', 'zed', '2020-01-01 00:00:00')",
                ("$id", sessionId)
            );
        var store = new SessionStore(EvonicInstance.Open(Sample.Root), CleanupPolicy.FromParameter(90), Now);
        AgentInfo siwa = store.GetAgents().Single(a => a.Id == "siwa");

        SessionRemovalResult result = store
            .Remove(siwa, store.GetSessions(siwa).Where(s => s.SessionId == sessionId))
            .Single();

        Assert.Equal(RemovalStatus.Failed, result.Status);
        Assert.Equal(EvonicErrorKind.UnsafeSessionId, result.Error!.Kind);
    }
}
