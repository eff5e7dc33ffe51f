using System.Management.Automation;
using System.Security.Cryptography;
using Evonic.Sessions.SampleData;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>
/// Wrong paths, broken databases and hostile ids: each is an ErrorRecord with its ErrorId, category and the
/// offending path or value, and nothing is deleted that should not be.
/// </summary>
[Collection("engine")]
public sealed class BadInputTests : SampleInstanceTest
{
    private string MainDb => Path.Combine(Root, "shared", "db", "evonic.db");

    private string ChatDb(string agent) => Path.Combine(Root, "agents", agent, "chat.db");

    /// <summary>The bytes of every file under a folder: what a failed run must leave as it was.</summary>
    private static Dictionary<string, string> Bytes(string folder) =>
        Directory
            .EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal))
            .ToDictionary(
                f => Path.GetRelativePath(folder, f),
                f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))
            );

    private static void Truncate(string path, long length)
    {
        using var stream = new FileStream(path, FileMode.Open);
        stream.SetLength(length);
    }

    private static void RunSql(string database, string sql)
    {
        using var db = InstanceBuilder.Connect(database);
        InstanceBuilder.Exec(db, sql);
    }

    /// <summary>Breaks the whole instance; returns the -Path to pass and what the error must name.</summary>
    private (string Path, string Target) BreakInstance(string how)
    {
        switch (how)
        {
            case "missing folder":
                return (Temp.Combine("nope"), Temp.Combine("nope"));
            case "a file":
                File.WriteAllText(Temp.Combine("file.txt"), "x");
                return (Temp.Combine("file.txt"), Temp.Combine("file.txt"));
            case "no main database":
                File.Delete(MainDb);
                return (Root, Root);
            case "main database is text":
                File.WriteAllText(MainDb, "SQLite format 2? no: this is a plain text file pretending to be a database");
                return (Root, MainDb);
            case "main database truncated":
                Truncate(MainDb, 1000);
                return (Root, MainDb);
            case "main database of another app":
                RunSql(MainDb, "ALTER TABLE agents RENAME TO bots");
                return (Root, MainDb);
            default:
                throw new ArgumentException(how);
        }
    }

    [Theory]
    [InlineData("missing folder", "InstanceNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("a file", "NotAnInstance", ErrorCategory.InvalidArgument)]
    [InlineData("no main database", "NotAnInstance", ErrorCategory.InvalidArgument)]
    [InlineData("main database is text", "MainDatabaseFailed", ErrorCategory.ReadError)]
    [InlineData("main database truncated", "MainDatabaseFailed", ErrorCategory.ReadError)]
    [InlineData("main database of another app", "UnknownSchema", ErrorCategory.InvalidData)]
    public void A_bad_instance_is_one_terminating_error_naming_it_and_nothing_changes(
        string how,
        string errorId,
        ErrorCategory category
    )
    {
        (string path, string target) = BreakInstance(how);
        Dictionary<string, string> before = Bytes(Temp.Path);
        using var ps = new PowerShellSession();

        foreach (string command in new[] { "Get-EvonicOldSession", "Remove-EvonicOldSession -Force" })
        {
            ScriptResult result = ps.Run($"{command} -Path '{path}'");

            ErrorRecord error = Assert.Single(result.Errors);
            Assert.Equal(errorId, error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Equal(category, error.CategoryInfo.Category);
            Assert.Equal(target, error.TargetObject);
            Assert.Contains(target, error.Exception.Message);
            Assert.Empty(result.Output);
        }
        Assert.Equal(before, Bytes(Temp.Path));
    }

    /// <summary>Breaks one agent; returns the agent and what the error must name.</summary>
    private (string Agent, string Target) BreakAgent(string how)
    {
        switch (how)
        {
            case "chat.db is text":
                File.WriteAllText(
                    ChatDb("nova"),
                    "not a database at all, only some text that is long enough to look like one"
                );
                return ("nova", ChatDb("nova"));
            case "chat.db truncated":
                RunSql(ChatDb("nova"), "PRAGMA wal_checkpoint(TRUNCATE)");
                Truncate(ChatDb("nova"), 2 * 4096);
                return ("nova", ChatDb("nova"));
            case "chat.db of another app":
                RunSql(ChatDb("nova"), "ALTER TABLE chat_sessions RENAME TO conversations");
                return ("nova", ChatDb("nova"));
            case "chat.db missing":
                File.Delete(ChatDb("nova"));
                return ("nova", ChatDb("nova"));
            case "agent id with ..":
                RunSql(MainDb, "INSERT INTO agents (id, name) VALUES ('../siwa', 'evil')");
                return ("../siwa", "../siwa");
            case "agent id with a slash":
                RunSql(MainDb, "INSERT INTO agents (id, name) VALUES ('siwa/../../x', 'evil')");
                return ("siwa/../../x", "siwa/../../x");
            case "agent id with a backslash":
                RunSql(MainDb, "INSERT INTO agents (id, name) VALUES ('siwa\\x', 'evil')");
                return ("siwa\\x", "siwa\\x");
            case "agent id with NUL":
                RunSql(MainDb, "INSERT INTO agents (id, name) VALUES ('siwa' || char(0) || 'x', 'evil')");
                return ("siwa\0x", "siwa\0x");
            default:
                throw new ArgumentException(how);
        }
    }

    [Theory]
    [InlineData("chat.db is text", "AgentDatabaseUnreadable", ErrorCategory.ReadError)]
    [InlineData("chat.db truncated", "AgentDatabaseUnreadable", ErrorCategory.ReadError)]
    [InlineData("chat.db of another app", "UnknownSchema", ErrorCategory.InvalidData)]
    [InlineData("chat.db missing", "AgentDatabaseMissing", ErrorCategory.ObjectNotFound)]
    [InlineData("agent id with ..", "InvalidAgentId", ErrorCategory.InvalidData)]
    [InlineData("agent id with a slash", "InvalidAgentId", ErrorCategory.InvalidData)]
    [InlineData("agent id with a backslash", "InvalidAgentId", ErrorCategory.InvalidData)]
    [InlineData("agent id with NUL", "InvalidAgentId", ErrorCategory.InvalidData)]
    public void A_bad_agent_is_a_non_terminating_error_naming_it_and_the_other_agents_are_cleaned(
        string how,
        string errorId,
        ErrorCategory category
    )
    {
        (string agent, string target) = BreakAgent(how);
        string agentFolder = Path.Combine(
            Root,
            "agents",
            agent.Contains('/') || agent.Contains('\\') || agent.Contains('\0') ? "siwa" : agent
        );
        Dictionary<string, string> before = Bytes(agentFolder);
        using var ps = new PowerShellSession();

        ScriptResult result = ps.Run(
            $"Remove-EvonicOldSession -Path '{Root}' -Force -PassThru -InformationAction Continue"
        );

        ErrorRecord error = Assert.Single(result.Errors);
        Assert.Equal(errorId, error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Equal(target, error.TargetObject);
        var removed = result
            .Output.Select(o => o.Properties["AgentId"].Value + "/" + o.Properties["SessionId"].Value)
            .OrderBy(k => k, StringComparer.Ordinal);
        string brokenAgent = agent.Contains('/') || agent.Contains('\\') || agent.Contains('\0') ? "(none)" : agent;
        Assert.Equal(
            Sample.ExpectedRemoved.Where(k => !k.StartsWith(brokenAgent + "/", StringComparison.Ordinal)),
            removed
        );
        if (brokenAgent != "(none)")
            Assert.Equal(before, Bytes(agentFolder));
        Assert.Contains(result.Information, line => line.Contains("1 error(s)"));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("730001")]
    [InlineData("99999999999")]
    [InlineData("ninety")]
    // Fractions were rounded by PowerShell's conversion to int: 0.4 became 0 and disabled cleanup without a word.
    [InlineData("2.5")]
    [InlineData("0.4")]
    [InlineData("'89.9'")]
    public void A_MaxAgeDays_parameter_out_of_range_is_refused_before_anything_is_read(string value)
    {
        using var ps = new PowerShellSession();
        Dictionary<string, string> before = Bytes(Root);

        ScriptResult result = ps.Run($"Remove-EvonicOldSession -Path '{Root}' -Force -MaxAgeDays {value}");

        ErrorRecord error = Assert.Single(result.Errors);
        // PowerShell's own binding error (ParameterArgumentValidationError, CannotConvertArgumentNoMessage).
        Assert.IsAssignableFrom<ParameterBindingException>(error.Exception);
        Assert.Equal("MaxAgeDays", ((ParameterBindingException)error.Exception).ParameterName);
        Assert.Contains(value.Trim('\''), error.Exception.Message);
        Assert.Equal(before, Bytes(Root));
    }

    [Theory]
    [InlineData("30.0", 30)]
    [InlineData("'45'", 45)]
    [InlineData("0", 0)]
    public void A_whole_MaxAgeDays_binds_whatever_its_type(string value, int expected)
    {
        using var ps = new PowerShellSession();
        ScriptResult result = ps.Run(
            $"$listed = @(Get-EvonicOldSession -Path '{Root}' -MaxAgeDays {value} -IncludeProtected -WarningAction "
                + $"SilentlyContinue); if ($listed.Count) {{ $listed[0].MaxAgeDays }}"
        );
        Assert.Empty(result.Errors);
        if (expected == 0)
            Assert.Empty(result.Output);
        else
            Assert.Equal(expected, (int)Assert.Single(result.Output).BaseObject);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("730001")]
    [InlineData("99999999999")]
    [InlineData("ninety")]
    [InlineData("90 days")]
    [InlineData("0.4")]
    public void A_bad_age_in_the_environment_or_the_env_file_names_the_value_and_its_source(string value)
    {
        using var ps = new PowerShellSession();
        Dictionary<string, string> before = Bytes(Root);

        ScriptResult fromEnvironment = ps.Run(
            $"$env:EVONIC_SESSION_MAX_AGE_DAYS = '{value}'; Remove-EvonicOldSession -Path '{Root}' -Force"
        );
        File.WriteAllText(Path.Combine(Root, ".env"), $"EVONIC_SESSION_MAX_AGE_DAYS={value}\n");
        ScriptResult fromFile = ps.Run(
            $"$env:EVONIC_SESSION_MAX_AGE_DAYS = $null; Get-EvonicOldSession -Path '{Root}'"
        );

        foreach (ScriptResult result in new[] { fromEnvironment, fromFile })
        {
            ErrorRecord error = Assert.Single(result.Errors);
            Assert.Equal("InvalidSetting", error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Equal(value, error.TargetObject);
        }
        Assert.Contains(Path.Combine(Root, ".env"), fromFile.Errors[0].Exception.Message);
        File.Delete(Path.Combine(Root, ".env"));
        Assert.Equal(before, Bytes(Root));
    }
}
