using System.Text;
using Evonic.Sessions.Erasure;
using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Tests;

/// <summary>
/// Erasure on request (issue 24): after Remove-EvonicUserData -Vacuum no byte of the person's text is left in any file
/// of the instance, every other person's rows and files are as they were, the record holds no content, and work
/// going on in a session still stops it.
/// </summary>
public sealed class UserDataErasureTests : TempFolderTest
{
    private const string Marker = "zanzibar-quokka";

    private readonly InstanceBuilder _builder;
    private readonly AgentBuilder _siwa;
    private readonly AgentBuilder _nova;

    public UserDataErasureTests()
    {
        _builder = new InstanceBuilder(Temp.Combine("evonic"));
        _siwa = _builder.Agent("siwa");
        _nova = _builder.Agent("nova");
        // Alice's newest session is what Evonic's lookups return (the latest human session): an erasure takes it all
        // the same. Her old session goes to the archive first, so a copy of it is there too.
        _siwa
            .Session($"siwa-{Marker}-1", Marker, Now.AddHours(-2), messages: 4, channelId: "telegram")
            .Log($"siwa-{Marker}-1", Now.AddHours(-2));
        _siwa
            .Session($"siwa-{Marker}-2", Marker, Now.AddDays(-200), messages: 3, channelId: "telegram")
            .Log($"siwa-{Marker}-2", Now.AddDays(-200));
        _siwa
            .Session("siwa-bob-1", "bob", Now.AddDays(-1), messages: 5, channelId: "telegram")
            .Log("siwa-bob-1", Now.AddDays(-1));
        _siwa.Session("siwa-bob-2", "bob", Now.AddDays(-300), messages: 2, channelId: "telegram");
        _siwa.Memory($"{Marker} likes tea", $"siwa-{Marker}-1").Memory("bob likes coffee", "siwa-bob-1");
        _siwa.Attachment($"siwa-{Marker}-1", $"{Marker}.png", bytes: 300);
        _nova.Session($"nova-{Marker}-3", Marker, Now.AddDays(-10), messages: 2);
        _nova.Session("nova-bob-3", "bob", Now.AddDays(-10), messages: 2);
        using (var main = InstanceBuilder.Connect(_builder.MainDatabasePath))
        {
            InstanceBuilder.Exec(
                main,
                "CREATE TABLE channel_pending_approvals (id TEXT PRIMARY KEY, channel_id TEXT NOT NULL, "
                    + "external_user_id TEXT NOT NULL, user_name TEXT, pair_code TEXT NOT NULL UNIQUE, created_at "
                    + "TIMESTAMP, expires_at TIMESTAMP NOT NULL)"
            );
            InstanceBuilder.Exec(
                main,
                "INSERT INTO channel_pending_approvals VALUES ('p1', 'telegram', $u, $u, 'c1', NULL, '2099-01-01'), "
                    + "('p2', 'telegram', 'bob', 'bob', 'c2', NULL, '2099-01-01')",
                ("$u", Marker)
            );
        }
        // Her place in a channel's allowlist and names (Evonic's pairing approval writes it), beside bob's, and her
        // contact in Evonic's user directory.
        _builder.Channel("telegram", "siwa", "telegram");
        using (var main = InstanceBuilder.Connect(_builder.MainDatabasePath))
        {
            InstanceBuilder.Exec(
                main,
                "UPDATE channels SET config = $c WHERE id = 'telegram'",
                (
                    "$c",
                    "{\"mode\": \"restricted\", \"allowed_users\": [\""
                        + Marker
                        + "\", \"bob\"], \"user_names\": {\""
                        + Marker
                        + "\": \"Zed\", \"bob\": \"Bob Müller\"}}"
                )
            );
            InstanceBuilder.Exec(
                main,
                "CREATE TABLE user_contacts (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, channel_type "
                    + "TEXT NOT NULL, channel_id TEXT, external_user_id TEXT, value TEXT NOT NULL)"
            );
            InstanceBuilder.Exec(
                main,
                "INSERT INTO user_contacts (user_id, channel_type, external_user_id, value) VALUES ('u1', 'telegram', "
                    + "$u, $u), ('u2', 'telegram', 'bob', 'bob')",
                ("$u", Marker)
            );
        }
        // An archive copy of her old session (and of bob's), as a cleanup with -Archive leaves them.
        var archiving = new SessionStore(
            EvonicInstance.Open(_builder.Root),
            CleanupPolicy.FromParameter(90),
            Now,
            ArchivePolicy.FromParameter(true)
        );
        AgentInfo siwa = archiving.GetAgents().Single(a => a.Id == "siwa");
        _ = archiving.Remove(siwa, archiving.GetSessions(siwa).Where(s => s.IsRemovable).ToList()).ToList();
        _siwa.Session($"siwa-{Marker}-2", Marker, Now.AddDays(-200), messages: 3, channelId: "telegram");
    }

    private SessionStore Store() =>
        new(EvonicInstance.Open(_builder.Root), CleanupPolicy.FromParameter(90), Now.AddMinutes(1));

    /// <summary>Every file of the instance that holds <paramref name="text"/> (UTF-8), SQLite's side files
    /// too.</summary>
    private List<string> FilesHolding(string text)
    {
        byte[] needle = Encoding.UTF8.GetBytes(text);
        return Directory
            .EnumerateFiles(_builder.Root, "*", SearchOption.AllDirectories)
            .Where(f => File.ReadAllBytes(f).AsSpan().IndexOf(needle) >= 0)
            .ToList();
    }

    /// <summary>Bob's rows, by SQL over Evonic's tables, and his files' bytes.</summary>
    private List<string> BobsData()
    {
        var rows = new List<string>();
        foreach (string agent in new[] { "siwa", "nova" })
        {
            using var chat = InstanceBuilder.Connect(Path.Combine(_builder.DataRoot, "agents", agent, "chat.db"));
            foreach (
                string sql in new[]
                {
                    "SELECT * FROM chat_sessions WHERE external_user_id = 'bob' ORDER BY id",
                    "SELECT m.* FROM chat_messages m JOIN chat_sessions s ON s.id = m.session_id "
                        + "WHERE s.external_user_id = 'bob' ORDER BY m.id",
                    "SELECT * FROM memories WHERE content LIKE 'bob%'",
                }
            )
                rows.AddRange(InstanceBuilder.Query(chat, sql).Select(r => string.Join("|", r)));
        }
        rows.Add(Convert.ToBase64String(File.ReadAllBytes(_siwa.LogPath("siwa-bob-1"))));
        return rows;
    }

    [Fact]
    public void After_an_erasure_with_vacuum_no_byte_of_the_person_is_left_and_everyone_else_is_as_they_were()
    {
        Assert.NotEmpty(FilesHolding(Marker));
        List<string> bob = BobsData();
        SessionStore store = Store();

        ErasureRecord preview = store.EraseUser(Marker, vacuum: true, preview: true, "tester@test");
        ErasureRecord record = store.EraseUser(Marker, vacuum: true, preview: false, "tester@test");

        Assert.Empty(FilesHolding(Marker));
        // Evonic's full-text index of memories holds words, not the text: no word of it either.
        Assert.Empty(FilesHolding("quokka"));
        Assert.Equal(bob, BobsData());
        Assert.True(record.Complete);
        Assert.True(record.Vacuumed);
        Assert.Empty(record.NotVacuumed);
        Assert.Equal(3, record.Sessions);
        Assert.Equal(preview.Sessions, record.Sessions);
        Assert.Equal(preview.RowsText, record.RowsText);
        Assert.Equal(1, record.Rows["memories"]);
        Assert.Equal(1, record.Rows["archive_sessions"]);
        Assert.Equal(1, record.Rows["channel_pending_approvals"]);
        Assert.Equal(1, record.Rows["channels"]);
        Assert.Equal(1, record.Rows["user_contacts"]);
        // Bob keeps his place, his name as written, and the channel its other settings.
        using (var main = InstanceBuilder.Connect(_builder.MainDatabasePath))
        {
            string config = (string)
                InstanceBuilder.Query(main, "SELECT config FROM channels WHERE id = 'telegram'")[0][0]!;
            Assert.Equal(
                "{\"mode\":\"restricted\",\"allowed_users\":[\"bob\"],\"user_names\":{\"bob\":\"Bob Müller\"}}",
                config
            );
            Assert.Single(InstanceBuilder.Query(main, "SELECT 1 FROM user_contacts WHERE external_user_id = 'bob'"));
        }
        // The record: no id, no content; the hash matches the id in this instance only.
        string records = File.ReadAllText(ErasureRecords.PathFor(EvonicInstance.Open(_builder.Root)));
        Assert.DoesNotContain(Marker, records);
        Assert.DoesNotContain("tea", records);
        ErasureRecord kept = Assert.Single(store.GetErasures());
        Assert.Equal(store.HashOfExternalUserId(Marker), kept.ExternalUserIdHash);
        Assert.Equal("tester@test", kept.RanBy);
        Assert.Equal(record.RowsText, kept.RowsText);
    }

    [Fact]
    public void A_database_the_app_keeps_reading_is_not_rewritten_and_the_record_says_so()
    {
        // Evonic's databases are in WAL mode: a reader never blocks the erasure's writes, only the rewrite.
        using (var app = InstanceBuilder.Connect(_nova.ChatDatabasePath))
            InstanceBuilder.Query(app, "PRAGMA journal_mode = WAL");
        using var reader = InstanceBuilder.Connect(_nova.ChatDatabasePath);
        using var snapshot = reader.BeginTransaction(deferred: true);
        InstanceBuilder.Query(reader, "SELECT COUNT(*) FROM chat_messages");

        ErasureRecord record = Store().EraseUser(Marker, vacuum: true, preview: false, "tester@test");

        Assert.False(record.Vacuumed);
        Assert.Contains(record.NotVacuumed, d => d.StartsWith(_nova.ChatDatabasePath, StringComparison.Ordinal));
        Assert.False(Assert.Single(Store().GetErasures()).Vacuumed);
    }

    [Fact]
    public void A_preview_changes_nothing()
    {
        var before = Directory
            .EnumerateFiles(_builder.Root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal))
            .ToDictionary(f => f, f => Convert.ToBase64String(File.ReadAllBytes(f)));

        ErasureRecord preview = Store().EraseUser(Marker, vacuum: true, preview: true, "tester@test");

        Assert.Equal(3, preview.Sessions);
        Assert.Equal(
            new[] { $"nova/nova-{Marker}-3", $"siwa/siwa-{Marker}-1", $"siwa/siwa-{Marker}-2" },
            preview.SessionIds.Order(StringComparer.Ordinal)
        );
        foreach ((string file, string bytes) in before)
            Assert.Equal(bytes, Convert.ToBase64String(File.ReadAllBytes(file)));
        Assert.False(File.Exists(ErasureRecords.PathFor(EvonicInstance.Open(_builder.Root))));
    }

    [Fact]
    public void A_turn_in_progress_stops_its_session_and_the_erasure_says_it_is_not_complete()
    {
        _nova.Log($"nova-{Marker}-3", Now.AddDays(-10), openTurn: true);

        ErasureRecord record = Store().EraseUser(Marker, vacuum: false, preview: false, "tester@test");

        Assert.False(record.Complete);
        Assert.Equal((2, 1), (record.Sessions, record.SessionsKept));
        using var chat = InstanceBuilder.Connect(_nova.ChatDatabasePath);
        Assert.Single(InstanceBuilder.Query(chat, $"SELECT id FROM chat_sessions WHERE id = 'nova-{Marker}-3'"));
    }
}
