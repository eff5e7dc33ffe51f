using System.Text.Json;
using Evonic.Sessions.Erasure;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Tests;

/// <summary>
/// A person's copy of their data holds every session of their external user id in every agent, with what Evonic
/// keeps of each (counted with Evonic's SQL over its own tables), and nothing of anyone else.
/// </summary>
public sealed class UserDataExportTests : TempFolderTest
{
    private readonly InstanceBuilder _builder;
    private readonly EvonicInstance _instance;
    private readonly AgentBuilder _siwa;

    public UserDataExportTests()
    {
        _builder = new InstanceBuilder(Temp.Combine("evonic"));
        AgentBuilder siwa = _siwa = _builder.Agent("siwa");
        AgentBuilder nova = _builder.Agent("nova");
        siwa.Session("siwa-a1", "alice", Now.AddDays(-3), messages: 4).Log("siwa-a1", Now.AddDays(-3));
        siwa.Session("siwa-a2", "alice", Now.AddDays(-200), messages: 2, channelId: "telegram");
        siwa.Session("siwa_sub_1-a3", "alice", Now.AddDays(-9), messages: 1, sessionAgentId: "siwa_sub_1");
        siwa.Session("siwa-b1", "bob", Now.AddDays(-1), messages: 5).Log("siwa-b1", Now.AddDays(-1));
        nova.Session("nova-a4", "alice", Now.AddDays(-40), messages: 3);
        nova.Session("nova-b2", "bob", Now.AddDays(-40), messages: 3);
        siwa.Memory("alice likes tea", "siwa-a1").Memory("bob likes coffee", "siwa-b1").Memory("general", null);
        siwa.Attachment("siwa-a1", "passport.png", bytes: 2048);
        siwa.Attachment("siwa-b1", "invoice.pdf");
        _instance = EvonicInstance.Open(_builder.Root);
    }

    private UserDataExportResult Export(string user, string path, bool overwrite = false) =>
        UserDataExport.Write(_instance, new SessionStore(_instance).GetAgents(), user, path, overwrite, Now);

    private long EvonicCount(string agent, string sql)
    {
        using var chat = InstanceBuilder.Connect(Path.Combine(_builder.DataRoot, "agents", agent, "chat.db"));
        return (long)InstanceBuilder.Query(chat, sql)[0][0]!;
    }

    [Fact]
    public void The_copy_holds_every_session_of_the_person_with_what_Evonic_keeps_and_nothing_of_others()
    {
        string path = Temp.Combine("alice.json");

        UserDataExportResult result = Export("alice", path);

        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = document.RootElement;
        Assert.Equal(UserDataExport.Format, root.GetProperty("format").GetString());
        Assert.Equal("alice", root.GetProperty("externalUserId").GetString());
        var sessions = root.GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(
            new[] { "nova-a4", "siwa-a1", "siwa-a2", "siwa_sub_1-a3" },
            sessions.Select(s => s.GetProperty("sessionId").GetString()).Order(StringComparer.Ordinal)
        );
        const string AliceMessages =
            "SELECT COUNT(*) FROM chat_messages m JOIN chat_sessions s ON s.id = m.session_id "
            + "WHERE s.external_user_id = 'alice'";
        Assert.Equal(EvonicCount("siwa", AliceMessages) + EvonicCount("nova", AliceMessages), result.Messages);
        Assert.Equal(result.Messages, sessions.Sum(s => s.GetProperty("messages").GetArrayLength()));
        JsonElement a1 = sessions.Single(s => s.GetProperty("sessionId").GetString() == "siwa-a1");
        Assert.Equal("message 0 of siwa-a1", a1.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal("summary", a1.GetProperty("summary").GetString());
        Assert.Equal(
            File.ReadAllLines(_siwa.LogPath("siwa-a1")).Where(l => l.Length > 0),
            a1.GetProperty("log").EnumerateArray().Select(l => l.GetString()!)
        );
        JsonElement attachment = Assert.Single(a1.GetProperty("attachments").EnumerateArray());
        Assert.Equal("passport.png", attachment.GetProperty("filename").GetString());
        Assert.Equal(2048, attachment.GetProperty("sizeBytes").GetInt64());
        JsonElement memory = Assert.Single(root.GetProperty("memories").EnumerateArray());
        Assert.Equal("alice likes tea", memory.GetProperty("content").GetString());
        Assert.Equal((4, 1, 1), (result.Sessions, result.Attachments, result.Memories));

        string text = File.ReadAllText(path);
        Assert.DoesNotContain("bob", text);
        Assert.DoesNotContain("invoice", text);
        Assert.DoesNotContain("coffee", text);
    }

    [Fact]
    public void The_copy_is_readable_by_its_owner_only_and_never_replaces_a_file_unless_asked()
    {
        string path = Temp.Combine("alice.json");
        File.WriteAllText(path, "keep me");

        var e = Assert.Throws<EvonicException>(() => Export("alice", path));
        Assert.Equal(EvonicErrorKind.FileExists, e.Kind);
        Assert.Equal("keep me", File.ReadAllText(path));

        Export("alice", path, overwrite: true);
        Assert.Contains(UserDataExport.Format, File.ReadAllText(path));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(Temp.Path, "alice.json*"));
    }

    [Fact]
    public void A_link_in_the_files_place_is_refused_and_left_as_it_is()
    {
        if (OperatingSystem.IsWindows())
            return;
        string target = Temp.Combine("elsewhere.txt");
        File.WriteAllText(target, "not yours");
        string path = Temp.Combine("alice.json");
        File.CreateSymbolicLink(path, target);

        var e = Assert.Throws<EvonicException>(() => Export("alice", path, overwrite: true));

        Assert.Equal(EvonicErrorKind.UnsafePath, e.Kind);
        Assert.Equal("not yours", File.ReadAllText(target));
        Assert.True(new FileInfo(path).LinkTarget != null);
    }

    [Fact]
    public void A_person_without_sessions_gets_an_empty_copy()
    {
        UserDataExportResult result = Export("nobody", Temp.Combine("nobody.json"));
        Assert.Equal((0, 0L), (result.Sessions, result.Messages));
    }
}
