using System.Collections;
using System.Diagnostics;
using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Tests;

/// <summary>
/// A retention policy by agent and channel (issue 24): each session goes after the max age of the first rule that
/// matches it, checked against what Evonic's own tables say of each session (its channel's type in the main
/// database's <c>channels</c>, web = no <c>channel_id</c>, its <c>updated_at</c>), in both directions: every session
/// the policy names goes, every other stays.
/// </summary>
public sealed class RetentionPolicyTests : TempFolderTest
{
    private const string SupportWhatsApp = "5b0c9a4e-1d2f-4c3b-9a8e-7f6d5c4b3a21";
    private const string SupportTelegram = "9e1d2c3b-4a5f-4e6d-8c7b-6a5f4e3d2c10";
    private const string SalesWhatsApp = "a7f2e1d0-c9b8-4a76-9543-210fedcba987";

    private static readonly int[] OldAges = { 5, 10, 45, 100, 200, 400 };

    private readonly InstanceBuilder _builder;

    public RetentionPolicyTests()
    {
        _builder = new InstanceBuilder(Temp.Combine("evonic"));
        Seed("support", (null, "web"), (SupportWhatsApp, "wa"), (SupportTelegram, "tg"));
        Seed("scratch", (null, "web"));
        Seed("sales", (null, "web"), (SalesWhatsApp, "wa"));
        Seed("misc", (null, "web"));
        _builder.Channel(SupportWhatsApp, "support", "whatsapp");
        _builder.Channel(SupportTelegram, "support", "telegram");
        _builder.Channel(SalesWhatsApp, "sales", "whatsapp");
    }

    /// <summary>Per channel: the sessions Evonic's lookups return kept new (the two newest web ones, each channel's
    /// newest), so that every old session is judged by its age alone; then one session at each of <see
    /// cref="OldAges"/>.</summary>
    private void Seed(string agentId, params (string? Channel, string Name)[] channels)
    {
        AgentBuilder agent = _builder.Agent(agentId);
        int user = 0;
        foreach ((string? channel, string name) in channels)
        {
            agent.Session($"{agentId}-{name}-new", $"u{user++}", Now.AddHours(-6), channelId: channel);
            if (channel == null)
                agent.Session($"{agentId}-{name}-new2", $"u{user++}", Now.AddHours(-12), channelId: channel);
            foreach (int age in OldAges)
                agent.Session($"{agentId}-{name}-{age}", $"u{user++}", Now.AddDays(-age), channelId: channel);
        }
    }

    private static EvonicSessionPolicy Policy() =>
        new(
            90,
            new[]
            {
                new RetentionRule(null, "whatsapp", 30),
                new RetentionRule("support", null, 365),
                new RetentionRule("scr*", RetentionRule.Web, 7),
                new RetentionRule("sales", null, 0),
            }
        );

    /// <summary>The same policy in SQL over Evonic's own tables: the first rule that matches, else the default; a
    /// NULL age (0, never) matches nothing.</summary>
    private const string EvonicOld =
        @"SELECT s.id FROM chat_sessions s LEFT JOIN main_db.channels c ON c.id = s.channel_id
        WHERE julianday(s.updated_at) < julianday($now) - CASE
            WHEN c.type = 'whatsapp' THEN 30
            WHEN s.agent_id = 'support' THEN 365
            WHEN s.agent_id LIKE 'scr%' AND s.channel_id IS NULL THEN 7
            WHEN s.agent_id = 'sales' THEN NULL
            ELSE 90 END";

    private SortedSet<string> Query(string agentId, string sql)
    {
        using var chat = InstanceBuilder.Connect(Path.Combine(_builder.DataRoot, "agents", agentId, "chat.db"));
        InstanceBuilder.Exec(chat, "ATTACH DATABASE $main AS main_db", ("$main", _builder.MainDatabasePath));
        return new SortedSet<string>(
            InstanceBuilder.Query(chat, sql, ("$now", InstanceBuilder.Timestamp(Now))).Select(row => (string)row[0]!),
            StringComparer.Ordinal
        );
    }

    private SessionStore Store(AgeLimits limits) => new(EvonicInstance.Open(_builder.Root), limits, Now);

    [Fact]
    public void A_policy_lists_and_removes_exactly_the_sessions_Evonics_tables_say_it_names()
    {
        SessionStore store = Store(AgeLimits.Of(Policy(), Fallback));
        foreach (AgentInfo agent in store.GetAgents())
        {
            SortedSet<string> expected = Query(agent.Id, EvonicOld);
            SortedSet<string> all = Query(agent.Id, "SELECT id FROM chat_sessions");
            List<EvonicSession> sessions = store.GetSessions(agent).ToList();
            Assert.Equal(expected, new SortedSet<string>(sessions.Where(s => s.IsRemovable).Select(s => s.SessionId)));

            List<SessionRemovalResult> results = store.Remove(agent, sessions).ToList();

            Assert.Equal(
                expected,
                new SortedSet<string>(results.Where(r => r.Status == RemovalStatus.Removed).Select(r => r.SessionId))
            );
            all.ExceptWith(expected);
            Assert.Equal(all, Query(agent.Id, "SELECT id FROM chat_sessions"));
        }
        // What the rules mean, spelt out: the first rule wins (support's WhatsApp goes after 30 days, not 365), a
        // rule of 0 keeps, a rule of an agent and a channel takes only that channel.
        Assert.Equal(Kept("sales", "web", 5, 10, 45, 100, 200, 400), Remaining("sales", "web"));
        Assert.Equal(Kept("sales", "wa", 5, 10), Remaining("sales", "wa"));
        Assert.Equal(Kept("support", "wa", 5, 10), Remaining("support", "wa"));
        Assert.Equal(Kept("support", "tg", 5, 10, 45, 100, 200), Remaining("support", "tg"));
        Assert.Equal(Kept("support", "web", 5, 10, 45, 100, 200), Remaining("support", "web"));
        Assert.Equal(Kept("scratch", "web", 5), Remaining("scratch", "web"));
        Assert.Equal(Kept("misc", "web", 5, 10, 45), Remaining("misc", "web"));
    }

    private SortedSet<string> Remaining(string agentId, string channel) =>
        Query(agentId, $"SELECT id FROM chat_sessions WHERE id LIKE '{agentId}-{channel}-%'");

    /// <summary>The sessions of the channel expected to stay: its new ones, and those of these ages.</summary>
    private static SortedSet<string> Kept(string agentId, string channel, params int[] ages)
    {
        var kept = new SortedSet<string>(ages.Select(a => $"{agentId}-{channel}-{a}"), StringComparer.Ordinal)
        {
            $"{agentId}-{channel}-new",
        };
        if (channel == "web")
            kept.Add($"{agentId}-{channel}-new2");
        return kept;
    }

    [Fact]
    public void Each_session_shows_the_age_that_applied_and_where_it_came_from()
    {
        Dictionary<string, EvonicSession> sessions = AllSessions(AgeLimits.Of(Policy(), Fallback));

        Assert.Equal(30, sessions["support-wa-45"].MaxAgeDays);
        Assert.StartsWith("rule 1 of", sessions["support-wa-45"].PolicySource);
        Assert.Contains("Channel 'whatsapp'", sessions["support-wa-45"].PolicySource);
        Assert.Equal(365, sessions["support-tg-200"].MaxAgeDays);
        Assert.StartsWith("rule 2 of", sessions["support-tg-200"].PolicySource);
        Assert.Equal(7, sessions["scratch-web-10"].MaxAgeDays);
        Assert.True(sessions["scratch-web-10"].IsRemovable);
        Assert.Equal(0, sessions["sales-web-400"].MaxAgeDays);
        Assert.False(sessions["sales-web-400"].IsOld);
    }

    private static readonly CleanupPolicy Fallback = CleanupPolicy.FromParameter(40);

    private Dictionary<string, EvonicSession> AllSessions(AgeLimits limits)
    {
        SessionStore store = Store(limits);
        return store.GetAgents().SelectMany(store.GetSessions).ToDictionary(s => s.SessionId);
    }

    [Fact]
    public void Without_a_default_in_the_policy_the_age_from_the_environment_applies_to_the_rest()
    {
        RetentionRule[] rules = { new(null, "whatsapp", 30) };
        EvonicSession withDefault = AllSessions(AgeLimits.Of(new EvonicSessionPolicy(60, rules), Fallback))[
            "misc-web-45"
        ];
        EvonicSession without = AllSessions(AgeLimits.Of(new EvonicSessionPolicy(null, rules), Fallback))[
            "misc-web-45"
        ];

        Assert.Equal((60, false), (withDefault.MaxAgeDays, withDefault.IsOld));
        Assert.StartsWith("DefaultMaxAgeDays of", withDefault.PolicySource);
        Assert.Equal((40, true), (without.MaxAgeDays, without.IsOld));
        Assert.Equal(Fallback.Source, without.PolicySource);
    }
}

/// <summary>One write transaction may hold sessions of different ages: each is re-checked against its own
/// cutoff.</summary>
public sealed class PerSessionCutoffTests : TempFolderTest
{
    [Fact]
    public void A_batch_rechecks_each_session_against_its_own_cutoff()
    {
        var builder = new InstanceBuilder(Temp.Combine("evonic"));
        AgentBuilder agent = builder.Agent("zora");
        agent.Session("new-a", "u1", Now.AddHours(-1));
        agent.Session("new-b", "u2", Now.AddHours(-2));
        agent.Session("forty-a", "u3", Now.AddDays(-40));
        agent.Session("forty-b", "u4", Now.AddDays(-40));
        var cutoffs = new Dictionary<string, DateTime>
        {
            ["forty-a"] = Now.AddDays(-30), // 40 days idle, 30 allowed: old
            ["forty-b"] = Now.AddDays(-60), // 40 days idle, 60 allowed: not old
        };

        using ChatDatabase chat = ChatDatabase.Open(EvonicInstance.Open(builder.Root), "zora", writable: true);
        Dictionary<string, long> removed = chat.RemoveSessions(cutoffs, facts => facts.StillOld.Keys.ToList(), false);

        Assert.Equal(new[] { "forty-a" }, removed.Keys);
        Assert.Equal(
            new[] { "forty-b", "new-a", "new-b" },
            InstanceBuilder.Query(chat.Connection, "SELECT id FROM chat_sessions ORDER BY id").Select(r => r[0])
        );
    }
}

/// <summary>What a policy file may say, and how it is written: a key it does not know, an agent pattern that can
/// never match, a fraction of a day are refused with the rule named; quotes survive the round trip.</summary>
public sealed class SessionPolicyDataTests : TempFolderTest
{
    private static Hashtable Rule(params (string Key, object? Value)[] entries)
    {
        var rule = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach ((string key, object? value) in entries)
            rule[key] = value;
        return rule;
    }

    [Theory]
    [InlineData("MaxAgeDay", 30, "has the key 'MaxAgeDay'")]
    [InlineData("Agent", "Support*", "can never match")]
    [InlineData("MaxAgeDays", 30.5, "whole number of days")]
    [InlineData("MaxAgeDays", -1, "0 (never removed)")]
    public void A_rule_that_says_something_invalid_is_refused_with_its_number(string key, object value, string why)
    {
        Hashtable first = Rule(("Agent", "support"), ("MaxAgeDays", 365));
        Hashtable second = Rule(("Channel", "whatsapp"), ("MaxAgeDays", 30));
        second[key] = value;
        var data = new Hashtable { ["Rules"] = new object[] { first, second } };

        var e = Assert.Throws<EvonicException>(() => EvonicSessionPolicy.FromData(data, "the file"));

        Assert.Equal(EvonicErrorKind.InvalidPolicy, e.Kind);
        Assert.Contains("rule 2 in the file", e.Message);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void A_policy_key_it_does_not_know_is_refused_not_ignored()
    {
        var e = Assert.Throws<EvonicException>(() =>
            EvonicSessionPolicy.FromData(new Hashtable { ["DefaultMaxAge"] = 30 }, "the file")
        );
        Assert.Contains("'DefaultMaxAge'", e.Message);
    }

    [Fact]
    public void A_rule_without_agent_or_channel_is_refused()
    {
        var data = new Hashtable { ["Rules"] = new object[] { Rule(("MaxAgeDays", 30)) } };
        Assert.Contains(
            "names an Agent, a Channel or both",
            Assert.Throws<EvonicException>(() => EvonicSessionPolicy.FromData(data, "the file")).Message
        );
    }

    [Fact]
    public void The_data_file_quotes_every_single_quote_PowerShell_knows()
    {
        var policy = new EvonicSessionPolicy(14, new[] { new RetentionRule("a_*", "o'brien\u2019s", 0) });

        string text = policy.ToDataFile();

        Assert.Contains("DefaultMaxAgeDays = 14", text);
        Assert.Contains("@{ Agent = 'a_*'; Channel = 'o''brien\u2019\u2019s'; MaxAgeDays = 0 }", text);
    }

    [Theory]
    [InlineData("support", true)]
    [InlineData("supp*", true)]
    [InlineData("*port", true)]
    [InlineData("supp?rt", true)]
    [InlineData("sup", false)]
    [InlineData("s*x", false)]
    public void Agent_wildcards_match_whole_ids(string pattern, bool matches) =>
        Assert.Equal(matches, new RetentionRule(pattern, null, 30).Matches("support", null, true, null, null));

    [Fact]
    public void A_channel_rule_matches_web_ids_and_types_and_never_an_unknown_channel()
    {
        var whatsapp = new RetentionRule(null, "whats*", 30);
        var web = new RetentionRule(null, "WEB", 30);

        Assert.True(whatsapp.Matches("a", null, true, "5b0c", "whatsapp"));
        Assert.True(whatsapp.Matches("a", null, true, "whatsapp-1", null));
        Assert.False(whatsapp.Matches("a", null, true, null, null));
        Assert.True(web.Matches("a", null, true, null, null));
        Assert.True(web.Matches("a", null, true, "", null));
        Assert.False(web.Matches("a", null, true, "5b0c", "telegram"));
        // What is left of a session whose row is gone has no channel any more: only agent rules reach it.
        Assert.False(web.Matches("a", null, false, null, null));
        Assert.True(new RetentionRule("a", null, 30).Matches("a", null, false, null, null));
    }

    [Fact]
    public void A_sub_agents_sessions_match_a_rule_of_its_own_id_or_its_parents()
    {
        var rule = new RetentionRule("siwa_sub_*", null, 30);
        Assert.True(rule.Matches("siwa", "siwa_sub_1", true, null, null));
        Assert.False(rule.Matches("siwa", "siwa", true, null, null));
    }
}

/// <summary>The policy file is read and written without following a link, and replaced whole.</summary>
public sealed class SessionPolicyFileTests : TempFolderTest
{
    private readonly EvonicInstance _instance;

    public SessionPolicyFileTests()
    {
        var builder = new InstanceBuilder(Temp.Combine("evonic"));
        builder.Agent("zora");
        _instance = EvonicInstance.Open(builder.Root);
    }

    private static IDictionary NoParser(string text, string path) =>
        throw new InvalidOperationException("not parsed here: " + text.Length);

    [Fact]
    public void An_instance_without_a_policy_has_an_empty_one()
    {
        EvonicSessionPolicy policy = SessionPolicyFile.Read(_instance, NoParser);
        Assert.False(policy.Exists);
        Assert.Empty(policy.Rules);
        Assert.Null(policy.DefaultMaxAgeDays);
        Assert.Equal(Path.Combine(_instance.Root, "evonic-session-policy.psd1"), policy.Path);
    }

    [Fact]
    public void Writing_replaces_the_file_whole_and_leaves_no_temporary_file()
    {
        SessionPolicyFile.Write(_instance, new EvonicSessionPolicy(30, null));
        var policy = new EvonicSessionPolicy(null, new[] { new RetentionRule("zora", null, 7) });
        SessionPolicyFile.Write(_instance, policy);

        string path = SessionPolicyFile.PathFor(_instance);
        Assert.Equal(policy.ToDataFile(), File.ReadAllText(path));
        Assert.True(policy.Exists);
        Assert.Equal(path, policy.Path);
        Assert.Equal(new[] { path }, Directory.GetFiles(_instance.Root, "evonic-session-policy*"));
    }

    [Fact]
    public void A_policy_that_is_a_link_is_neither_read_nor_replaced()
    {
        if (OperatingSystem.IsWindows())
            return;
        string secret = Temp.Combine("secret.txt");
        File.WriteAllText(secret, "root:x:0:0");
        File.CreateSymbolicLink(SessionPolicyFile.PathFor(_instance), secret);

        var read = Assert.Throws<EvonicException>(() => SessionPolicyFile.Read(_instance, NoParser));
        var write = Assert.Throws<EvonicException>(() =>
            SessionPolicyFile.Write(_instance, new EvonicSessionPolicy(30, null))
        );

        Assert.Equal(EvonicErrorKind.InvalidPolicy, read.Kind);
        Assert.Contains("symbolic link", read.Message);
        Assert.DoesNotContain("root:x", read.Message);
        Assert.Equal(EvonicErrorKind.UnsafePath, write.Kind);
        Assert.Equal("root:x:0:0", File.ReadAllText(secret));
        Assert.Single(Directory.GetFileSystemEntries(_instance.Root, "evonic-session-policy*"));
    }

    [Fact]
    public void A_policy_that_is_not_a_regular_file_is_refused_without_waiting()
    {
        if (OperatingSystem.IsWindows())
            return;
        using Process mkfifo = Process.Start("mkfifo", SessionPolicyFile.PathFor(_instance))!;
        mkfifo.WaitForExit();

        var e = Assert.Throws<EvonicException>(() => SessionPolicyFile.Read(_instance, NoParser));

        Assert.Equal(EvonicErrorKind.InvalidPolicy, e.Kind);
        Assert.Contains(SessionPolicyFile.PathFor(_instance), e.Message);
    }
}
