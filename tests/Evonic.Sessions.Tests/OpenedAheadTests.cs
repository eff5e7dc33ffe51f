using Evonic.Sessions.Rules;
using Evonic.Sessions.SampleData;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Tests;

/// <summary>
/// A run opens the next agent's <c>chat.db</c> for writing, with Evonic's lookups read, while the agent before it is
/// removed (<c>ChatDatabasesOpenedAhead</c>). That connection decides nothing by itself: what the app changes after
/// it was opened is read again inside the deleting transaction; it is opened only once the run holds the lock; and
/// one no removal took is closed when its agent is done.
/// </summary>
public sealed class OpenedAheadTests : SampleInstanceTest
{
    // siwa has sessions to remove, so the run holds the lock once siwa is done; each later agent is read (and opened)
    // while the one before it is removed.
    private static readonly string[] Order = { "siwa", "lyra", "echo", "juno" };

    private SessionStore NewStore() => new(EvonicInstance.Open(Sample.Root), CleanupPolicy.FromParameter(90), Now);

    private static List<AgentInfo> InOrder(SessionStore store) =>
        Order.Select(id => store.GetAgents().Single(a => a.Id == id)).ToList();

    private string ChatDb(string agent) => Path.Combine(Sample.Builder.DataRoot, "agents", agent, "chat.db");

    [Fact]
    public void A_lookup_the_app_changes_after_the_agent_was_opened_ahead_keeps_the_session_whole()
    {
        SessionStore store = NewStore();
        bool openedAhead = false;
        var host = new RecordingHost
        {
            ApproveWith = session =>
            {
                if (session.AgentId != "juno" || openedAhead)
                    return true;
                openedAhead = store.IsOpenedAhead("juno");
                // The newer telegram sessions go (Evonic's /clear, say): juno-5 is now what the notifier returns.
                using var app = InstanceBuilder.Connect(ChatDb("juno"));
                InstanceBuilder.Exec(app, "DELETE FROM chat_sessions WHERE id IN ('juno-1', 'juno-6')");
                return true;
            },
        };

        using (var run = new CleanupRun(host, logPath: null, preview: false))
            run.RemoveOld(store, InOrder(store));

        Assert.True(openedAhead, "juno's chat.db was opened ahead, its lookups read before the app's change");
        Assert.Empty(host.Errors);
        Assert.DoesNotContain(host.Removed, r => r.Session.SessionId == "juno-5");
        Assert.Contains(host.Warnings, w => w.Contains("'juno-5'") && w.Contains("ChannelRecipient"));
        using var chat = InstanceBuilder.Connect(ChatDb("juno"));
        Assert.Equal(1L, InstanceBuilder.Query(chat, "SELECT COUNT(*) FROM chat_sessions WHERE id = 'juno-5'")[0][0]);
        // The other sessions the listing found old still went.
        Assert.Contains(host.Removed, r => r.Session.AgentId == "juno");
    }

    [Fact]
    public void An_agent_opened_ahead_whose_sessions_all_stay_is_closed_when_it_is_done()
    {
        SessionStore store = NewStore();
        bool echoOpenedAhead = false;
        bool? echoOpenAfter = null;
        var host = new RecordingHost
        {
            ApproveWith = session =>
            {
                if (session.AgentId == "echo")
                {
                    echoOpenedAhead |= store.IsOpenedAhead("echo");
                    return false; // declined: nothing of echo is removed
                }
                if (session.AgentId == "juno")
                    echoOpenAfter ??= store.IsOpenedAhead("echo");
                return true;
            },
        };

        using (var run = new CleanupRun(host, logPath: null, preview: false))
            run.RemoveOld(store, InOrder(store));

        Assert.True(echoOpenedAhead, "echo was opened ahead");
        Assert.False(echoOpenAfter, "echo's connection was closed before the next agent");
        Assert.DoesNotContain(host.Removed, r => r.Session.AgentId == "echo");
        Assert.Contains(host.Removed, r => r.Session.AgentId == "juno");
    }

    [Fact]
    public void Nothing_is_opened_ahead_while_another_run_holds_the_lock()
    {
        SessionStore store = NewStore();
        using CleanupLock other = CleanupLock.Acquire(store.Instance);
        var openWhileLockedOut = new List<string>();
        var host = new RecordingHost
        {
            ApproveWith = session =>
            {
                openWhileLockedOut.AddRange(Order.Where(store.IsOpenedAhead));
                return true;
            },
        };

        using (var run = new CleanupRun(host, logPath: null, preview: false))
            run.RemoveOld(store, InOrder(store));

        Assert.Empty(host.Removed);
        Assert.Contains(host.Errors, e => e.Kind == EvonicErrorKind.CleanupAlreadyRunning);
        Assert.Empty(openWhileLockedOut);
    }
}
