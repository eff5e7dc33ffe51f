using System;
using System.Collections;
using System.IO;
using System.Text;

namespace Evonic.Sessions.Storage;

/// <summary>
/// Where an instance keeps its retention policy (<see cref="EvonicSessionPolicy"/>): <c>evonic-session-policy.psd1</c>
/// at the instance root, beside the cleanup's lock. Read and written without following a link; written to a new file
/// first and renamed over the old one, so a run that reads it meanwhile sees the old policy or the new, never half.
/// The module reads it through PowerShell's own data-file parser; this type only moves its text.
/// </summary>
public static class SessionPolicyFile
{
    public const string FileName = "evonic-session-policy.psd1";

    /// <summary>A policy is a few rules: anything this large is not one.</summary>
    private const int LargestFile = 1024 * 1024;

    public static string PathFor(EvonicInstance instance) => Path.Combine(instance.Root, FileName);

    /// <summary>
    /// The instance's policy, with its path; one with no rules when the instance has none (<see
    /// cref="EvonicSessionPolicy.Exists"/> false). <paramref name="parseDataFile"/> turns the file's text (and path)
    /// into its hashtable: PowerShell's data-file parser, which this library does not hold. Throws <see
    /// cref="EvonicErrorKind.InvalidPolicy"/> naming the file when it cannot be read or says something invalid.
    /// </summary>
    public static EvonicSessionPolicy Read(EvonicInstance instance, Func<string, string, IDictionary> parseDataFile)
    {
        string path = PathFor(instance);
        string? text = ReadText(instance);
        if (text == null)
            return new EvonicSessionPolicy(null, null) { Path = path, Exists = false };
        IDictionary data = parseDataFile(text, path);
        EvonicSessionPolicy policy;
        try
        {
            policy = EvonicSessionPolicy.FromData(data, "the file");
        }
        catch (EvonicException e) when (e.Kind == EvonicErrorKind.InvalidPolicy)
        {
            throw Unreadable(path, e.Message);
        }
        policy.Path = path;
        policy.Exists = true;
        return policy;
    }

    /// <summary>The policy file's text; null when the instance has none. Throws <see
    /// cref="EvonicErrorKind.InvalidPolicy"/>, naming the file, when it cannot be read.</summary>
    internal static string? ReadText(EvonicInstance instance)
    {
        string path = PathFor(instance);
        try
        {
            using FileStream? stream = NoFollowFile.OpenRead(path, instance.Root);
            if (stream == null)
                return null;
            if (!stream.CanSeek || stream.Length > LargestFile)
                throw Unreadable(path, $"it is not a regular file of at most {LargestFile / 1024} KB");
            using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true), true);
            return reader.ReadToEnd();
        }
        catch (EvonicException e) when (e.Kind == EvonicErrorKind.UnsafePath)
        {
            throw Unreadable(path, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw Unreadable(path, e.Message);
        }
    }

    /// <summary>Writes the policy (its text from <see cref="EvonicSessionPolicy.ToDataFile"/>) in place of the
    /// instance's; the policy then names that file.</summary>
    public static void Write(EvonicInstance instance, EvonicSessionPolicy policy)
    {
        string path = PathFor(instance);
        byte[] bytes = new UTF8Encoding(false).GetBytes(policy.ToDataFile());
        try
        {
            NoFollowFile.WriteWhole(path, instance.Root, ownerOnly: false, stream =>
                stream.Write(bytes, 0, bytes.Length)
            );
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EvonicException(
                EvonicErrorKind.FileWriteFailed,
                $"The retention policy cannot be written to '{path}': {e.Message}. The policy there is unchanged.",
                path,
                e
            );
        }
        policy.Path = path;
        policy.Exists = true;
    }

    /// <summary>The one failure of a policy that cannot be used, naming the file and what follows.</summary>
    public static EvonicException Unreadable(string path, string why) =>
        new(
            EvonicErrorKind.InvalidPolicy,
            $"The retention policy '{path}' cannot be used: {why.TrimEnd('.')}. Nothing is listed or removed until it "
                + "is fixed (Get-Help about_EvonicSessionPolicy), or -MaxAgeDays is given.",
            path
        );
}
