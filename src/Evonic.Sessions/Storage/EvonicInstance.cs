using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace Evonic.Sessions.Storage;

/// <summary>
/// Where an Evonic instance keeps its data. Flat layout: <c>agents/</c> and <c>data/</c> under the root.
/// Release layout (<c>current -&gt; releases/&lt;tag&gt;</c>): both under <c>&lt;root&gt;/shared</c>.
/// The main DB is <c>&lt;root&gt;/shared/db/evonic.db</c> in both.
/// </summary>
public sealed class EvonicInstance
{
    private static readonly Regex AgentIdPattern = new("^[a-z0-9_]+$", RegexOptions.CultureInvariant);

    private EvonicInstance(string root, bool releaseLayout)
    {
        Root = root;
        IsReleaseLayout = releaseLayout;
        DataRoot = releaseLayout ? Path.Combine(root, "shared") : root;
    }

    /// <summary>The instance root, as a full path.</summary>
    public string Root { get; }

    public bool IsReleaseLayout { get; }

    /// <summary>The folder that holds <c>agents/</c> and <c>data/</c>.</summary>
    public string DataRoot { get; }

    public string MainDatabasePath => Path.Combine(Root, "shared", "db", "evonic.db");

    public string AgentsFolder => Path.Combine(DataRoot, "agents");

    public string AttachmentsFolder => Path.Combine(DataRoot, "data", "attachments");

    /// <summary>Evonic's session archive (<c>models/session_archive.py</c>): beside the main database.</summary>
    public string ArchiveDatabasePath => Path.Combine(Root, "shared", "db", "session_archive.db");

    /// <summary>
    /// The <c>.env</c> Evonic loads: <c>load_dotenv()</c> in <c>config.py</c> reads <c>.env</c> in the working
    /// directory, which is the app directory: the root, or <c>current/</c> in the release layout.
    /// (<c>shared/.env</c> is only backed up by Evonic's CLI, never loaded.)
    /// </summary>
    public string EnvFile => Path.Combine(IsReleaseLayout ? Path.Combine(Root, "current") : Root, ".env");

    /// <summary>
    /// A setting as Evonic sees it: the environment variable when it is defined at all (Evonic's loader never
    /// overrides one), else the first assignment in <see cref="EnvFile"/> (the first one wins there too). Null when
    /// neither defines it; an empty value is returned as it is, for the caller to read as Evonic does.
    /// </summary>
    public (string Value, string Source)? FindSetting(string name, Func<string, string?> getEnvironmentVariable)
    {
        if (getEnvironmentVariable(name) is { } fromEnvironment)
            return (fromEnvironment, $"the environment variable {name}");
        if (File.Exists(EnvFile) && DotEnvFile.Read(EnvFile).TryGetValue(name, out string? value))
            return (value, $"{name} in '{EnvFile}'");
        return null;
    }

    public static string MainDatabaseRelativePath => Path.Combine("shared", "db", "evonic.db");

    /// <summary>Compares instance roots as this platform's file system compares paths (case-insensitive on Windows and
    /// macOS).</summary>
    public static StringComparer RootComparer => SafePath.PathComparer;

    /// <summary>Opens the instance at <paramref name="path"/>, or says what was expected where.</summary>
    public static EvonicInstance Open(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new EvonicException(EvonicErrorKind.InstanceNotFound, "No Evonic instance path was given.", path);
        string root;
        try
        {
            root = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new EvonicException(
                EvonicErrorKind.InstanceNotFound,
                $"'{path}' is not a valid path: {e.Message}",
                path,
                e
            );
        }
        root = root.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        if (root.Length == 0)
            root = Path.DirectorySeparatorChar.ToString();

        if (File.Exists(root))
            throw new EvonicException(
                EvonicErrorKind.NotAnInstance,
                $"'{root}' is a file, not an Evonic instance folder. Expected a folder holding "
                    + $"{MainDatabaseRelativePath}.",
                root
            );
        if (!Directory.Exists(root))
            throw new EvonicException(
                EvonicErrorKind.InstanceNotFound,
                $"The Evonic instance folder '{root}' does not exist.",
                root
            );

        bool release =
            Directory.Exists(Path.Combine(root, "current"))
            || (
                !Directory.Exists(Path.Combine(root, "agents"))
                && Directory.Exists(Path.Combine(root, "shared", "agents"))
            );
        var instance = new EvonicInstance(root, release);
        if (!File.Exists(instance.MainDatabasePath))
            throw new EvonicException(
                EvonicErrorKind.NotAnInstance,
                $"'{root}' is not an Evonic instance: expected the main database at '{instance.MainDatabasePath}'.",
                root
            );
        return instance;
    }

    public const string HomeVariable = "EVONIC_HOME";

    /// <summary>The instance path used when none is given: <c>EVONIC_HOME</c>, else <c>~/.evonic</c>.</summary>
    public static string DefaultPath(Func<string, string?> getEnvironmentVariable)
    {
        string? home = getEnvironmentVariable(HomeVariable);
        return !string.IsNullOrWhiteSpace(home)
            ? home!
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".evonic");
    }

    public static bool IsValidAgentId(string agentId) => AgentIdPattern.IsMatch(agentId);

    public string AgentFolder(string agentId) => Path.Combine(AgentsFolder, agentId);

    public string ChatDatabasePath(string agentId) => Path.Combine(AgentFolder(agentId), "chat.db");

    public string SessionsFolder(string agentId) => Path.Combine(AgentFolder(agentId), "sessions");

    /// <summary>
    /// The JSONL log of session <paramref name="sessionId"/> owned by <paramref name="agentId"/>:
    /// the id without the "agent-" prefix, else the full id. Null when the id cannot name a file safely.
    /// </summary>
    public string? ChatLogPath(string agentId, string sessionId)
    {
        string prefix = agentId + "-";
        string name = sessionId.StartsWith(prefix, StringComparison.Ordinal)
            ? sessionId.Substring(prefix.Length)
            : sessionId;
        return IsSafeFileName(name) ? Path.Combine(SessionsFolder(agentId), name + ".jsonl") : null;
    }

    /// <summary>Where an attachment row's <c>file_path</c> points: relative paths are under <see
    /// cref="DataRoot"/>.</summary>
    public string AttachmentPath(string filePath) =>
        Path.IsPathRooted(filePath) ? filePath : Path.Combine(DataRoot, filePath);

    /// <summary>The session's LLM trace, named as its chat log (<see cref="ChatLogPath"/>) under
    /// <c>llm_traces/</c>.</summary>
    public string? TraceLogPath(string agentId, string sessionId) =>
        ChatLogPath(agentId, sessionId) is { } log
            ? Path.Combine(AgentFolder(agentId), "llm_traces", Path.GetFileName(log))
            : null;

    /// <summary>The attachment folder of a session, or null when the ids cannot name a folder safely.</summary>
    public string? AttachmentFolder(string agentId, string sessionId) =>
        IsSafeFileName(agentId) && IsSafeFileName(sessionId)
            ? Path.Combine(AttachmentsFolder, agentId, sessionId)
            : null;

    /// <summary>A name that stays one path component: no separators, no NUL, not "." or "..".</summary>
    public static bool IsSafeFileName(string name) =>
        name.Length > 0 && name != "." && name != ".." && name.IndexOfAny(UnsafeFileNameChars) < 0;

    // Checked for every session of every run: built once.
    private static readonly char[] UnsafeFileNameChars = new[] { '/', '\\', '\0', ':' }
        .Concat(Path.GetInvalidFileNameChars())
        .Distinct()
        .ToArray();
}
