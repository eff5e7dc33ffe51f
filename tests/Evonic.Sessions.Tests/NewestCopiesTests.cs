using Evonic.Sessions.Archive;

namespace Evonic.Sessions.Tests;

/// <summary>Of several copies of one session, a restore takes the one archived last (the higher archive id on a
/// tie).</summary>
public sealed class NewestCopiesTests
{
    private static ArchivedSessionInfo Copy(long id, string session, int day, string root = "/srv/evonic") =>
        new()
        {
            InstanceRoot = root,
            AgentId = "siwa",
            SessionId = session,
            ArchiveId = id,
            ArchivedAt = new DateTime(2026, 1, day, 0, 0, 0, DateTimeKind.Utc),
        };

    [Fact]
    public void Each_session_keeps_its_newest_copy_and_names_the_one_it_skips()
    {
        var newest = new NewestCopies();
        ArchivedSessionInfo older = Copy(7, "a", 1),
            newer = Copy(5, "a", 3),
            tie = Copy(9, "a", 3),
            other = Copy(8, "b", 1),
            elsewhere = Copy(6, "a", 1, "/srv/other");

        Assert.Null(newest.Offer(older));
        Assert.Equal((older, newer), newest.Offer(newer)); // archived later wins over a higher id
        Assert.Null(newest.Offer(other));
        Assert.Equal((newer, tie), newest.Offer(tie)); // same time: the higher id
        Assert.Equal((older, tie), newest.Offer(older)); // offered again, still skipped
        Assert.Null(newest.Offer(elsewhere)); // another instance's session of the same id

        Assert.Equal(new[] { elsewhere, other, tie }, newest.Copies);
    }
}
