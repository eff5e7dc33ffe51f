using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Tests;

/// <summary>
/// A measure of several ages in one pass counts, at each age, exactly what a listing at that age decides: the
/// sessions it would remove (with their messages, and bytes read from Evonic's files and rows, not from the module's
/// objects) and the sessions it would keep and why.
/// </summary>
public sealed class MeasureTests : SampleInstanceTest
{
    private static readonly int[] Ages = { 1, 30, 60, 90, 100, 180, 365, 3650 };

    private EvonicInstance Instance => EvonicInstance.Open(Sample.Root);

    [Fact]
    public void Each_age_counts_what_a_listing_at_that_age_would_remove_and_keep()
    {
        var store = new SessionStore(Instance, CleanupPolicy.FromParameter(90), Now);
        foreach (AgentInfo agent in store.GetAgents())
        {
            IReadOnlyList<EvonicSessionMeasure> measures = store.Measure(agent, Ages);

            Assert.Equal(Ages.Length + 1, measures.Count);
            foreach (EvonicSessionMeasure measure in measures)
            {
                int age = measure.MaxAgeDays ?? 90; // the policy: here one age, 90 days
                List<EvonicSession> listed = new SessionStore(Instance, CleanupPolicy.FromParameter(age), Now)
                    .GetSessions(agent)
                    .ToList();
                List<EvonicSession> removable = listed.Where(s => s.IsRemovable).ToList();
                List<EvonicSession> kept = listed
                    .Where(s =>
                        !s.IsRemovable && (s.IsOld || (s.Protection & SessionProtection.UnreadableTimestamp) != 0)
                    )
                    .ToList();
                string where = $"{agent.Id} at {measure.Limit}";

                Assert.True(removable.Count == measure.Sessions, $"{where}: {measure.Sessions} ≠ {removable.Count}");
                Assert.Equal(removable.Sum(s => s.MessageCount), measure.Messages);
                Assert.True(kept.Count == measure.Protected, $"{where}: kept {measure.Protected} ≠ {kept.Count}");
                Assert.Equal(MessageBytes(agent.Id, removable), measure.MessageBytes);
                Assert.Equal(
                    removable.Where(s => s.JsonlPath != null).Sum(s => new FileInfo(s.JsonlPath!).Length),
                    measure.LogBytes
                );
                Assert.Equal(AttachmentBytes(removable), measure.AttachmentBytes);
            }
        }
    }

    /// <summary>The sample at 90 days takes something, keeps something, and the ages differ: the test above compares
    /// real counts, not zeros.</summary>
    [Fact]
    public void The_measure_differs_by_age_and_says_why_sessions_are_kept()
    {
        var store = new SessionStore(Instance, CleanupPolicy.FromParameter(90), Now);
        IReadOnlyList<EvonicSessionMeasure> all = EvonicSessionMeasure.WithTotals(
            store.GetAgents().SelectMany(a => store.Measure(a, Ages)).ToList()
        );
        Dictionary<string, EvonicSessionMeasure> total = all.Where(m => m.AgentId == EvonicSessionMeasure.AllAgents)
            .ToDictionary(m => m.Limit);

        Assert.Equal(18, total["90 days"].Sessions); // the sample's 90-day removals (tests/Pester/Common.ps1)
        Assert.Equal(total["90 days"].Sessions, total["policy"].Sessions);
        Assert.True(total["30 days"].Sessions > total["90 days"].Sessions);
        Assert.True(total["90 days"].Sessions > total["365 days"].Sessions);
        Assert.Equal(0, total["3650 days"].Sessions);
        Assert.True(total["90 days"].Bytes > 0);
        Assert.Contains("HumanTakeover", total["90 days"].ProtectedBy);
        // Bars: the widest sum is full width, an empty one has none.
        Assert.Equal(new string('\u2588', 20), total["1 days"].Bar(20));
        Assert.Equal("", total["3650 days"].Bar(20));
        List<EvonicSessionMeasure> agents = all.Where(m => m.AgentId != EvonicSessionMeasure.AllAgents).ToList();
        Assert.Equal(10, agents.MaxBy(m => m.Bytes)!.Bar(10).Length);
        Assert.All(agents.Where(m => m.Bytes == 0), m => Assert.Equal("", m.Bar(10)));
    }

    [Fact]
    public void The_policys_measure_is_what_the_policy_removes()
    {
        var policy = new EvonicSessionPolicy(3650, new[] { new RetentionRule(null, "whatsapp", 30) });
        var store = new SessionStore(Instance, AgeLimits.Of(policy, CleanupPolicy.FromParameter(90)), Now);
        AgentInfo siwa = store.GetAgents().Single(a => a.Id == "siwa");

        EvonicSessionMeasure byPolicy = store.Measure(siwa, new[] { 365 }).Single(m => m.MaxAgeDays == null);

        Assert.Equal(store.GetSessions(siwa).Count(s => s.IsRemovable), byPolicy.Sessions);
        Assert.Equal(2, byPolicy.Sessions); // siwa-9d4e and siwa-9d4f, WhatsApp sessions idle 150 and 300 days
    }

    [Fact]
    public void A_measure_refuses_an_age_of_nothing()
    {
        var store = new SessionStore(Instance, CleanupPolicy.FromParameter(90), Now);
        AgentInfo agent = store.GetAgents()[0];
        Assert.Throws<ArgumentException>(() => store.Measure(agent, Array.Empty<int>()));
        Assert.Throws<ArgumentException>(() => store.Measure(agent, new[] { 0 }));
    }

    /// <summary>Evonic's own rows: the bytes of the messages' text, by SQL over chat.db.</summary>
    private long MessageBytes(string agentId, List<EvonicSession> sessions)
    {
        if (sessions.Count == 0)
            return 0;
        using var chat = InstanceBuilder.Connect(Path.Combine(Sample.Builder.DataRoot, "agents", agentId, "chat.db"));
        return
            InstanceBuilder.Query(
                chat,
                "SELECT IFNULL(SUM(length(CAST(content AS BLOB))), 0) FROM chat_messages WHERE session_id IN "
                    + "(SELECT value FROM json_each($ids))",
                ("$ids", System.Text.Json.JsonSerializer.Serialize(sessions.Select(s => s.SessionId)))
            )[0][0]
                is long bytes
            ? bytes
            : 0;
    }

    /// <summary>Evonic's own rows: the sizes the attachments table records for the sessions' attachments.</summary>
    private long AttachmentBytes(List<EvonicSession> sessions)
    {
        using var main = InstanceBuilder.Connect(Sample.Builder.MainDatabasePath);
        return sessions.Sum(s =>
            (long)
                InstanceBuilder.Query(
                    main,
                    "SELECT IFNULL(SUM(size_bytes), 0) FROM attachments WHERE session_id = $s",
                    ("$s", s.SessionId)
                )[0][0]!
        );
    }
}
