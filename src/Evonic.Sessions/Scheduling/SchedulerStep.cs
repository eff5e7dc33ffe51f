using System;
using System.IO;
using System.Linq;
using System.Text;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Scheduling;

/// <summary>
/// One change to the machine that registering or unregistering a schedule makes: a file written or deleted, or a
/// scheduler tool run. Planned first, so -WhatIf can show each step with the exact content it would write.
/// </summary>
public sealed class SchedulerStep
{
    private SchedulerStep(
        SchedulerStepKind kind,
        string target,
        string? content,
        string[] arguments,
        Encoding? encoding = null
    )
    {
        _encoding = encoding ?? new UTF8Encoding(false);
        Kind = kind;
        Target = target;
        Content = content;
        Arguments = arguments;
    }

    private readonly Encoding _encoding;

    public SchedulerStepKind Kind { get; }

    /// <summary>The file, or the tool.</summary>
    public string Target { get; }

    /// <summary>The file content, or the tool's standard input.</summary>
    public string? Content { get; }

    public string[] Arguments { get; }

    /// <summary>Writes <paramref name="content"/> (UTF-8 without a BOM unless <paramref name="encoding"/> says
    /// otherwise).</summary>
    public static SchedulerStep WriteFile(string path, string content, Encoding? encoding = null) =>
        new(SchedulerStepKind.WriteFile, path, content, Array.Empty<string>(), encoding);

    public static SchedulerStep DeleteFile(string path) =>
        new(SchedulerStepKind.DeleteFile, path, null, Array.Empty<string>());

    public static SchedulerStep RunTool(string tool, string? standardInput, params string[] arguments) =>
        new(SchedulerStepKind.RunTool, tool, standardInput, arguments);

    /// <summary>What the step does, with the full content: the text -WhatIf and -Confirm show.</summary>
    public string Describe() =>
        Kind switch
        {
            SchedulerStepKind.WriteFile => $"Write '{Target}':\n{Content}",
            SchedulerStepKind.DeleteFile => $"Delete '{Target}'",
            _ => $"Run: {Target} {string.Join(" ", Arguments)}"
                + (Content != null ? $" with this input:\n{Content}" : ""),
        };

    /// <summary>Does the step. Throws <see cref="EvonicErrorKind.SchedulerFailed"/> (or SchedulerNotFound for a tool
    /// not installed).</summary>
    public void Execute()
    {
        switch (Kind)
        {
            case SchedulerStepKind.WriteFile:
                Guard(() =>
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(Target)!);
                    // Root writes unit files: a link at the target is refused, never written through.
                    byte[] bytes = _encoding.GetPreamble().Concat(_encoding.GetBytes(Content!)).ToArray();
                    using FileStream stream = NoFollowFile.OpenOrCreate(
                        Target,
                        root: null,
                        append: false,
                        exclusive: false
                    );
                    stream.SetLength(0);
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(flushToDisk: true);
                });
                break;
            case SchedulerStepKind.DeleteFile:
                Guard(() => File.Delete(Target));
                break;
            default:
                SchedulerTool.Run(Target, Content, Arguments);
                break;
        }
    }

    private void Guard(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EvonicException(
                EvonicErrorKind.SchedulerFailed,
                $"{Describe().Split('\n')[0]} failed: {e.Message}",
                Target,
                e
            );
        }
    }
}
