using System.Globalization;
using System.Management.Automation.Host;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>
/// A PSHost for the in-process engine tests: prompts are answered from a script and everything shown is recorded, so a
/// test can press "Y", "N" or "A" and read what a user would have seen. Test-only: users run the module in pwsh.
/// </summary>
public sealed class ScriptedHost : PSHost
{
    private readonly ScriptedUserInterface _ui;

    public ScriptedHost(TextReader input, TextWriter output, TextWriter error, bool interactive) =>
        _ui = new ScriptedUserInterface(input, output, error, interactive);

    public int? ExitCode { get; private set; }
    public override string Name => "Evonic.Sessions.Tests.ScriptedHost";
    public override Version Version => typeof(ScriptedHost).Assembly.GetName().Version ?? new Version(0, 1);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => _ui;
    public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;

    public override void SetShouldExit(int exitCode) => ExitCode = exitCode;

    public override void EnterNestedPrompt() =>
        throw new NotSupportedException("Nested prompts are not supported by this host.");

    public override void ExitNestedPrompt() =>
        throw new NotSupportedException("Nested prompts are not supported by this host.");

    public override void NotifyBeginApplication() { }

    public override void NotifyEndApplication() { }
}
