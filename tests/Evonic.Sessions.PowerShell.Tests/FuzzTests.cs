using System.Globalization;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using Evonic.Sessions.SampleData;
using Xunit.Abstractions;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>
/// Seeded random malformed data (timestamps, ids, flags, states, JSONL logs, attachment paths, links out of the
/// root) run through both cmdlets in the real engine. Whatever the data, the cmdlets do not crash, touch nothing
/// outside the root, and remove only sessions they listed as removable.
/// </summary>
[Collection("engine")]
public sealed class FuzzTests : IDisposable
{
    private const int Instances = 100;
    private const int SessionsPerInstance = 30;

    private readonly TempFolder _temp = new();
    private readonly ITestOutputHelper _output;

    public FuzzTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _temp.Dispose();

    private static readonly string[] Timestamps =
    {
        "OLD",
        "OLD",
        "OLD",
        "RECENT",
        "OLD_T",
        "OLD_OFFSET",
        "OLD_FRACTION",
        "garbage",
        "",
        "9999-12-31 23:59:59",
        "0000-01-01 00:00:00",
        "-0001-01-01",
        "2026-02-30 10:00:00",
        "now",
        "2026-11-24T04:00:00+0200",
        "INT",
        "REAL",
        "NULL",
    };

    private static readonly string[] SessionIds =
    {
        "NORMAL",
        "NORMAL",
        "NORMAL",
        "NORMAL",
        "../../outside",
        "a/b",
        "a\\b",
        "nul\0id",
        "..",
        ".",
        "",
        " ",
        "ünïcødé-✓",
        "LONG",
        "-rf",
        "*",
        "con",
        "a:b",
    };

    private static readonly object?[] BotFlags = { 1L, 1L, 0L, "0", "false", null, "yes", 2.5, "" };

    private static readonly string?[] States =
    {
        null,
        null,
        "{\"tasks\": [{\"status\": \"done\"}]}",
        "{\"tasks\": [{\"status\": \"pending\"}]}",
        "not json",
        "",
        "[]",
        "{\"tasks\": \"x\"}",
        "{\"tasks\": [1, null]}",
        "{\"tasks\": null}",
    };

    private static string Timestamp(Random random, DateTime now, out object? value)
    {
        string kind = Timestamps[random.Next(Timestamps.Length)];
        DateTime old = now.AddDays(-100 - random.Next(600)),
            recent = now.AddDays(-random.Next(80));
        value = kind switch
        {
            "OLD" => InstanceBuilder.Timestamp(old),
            "RECENT" => InstanceBuilder.Timestamp(recent),
            "OLD_T" => old.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
            "OLD_OFFSET" => old.AddHours(2).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) + "+02:00",
            "OLD_FRACTION" => old.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
            "INT" => (object)(long)random.Next(),
            "REAL" => random.NextDouble() * 3e6,
            "NULL" => null,
            _ => kind,
        };
        return kind;
    }

    private static string SessionId(Random random, int i)
    {
        string kind = SessionIds[random.Next(SessionIds.Length)];
        return kind switch
        {
            "NORMAL" => $"fuzz-{i:x4}",
            "LONG" => "fuzz-" + new string('x', 300 + random.Next(200)),
            _ => kind + (random.Next(2) == 0 ? "" : i.ToString(CultureInfo.InvariantCulture)),
        };
    }

    /// <summary>A JSONL log no well-behaved app writes: junk bytes, torn and huge lines, odd ts values, turns left
    /// open.</summary>
    private static byte[] Log(Random random, string sessionId, DateTime now)
    {
        var text = new MemoryStream();
        void Write(string s) => text.Write(Encoding.UTF8.GetBytes(s));
        for (int line = random.Next(12); line > 0; line--)
        {
            long ts = new DateTimeOffset(now.AddDays(-random.Next(700))).ToUnixTimeMilliseconds();
            switch (random.Next(12))
            {
                case 0:
                    text.Write(RandomNumberGenerator.GetBytes(random.Next(1, 400)));
                    Write("\n");
                    break;
                case 1:
                    Write($"{{\"type\":\"user\",\"ts\":{ts}");
                    break; // torn, and the next line runs on
                case 2:
                    Write("\n\n\r\n");
                    break;
                case 3:
                    Write(
                        $"{{\"type\":\"turn_begin\",\"session_id\":"
                            + $"{System.Text.Json.JsonSerializer.Serialize(sessionId)},\"ts\":{ts}}}\n"
                    );
                    break;
                case 4:
                    Write($"{{\"type\":\"final\",\"ts\":\"{now.AddDays(-random.Next(700)):O}\"}}\n");
                    break;
                case 5:
                    Write("{\"type\":\"user\",\"ts\":" + random.Next(-5, 5) * 1e300 + "}\n");
                    break;
                case 6:
                    Write("{\"type\":\"user\",\"ts\":\"yesterday\",\"content\":" + new string('[', 2000) + "}\n");
                    break;
                case 7:
                    Write(
                        "{\"type\":\"user\",\"ts\":"
                            + ts
                            + ",\"content\":\""
                            + new string('z', random.Next(200_000))
                            + "\"}\n"
                    );
                    break;
                case 8:
                    Write("\uFEFF{\"type\":\"turn_end\",\"ts\":" + ts + "}\r\n");
                    break;
                case 9:
                    Write("[1,2,3]\nnull\n\"string\"\n42\n");
                    break;
                case 10:
                    Write("{\"type\":\"user\",\"session_id\":\"someone-else\",\"ts\":" + ts + "}\n");
                    break;
                default:
                    Write(
                        $"{{\"type\":\"user\",\"session_id\":{System.Text.Json.JsonSerializer.Serialize(sessionId)},"
                            + $"\"ts\":{ts}}}\n"
                    );
                    break;
            }
        }
        return text.ToArray();
    }

    /// <summary>Builds one malformed instance; returns the files outside its root that must never change.</summary>
    private (string Root, Dictionary<string, string> Outside) Build(int seed, DateTime now)
    {
        var random = new Random(seed);
        string folder = _temp.Combine($"fuzz{seed}");
        var outside = new Dictionary<string, string>();
        string sentinel = Path.Combine(folder, "outside.txt");
        Directory.CreateDirectory(folder);
        File.WriteAllText(sentinel, "precious " + seed);
        string outsideFolder = Path.Combine(folder, "outside-folder");
        Directory.CreateDirectory(outsideFolder);
        File.WriteAllText(Path.Combine(outsideFolder, "keep.txt"), "precious too");

        var builder = new InstanceBuilder(Path.Combine(folder, "evonic"));
        AgentBuilder agent = builder.Agent("fuzz");
        using var chat = InstanceBuilder.Connect(agent.ChatDatabasePath);
        using var main = InstanceBuilder.Connect(builder.MainDatabasePath);
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < SessionsPerInstance; i++)
        {
            string id = SessionId(random, i);
            if (!used.Add(id))
                continue;
            Timestamp(random, now, out object? updated);
            InstanceBuilder.Exec(
                chat,
                "INSERT INTO chat_sessions (id, agent_id, channel_id, external_user_id, bot_enabled, updated_at) "
                    + "VALUES ($id, $a, $c, $u, $b, $t)",
                ("$id", id),
                ("$a", random.Next(8) == 0 ? "fuzz_sub_" + random.Next(3) : "fuzz"),
                ("$c", random.Next(3) == 0 ? "telegram" : null),
                (
                    "$u",
                    random.Next(4) switch
                    {
                        0 => "__scheduler__x",
                        1 => "__system__",
                        2 => "__agent__y",
                        _ => "user" + random.Next(5),
                    }
                ),
                ("$b", BotFlags[random.Next(BotFlags.Length)]),
                ("$t", updated)
            );
            for (int m = random.Next(4); m > 0; m--)
            {
                Timestamp(random, now, out object? created);
                InstanceBuilder.Exec(
                    chat,
                    "INSERT INTO chat_messages (session_id, role, content, created_at) VALUES ($s, 'user', 'x', $t)",
                    ("$s", id),
                    ("$t", created)
                );
            }
            if (States[random.Next(States.Length)] is { } state)
                InstanceBuilder.Exec(
                    chat,
                    "INSERT OR REPLACE INTO session_state (session_id, content) VALUES ($s, $c)",
                    ("$s", id),
                    ("$c", state)
                );
            if (
                random.Next(2) == 0
                && id.Length < 200
                && IsPlainName(id.StartsWith("fuzz-", StringComparison.Ordinal) ? id[5..] : id)
            )
            {
                string log = agent.LogPath(id);
                if (random.Next(8) == 0)
                {
                    File.CreateSymbolicLink(log, sentinel);
                }
                else
                {
                    File.WriteAllBytes(log, Log(random, id, now));
                    File.SetLastWriteTimeUtc(log, now.AddDays(-random.Next(700)));
                }
            }
            if (random.Next(3) == 0)
            {
                string path = random.Next(7) switch
                {
                    0 => sentinel,
                    1 => "../outside.txt",
                    2 => $"data/attachments/fuzz/{i}/../../../../outside.txt",
                    3 => "",
                    4 => "data/attachments/fuzz/link/keep.txt",
                    _ => $"data/attachments/fuzz/f{i}/file.bin",
                };
                if (path.StartsWith("data/attachments/fuzz/f", StringComparison.Ordinal))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(builder.Root, path))!);
                    File.WriteAllText(Path.Combine(builder.Root, path), "attachment");
                }
                InstanceBuilder.Exec(
                    main,
                    "INSERT INTO attachments (agent_id, session_id, filename, file_path, created_at) VALUES "
                        + "('fuzz', $s, 'f', $p, $t)",
                    ("$s", id),
                    ("$p", path),
                    ("$t", InstanceBuilder.Timestamp(now.AddDays(-random.Next(700))))
                );
            }
        }
        Directory.CreateDirectory(Path.Combine(builder.Root, "data", "attachments", "fuzz"));
        Directory.CreateSymbolicLink(Path.Combine(builder.Root, "data", "attachments", "fuzz", "link"), outsideFolder);
        Directory.CreateSymbolicLink(
            Path.Combine(builder.Root, "data", "attachments", "fuzz", "fuzz-0003"),
            outsideFolder
        );
        File.CreateSymbolicLink(Path.Combine(agent.SessionsFolder, "orphan-link.jsonl"), sentinel);

        foreach (string file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            if (!file.StartsWith(builder.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                outside[file] =
                    Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)))
                    + "@"
                    + File.GetLastWriteTimeUtc(file).Ticks;
        return (builder.Root, outside);
    }

    private static bool IsPlainName(string name) =>
        name.Length > 0
        && name is not ("." or "..")
        && name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0
        && !name.Contains('\\');

    private static string Key(PSObject session) => (string)session.Properties["SessionId"].Value;

    [Fact]
    public void Malformed_logs_and_rows_never_crash_the_cmdlets_touch_anything_outside_or_lose_a_protected_session()
    {
        DateTime now = DateTime.UtcNow;
        using var ps = new PowerShellSession();
        // The store's error kinds: the only ErrorIds a cmdlet may write for bad data.
        var knownErrorIds = ps.Run(
                "[enum]::GetNames((Get-Command "
                    + "Get-EvonicOldSession).OutputType[0].Type.Assembly.GetType('Evonic.Sessions.EvonicErrorKind'))"
            )
            .Output.Select(o => o.ToString())
            .ToHashSet();
        Assert.Contains("UnsafePath", knownErrorIds);
        int sessionsTried = 0,
            removedTotal = 0,
            errorsTotal = 0,
            keptChecked = 0,
            outsideChecked = 0;
        for (int seed = 1; seed <= Instances; seed++)
        {
            (string root, Dictionary<string, string> outside) = Build(seed, now);

            ScriptResult listed = ps.Run($"Get-EvonicOldSession -Path '{root}' -IncludeProtected");
            ScriptResult removal = ps.Run($"Remove-EvonicOldSession -Path '{root}' -Force -PassThru");

            foreach (ErrorRecord error in listed.Errors.Concat(removal.Errors))
                Assert.True(
                    knownErrorIds.Contains(error.FullyQualifiedErrorId.Split(',')[0]),
                    $"seed {seed}: an unexpected error escaped: {error.FullyQualifiedErrorId}: {error.Exception}"
                );
            var removable = listed
                .Output.Where(s => (bool)s.Properties["IsRemovable"].Value)
                .Select(Key)
                .ToHashSet(StringComparer.Ordinal);
            var removed = removal
                .Output.Select(r => (string)r.Properties["SessionId"].Value)
                .ToHashSet(StringComparer.Ordinal);
            Assert.True(
                removed.IsSubsetOf(removable),
                $"seed {seed}: removed sessions that were not listed as removable: "
                    + $"{string.Join(", ", removed.Except(removable))}"
            );

            using (var chat = InstanceBuilder.Connect(Path.Combine(root, "agents", "fuzz", "chat.db")))
            {
                var left = InstanceBuilder
                    .Query(chat, "SELECT id FROM chat_sessions")
                    .Select(r => (string)r[0]!)
                    .ToHashSet(StringComparer.Ordinal);
                foreach (
                    PSObject session in listed.Output.Where(s =>
                        !(bool)s.Properties["IsRemovable"].Value && s.Properties["Kind"].Value.ToString() != "Orphan"
                    )
                )
                {
                    Assert.True(
                        left.Contains(Key(session)),
                        $"seed {seed}: protected or recent session '{Key(session)}' was removed"
                    );
                    keptChecked++;
                }
            }
            foreach (var (file, fingerprint) in outside)
            {
                Assert.True(File.Exists(file), $"seed {seed}: '{file}' outside the root was deleted");
                Assert.Equal(
                    fingerprint,
                    Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)))
                        + "@"
                        + File.GetLastWriteTimeUtc(file).Ticks
                );
                outsideChecked++;
            }
            sessionsTried += listed.Output.Count;
            removedTotal += removed.Count;
            errorsTotal += listed.Errors.Count + removal.Errors.Count;
        }

        Assert.True(removedTotal > 0 && errorsTotal > 0, "the fuzzing must both remove sessions and hit refusals");
        ReliabilityFigures.Record(nameof(FuzzTests), "malformed instances tried", Instances, _output);
        ReliabilityFigures.Record(nameof(FuzzTests), "malformed sessions and logs listed", sessionsTried, _output);
        ReliabilityFigures.Record(
            nameof(FuzzTests),
            "sessions removed (all listed as removable)",
            removedTotal,
            _output
        );
        ReliabilityFigures.Record(nameof(FuzzTests), "refusals written as ErrorRecords", errorsTotal, _output);
        ReliabilityFigures.Record(
            nameof(FuzzTests),
            "protected or recent sessions checked still present",
            keptChecked,
            _output
        );
        ReliabilityFigures.Record(
            nameof(FuzzTests),
            "files outside the root checked unchanged",
            outsideChecked,
            _output
        );
    }
}
