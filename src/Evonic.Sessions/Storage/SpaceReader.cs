using System.IO;
using Microsoft.Data.Sqlite;

namespace Evonic.Sessions.Storage;

/// <summary>Measures a database (<see cref="DatabaseSpace"/>): its files' sizes and what SQLite says about its pages,
/// read-only.</summary>
internal static class SpaceReader
{
    /// <summary>The database at <paramref name="path"/>; for a chat.db (<paramref name="agentId"/> set) with <paramref
    /// name="withFiles"/>, also the agent's logs and attachments (a walk of their folders).</summary>
    public static DatabaseSpace Measure(
        EvonicInstance instance,
        DatabaseKind database,
        string? agentId,
        string path,
        bool withFiles = true
    )
    {
        var space = new DatabaseSpace
        {
            InstanceRoot = instance.Root,
            Database = database,
            AgentId = agentId,
            Path = path,
            FileBytes = new FileInfo(path).Length,
            WalBytes = File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0,
        };
        try
        {
            using SqliteConnection connection = SqliteDatabase.Open(path, writable: false);
            space.PageSize = SqliteDatabase.Pragma(connection, "page_size");
            space.FreeBytes = SqliteDatabase.Pragma(connection, "freelist_count") * space.PageSize;
            space.AutoVacuum = AutoVacuum(connection);
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.Unreadable(e, EvonicErrorKind.AgentDatabaseUnreadable, path);
        }
        if (agentId != null && withFiles)
        {
            (space.LogBytes, space.LogCount) = Sum(instance.SessionsFolder(agentId), "*.jsonl");
            (space.AttachmentBytes, space.AttachmentCount) = Sum(
                Path.Combine(instance.AttachmentsFolder, agentId),
                "*"
            );
        }
        return space;
    }

    /// <summary>The database's <c>auto_vacuum</c> mode as its name: None, Full or Incremental.</summary>
    public static AutoVacuumMode AutoVacuum(SqliteConnection connection) =>
        SqliteDatabase.Pragma(connection, "auto_vacuum") switch
        {
            1 => AutoVacuumMode.Full,
            2 => AutoVacuumMode.Incremental,
            _ => AutoVacuumMode.None,
        };

    private static (long Bytes, int Count) Sum(string folder, string pattern)
    {
        if (!Directory.Exists(folder))
            return (0, 0);
        long bytes = 0;
        int count = 0;
        foreach (FileInfo file in new DirectoryInfo(folder).EnumerateFiles(pattern, SearchOption.AllDirectories))
        {
            bytes += file.Length;
            count++;
        }
        return (bytes, count);
    }
}
