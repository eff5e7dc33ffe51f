using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Scheduling;

/// <summary>
/// The nightly job runs pwsh and the module as its user, often root: a file of that code, or a folder above it, that
/// another user can write would let that user run code as root at 04:00. Register-EvonicSessionCleanup refuses such a
/// job, and each scheduled run checks again before it changes anything. "Another user" is anyone but root and the user
/// the job runs as: the owner of a file or folder (who can change its mode), its group when the group may write (the
/// root group aside), everyone when everyone may write (a folder with the sticky bit, such as /tmp, aside: its
/// entries stay their owners'). Links are resolved first, so the real files are checked. Windows (ACLs) is not checked.
/// </summary>
public static class CodeTrust
{
    /// <summary>
    /// Throws <see cref="EvonicErrorKind.UntrustedCode"/> naming the first path another user can write, and who: the
    /// file <paramref name="executable"/>, every file below <paramref name="moduleFolder"/>, and every folder above
    /// either.
    /// </summary>
    public static void Check(string executable, string moduleFolder)
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            return;
        uint me = Unix.EffectiveUserId();
        var paths = new List<string>();
        string realExecutable = NoFollowFile.RealPathOf(executable) ?? executable;
        string realModule = NoFollowFile.RealPathOf(moduleFolder) ?? moduleFolder;
        paths.Add(realExecutable);
        paths.AddRange(Ancestors(realExecutable));
        if (Directory.Exists(realModule))
        {
            paths.Add(realModule);
            paths.AddRange(
                Directory
                    .EnumerateFileSystemEntries(realModule, "*", SearchOption.AllDirectories)
                    .OrderBy(p => p, StringComparer.Ordinal)
            );
        }
        paths.AddRange(Ancestors(realModule));
        // A missing file cannot be written by anyone; its folders still are checked.
        List<string> all = paths
            .Distinct(StringComparer.Ordinal)
            .Where(p => File.Exists(p) || Directory.Exists(p))
            .ToList();
        List<(uint Owner, uint Group, int Mode)> stats = Stat(all);
        for (int i = 0; i < all.Count; i++)
            if (WhoElseCanWrite(stats[i], Directory.Exists(all[i]), me) is { } who)
            {
                string path = all[i];
                throw new EvonicException(
                    EvonicErrorKind.UntrustedCode,
                    $"'{path}' can be written by {who}: the scheduled cleanup runs its code as user "
                        + $"{me}{(me == 0 ? " (root)" : "")}, so that user could run code as this one. "
                        + "Install the module and PowerShell where only root and this user can write (e.g. "
                        + "Install-PSResource -Scope AllUsers), or fix the owner and mode.",
                    path
                );
            }
    }

    /// <summary>Every folder above <paramref name="path"/>, nearest first, up to the file system root.</summary>
    private static IEnumerable<string> Ancestors(string path)
    {
        for (
            string? folder = Path.GetDirectoryName(path);
            !string.IsNullOrEmpty(folder);
            folder = Path.GetDirectoryName(folder)
        )
            yield return folder!;
    }

    /// <summary>Who besides root and <paramref name="me"/> can write an entry of this owner, group and mode; null when
    /// nobody.</summary>
    internal static string? WhoElseCanWrite((uint Owner, uint Group, int Mode) stat, bool folder, uint me)
    {
        (uint owner, uint group, int mode) = stat;
        if (owner != 0 && owner != me)
            return $"user {owner}, its owner";
        if ((mode & 0x10) != 0 && group != 0)
            return $"group {group} (mode {Convert.ToString(mode, 8)})";
        if ((mode & 0x2) != 0 && !(folder && (mode & 0x200) != 0))
            return $"every user (mode {Convert.ToString(mode, 8)})";
        return null;
    }

    /// <summary>Owner, group and mode bits (with set-id and sticky) of each path, from one run of the system's
    /// <c>stat</c>.</summary>
    private static readonly string[] MacStatFormat = { "-f", "%u %g %Mp%Lp" };
    private static readonly string[] GnuStatFormat = { "-c", "%u %g %a", "--" };
    private static readonly char[] NewLine = { '\n' };

    private static List<(uint Owner, uint Group, int Mode)> Stat(List<string> paths)
    {
        bool mac = RuntimeInformation.IsOSPlatform(OSPlatform.OSX);
        string tool = File.Exists("/usr/bin/stat") ? "/usr/bin/stat" : "stat";
        string[] arguments = (mac ? MacStatFormat : GnuStatFormat).Concat(paths).ToArray();
        int exit;
        string output,
            error;
        try
        {
            (exit, output, error) = SchedulerTool.TryRun(tool, null, arguments);
        }
        catch (EvonicException e)
        {
            // Fail closed: code nobody can vouch for is not run.
            throw new EvonicException(
                EvonicErrorKind.UntrustedCode,
                $"Who can write '{paths[0]}' cannot be told: the system's 'stat' cannot be run ({e.Message}). The "
                    + $"scheduled cleanup does not run code it cannot vouch for.",
                paths[0],
                e
            );
        }
        string[] lines = output.Split(NewLine, StringSplitOptions.RemoveEmptyEntries);
        var stats = new List<(uint, uint, int)>(paths.Count);
        for (int i = 0; i < paths.Count; i++)
        {
            string[] fields = i < lines.Length ? lines[i].Trim().Split(' ') : Array.Empty<string>();
            if (
                exit != 0
                || fields.Length != 3
                || !uint.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint owner)
                || !uint.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint group)
            )
                throw new EvonicException(
                    EvonicErrorKind.UntrustedCode,
                    $"Who can write '{paths[i]}' cannot be told ({error.Trim()}): the scheduled cleanup does not run "
                        + $"code it cannot vouch for.",
                    paths[i]
                );
            stats.Add((owner, group, Convert.ToInt32(fields[2], 8)));
        }
        return stats;
    }

    private static class Unix
    {
        [DllImport("libc", EntryPoint = "geteuid")]
        public static extern uint EffectiveUserId();
    }
}
