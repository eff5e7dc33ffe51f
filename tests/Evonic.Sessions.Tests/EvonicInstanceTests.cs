using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Tests;

public sealed class EvonicInstanceTests : TempFolderTest
{
    [Fact]
    public void A_missing_folder_a_file_or_a_folder_without_the_main_database_is_not_an_instance()
    {
        Assert.Equal(
            EvonicErrorKind.InstanceNotFound,
            Assert.Throws<EvonicException>(() => EvonicInstance.Open(Temp.Combine("nope"))).Kind
        );
        File.WriteAllText(Temp.Combine("file"), "x");
        Assert.Equal(
            EvonicErrorKind.NotAnInstance,
            Assert.Throws<EvonicException>(() => EvonicInstance.Open(Temp.Combine("file"))).Kind
        );
        var error = Assert.Throws<EvonicException>(() => EvonicInstance.Open(Temp.Path));
        Assert.Equal(EvonicErrorKind.NotAnInstance, error.Kind);
        Assert.Contains(Path.Combine("shared", "db", "evonic.db"), error.Message);
    }

    [Fact]
    public void Recognises_flat_and_release_layouts()
    {
        var flat = new InstanceBuilder(Temp.Combine("flat"));
        var release = new InstanceBuilder(Temp.Combine("release"), releaseLayout: true);

        EvonicInstance flatInstance = EvonicInstance.Open(flat.Root);
        EvonicInstance releaseInstance = EvonicInstance.Open(release.Root + Path.DirectorySeparatorChar);

        Assert.False(flatInstance.IsReleaseLayout);
        Assert.Equal(Path.Combine(flat.Root, "agents"), flatInstance.AgentsFolder);
        Assert.True(releaseInstance.IsReleaseLayout);
        Assert.Equal(Path.Combine(release.Root, "shared", "agents"), releaseInstance.AgentsFolder);
        Assert.Equal(Path.Combine(release.Root, "shared", "data", "attachments"), releaseInstance.AttachmentsFolder);
    }

    [Theory]
    [InlineData("siwa", "siwa-3d89", "3d89.jsonl")]
    [InlineData("siwa", "siwa_sub_1-3d89d735", "siwa_sub_1-3d89d735.jsonl")]
    [InlineData("siwa", "other-1", "other-1.jsonl")]
    public void Maps_a_session_to_its_chat_log_the_way_Evonic_names_it(string agent, string session, string file)
    {
        var builder = new InstanceBuilder(Temp.Combine("i"));
        Assert.Equal(
            Path.Combine(builder.Root, "agents", agent, "sessions", file),
            EvonicInstance.Open(builder.Root).ChatLogPath(agent, session)
        );
    }

    [Fact]
    public void The_main_database_lists_the_agents_not_the_folders()
    {
        var builder = new InstanceBuilder(Temp.Combine("i"));
        builder.Agent("siwa");
        Directory.CreateDirectory(Path.Combine(builder.Root, "agents", "stray"));
        var store = new SessionStore(EvonicInstance.Open(builder.Root), CleanupPolicy.FromParameter(90));
        Assert.Equal(new[] { "siwa" }, store.GetAgents().Select(a => a.Id));
    }
}
