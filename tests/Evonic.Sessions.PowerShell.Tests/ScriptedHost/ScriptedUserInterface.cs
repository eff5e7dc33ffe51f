using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text.RegularExpressions;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>
/// Text in and out for the engine: output, errors, warnings, verbose, progress, and the confirmation prompts of
/// ShouldProcess. In non-interactive mode every prompt fails at once instead of waiting for input that never comes.
/// </summary>
public sealed class ScriptedUserInterface : PSHostUserInterface
{
    private readonly TextReader _input;
    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly bool _interactive;
    private readonly ScriptedRawUserInterface _rawUI = new();

    public ScriptedUserInterface(TextReader input, TextWriter output, TextWriter error, bool interactive)
    {
        _input = input;
        _output = output;
        _error = error;
        _interactive = interactive;
    }

    public override PSHostRawUserInterface RawUI => _rawUI;

    // This host draws no colours, so the engine's escape sequences (table headers, errors) are dropped.
    private static readonly Regex EscapeSequence = new("\u001b\\[[0-9;?]*[A-Za-z]", RegexOptions.Compiled);

    private static string Plain(string value) =>
        value.IndexOf('\u001b') < 0 ? value : EscapeSequence.Replace(value, "");

    public override void Write(string value) => _output.Write(Plain(value));

    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) =>
        _output.Write(Plain(value));

    public override void WriteLine(string value) => _output.WriteLine(Plain(value));

    public override void WriteErrorLine(string value) => _error.WriteLine(Plain(value));

    public override void WriteDebugLine(string message) => _output.WriteLine("DEBUG: " + message);

    public override void WriteVerboseLine(string message) => _output.WriteLine("VERBOSE: " + message);

    public override void WriteWarningLine(string message) => _output.WriteLine("WARNING: " + message);

    public override void WriteProgress(long sourceId, ProgressRecord record)
    {
        // Progress is for a person watching a terminal; in logs and pipes it would only be noise.
        if (!_interactive || Console.IsErrorRedirected)
            return;
        string line =
            record.RecordType == ProgressRecordType.Completed
                ? ""
                : $"{record.Activity}: {record.StatusDescription}{Percent(record)}";
        int width = Math.Max(20, _rawUI.BufferSize.Width - 1);
        _error.Write(
            "\r" + (line.Length > width ? line[..width] : line.PadRight(width)) + (line.Length == 0 ? "\r" : "")
        );
    }

    public override string ReadLine()
    {
        RequireInteractive();
        return _input.ReadLine()
            ?? throw new PSInvalidOperationException("The input ended while a response was expected.");
    }

    public override SecureString ReadLineAsSecureString()
    {
        var secure = new SecureString();
        foreach (char c in ReadLine())
            secure.AppendChar(c);
        secure.MakeReadOnly();
        return secure;
    }

    public override Dictionary<string, PSObject> Prompt(
        string caption,
        string message,
        Collection<FieldDescription> descriptions
    )
    {
        RequireInteractive();
        if (!string.IsNullOrEmpty(caption))
            _output.WriteLine(caption);
        if (!string.IsNullOrEmpty(message))
            _output.WriteLine(message);
        var answers = new Dictionary<string, PSObject>();
        foreach (FieldDescription field in descriptions)
        {
            _output.Write(field.Name + ": ");
            answers[field.Name] = PSObject.AsPSObject(ReadLine());
        }
        return answers;
    }

    public override int PromptForChoice(
        string caption,
        string message,
        Collection<ChoiceDescription> choices,
        int defaultChoice
    )
    {
        RequireInteractive();
        var keys = choices.Select(HotKey).ToList();
        while (true)
        {
            if (!string.IsNullOrEmpty(caption))
                _output.WriteLine(caption);
            if (!string.IsNullOrEmpty(message))
                _output.WriteLine(message);
            string options = string.Join("  ", choices.Select((c, i) => $"[{keys[i]}] {c.Label.Replace("&", "")}"));
            string defaultText =
                defaultChoice >= 0 && defaultChoice < keys.Count ? $" (default is \"{keys[defaultChoice]}\")" : "";
            _output.Write($"{options}  [?] Help{defaultText}: ");
            string answer = ReadLine().Trim();
            _output.WriteLine();
            if (answer.Length == 0 && defaultChoice >= 0)
                return defaultChoice;
            if (answer == "?")
            {
                for (int i = 0; i < choices.Count; i++)
                    _output.WriteLine($"{keys[i]} - {choices[i].HelpMessage}");
                continue;
            }
            int match = keys.FindIndex(k => k.Equals(answer, StringComparison.OrdinalIgnoreCase));
            if (match < 0)
                match = choices
                    .ToList()
                    .FindIndex(c => c.Label.Replace("&", "").Equals(answer, StringComparison.OrdinalIgnoreCase));
            if (match >= 0)
                return match;
        }
    }

    public override PSCredential PromptForCredential(
        string caption,
        string message,
        string userName,
        string targetName
    ) => throw new NotSupportedException("This host does not prompt for credentials.");

    public override PSCredential PromptForCredential(
        string caption,
        string message,
        string userName,
        string targetName,
        PSCredentialTypes allowedCredentialTypes,
        PSCredentialUIOptions options
    ) => throw new NotSupportedException("This host does not prompt for credentials.");

    private static string HotKey(ChoiceDescription choice)
    {
        int amp = choice.Label.IndexOf('&');
        return amp >= 0 && amp + 1 < choice.Label.Length
            ? choice.Label[amp + 1].ToString().ToUpperInvariant()
            : choice.Label[..1].ToUpperInvariant();
    }

    private void RequireInteractive()
    {
        if (!_interactive)
            throw new PSInvalidOperationException(
                "The host is in non-interactive mode: it cannot prompt or read input."
            );
    }

    private static string Percent(ProgressRecord record) =>
        record.PercentComplete >= 0 ? $" ({record.PercentComplete}%)" : "";
}
