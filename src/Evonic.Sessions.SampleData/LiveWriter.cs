using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.SampleData;

/// <summary>
/// Writes to an instance the way a live Evonic does, on its own thread and connections (WAL, busy_timeout 10 s), at
/// a steady rate: a message into a session (UPDATE chat_sessions ... archived = 0, INSERT chat_messages, in one
/// transaction, only if the session still exists), then a line appended to its JSONL log; and, as often, a JSONL
/// line alone to another session. Records what it touched and how long each write waited. The reliability tests run
/// it beside a cleanup, an optimization and the removed-means-gone scan.
/// </summary>
public sealed class LiveWriter : IDisposable
{
    private readonly string _root;
    private readonly IReadOnlyList<BulkSession> _targets;
    private readonly TimeSpan _period;
    private readonly Random _random;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public LiveWriter(string root, IReadOnlyList<BulkSession> targets, int writesPerSecond, int seed)
    {
        _root = root;
        _targets = targets;
        _period = TimeSpan.FromSeconds(1.0 / writesPerSecond);
        _random = new Random(seed);
        _thread = new Thread(Run) { IsBackground = true, Name = "live Evonic writer" };
    }

    /// <summary>"agent/session" → messages this writer committed into it.</summary>
    public Dictionary<string, int> MessagesAdded { get; } = new(StringComparer.Ordinal);

    /// <summary>Log path → lines this writer appended to it.</summary>
    public Dictionary<string, List<string>> LinesAppended { get; } = new(StringComparer.Ordinal);

    /// <summary>"agent/session" of every log this writer appended to.</summary>
    public HashSet<string> LogsAppendedTo { get; } = new(StringComparer.Ordinal);

    /// <summary>Sessions that were already gone when the writer came to them (removed before it touched
    /// them).</summary>
    public int FoundGone { get; private set; }

    /// <summary>Writes that failed, with the error ("database is locked" would be one).</summary>
    public List<string> Failures { get; } = new();

    public int Transactions { get; private set; }
    public TimeSpan LongestTransaction { get; private set; }
    public TimeSpan Elapsed { get; private set; }
    public double WritesPerSecond => Transactions / Elapsed.TotalSeconds;

    public void Start() => _thread.Start();

    public void Stop()
    {
        _stopping = true;
        _thread.Join();
    }

    private void Run()
    {
        var connections = new Dictionary<string, SqliteConnection>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        try
        {
            for (long tick = 0; !_stopping; tick++)
            {
                // A steady rate: each write has its slot; a late write does not make the next ones burst.
                TimeSpan due = _period * tick;
                if (clock.Elapsed < due)
                    Thread.Sleep(due - clock.Elapsed);
                BulkSession target = _targets[_random.Next(_targets.Count)];
                if (!connections.TryGetValue(target.AgentId, out SqliteConnection? chat))
                {
                    chat = InstanceBuilder.Connect(Path.Combine(_root, "agents", target.AgentId, "chat.db"));
                    InstanceBuilder.Exec(chat, "PRAGMA journal_mode = WAL;");
                    connections[target.AgentId] = chat;
                }
                if (AddMessage(chat, target, tick))
                    Append(target, tick, "message");
                Append(_targets[_random.Next(_targets.Count)], tick, "log only");
            }
        }
        finally
        {
            Elapsed = clock.Elapsed;
            foreach (SqliteConnection connection in connections.Values)
                connection.Dispose();
        }
    }

    private bool AddMessage(SqliteConnection chat, BulkSession target, long tick)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            // Python's sqlite3 opens a deferred transaction before the first write, as here.
            InstanceBuilder.Exec(chat, "BEGIN");
            int updated = InstanceBuilder.Exec(
                chat,
                "UPDATE chat_sessions SET updated_at = CURRENT_TIMESTAMP, archived = 0 WHERE id = $id",
                ("$id", target.SessionId)
            );
            if (updated == 0)
            {
                InstanceBuilder.Exec(chat, "ROLLBACK");
                FoundGone++;
                return false;
            }
            InstanceBuilder.Exec(
                chat,
                "INSERT INTO chat_messages (session_id, role, content) VALUES ($id, 'user', $c)",
                ("$id", target.SessionId),
                ("$c", $"live message {tick}")
            );
            InstanceBuilder.Exec(chat, "COMMIT");
            string key = target.AgentId + "/" + target.SessionId;
            MessagesAdded[key] = MessagesAdded.GetValueOrDefault(key) + 1;
            return true;
        }
        catch (SqliteException e)
        {
            Failures.Add($"{target.SessionId}: {e.Message}");
            try
            {
                InstanceBuilder.Exec(chat, "ROLLBACK");
            }
            catch (SqliteException) { }
            return false;
        }
        finally
        {
            Transactions++;
            if (clock.Elapsed > LongestTransaction)
                LongestTransaction = clock.Elapsed;
        }
    }

    private void Append(BulkSession target, long tick, string what)
    {
        string path = Path.Combine(
            _root,
            "agents",
            target.AgentId,
            "sessions",
            target.SessionId[(target.AgentId.Length + 1)..] + ".jsonl"
        );
        string line =
            $"{{\"type\":\"user\",\"session_id\":\"{target.SessionId}\",\"ts\":"
            + $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()},\"content\":\"{what} {tick}\"}}";
        File.AppendAllText(path, line + "\n");
        if (!LinesAppended.TryGetValue(path, out List<string>? lines))
            LinesAppended[path] = lines = new List<string>();
        lines.Add(line);
        LogsAppendedTo.Add(target.AgentId + "/" + target.SessionId);
    }

    public void Dispose()
    {
        if (_thread.IsAlive)
            Stop();
    }
}
