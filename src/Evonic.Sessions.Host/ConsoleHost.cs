using System.Globalization;
using System.Management.Automation.Host;

namespace Evonic.Sessions.Host;

/// <summary>The PSHost: identity, culture, and the exit code a script asks for with <c>exit N</c>.</summary>
public sealed class ConsoleHost : PSHost
{
    private readonly ConsoleUserInterface _ui;

    public ConsoleHost(TextReader input, TextWriter output, TextWriter error, bool interactive)
        => _ui = new ConsoleUserInterface(input, output, error, interactive);

    public int? ExitCode { get; private set; }
    public override string Name => "Evonic.Sessions.Host";
    public override Version Version => typeof(ConsoleHost).Assembly.GetName().Version ?? new Version(0, 1);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => _ui;
    public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;
    public override void SetShouldExit(int exitCode) => ExitCode = exitCode;
    public override void EnterNestedPrompt() => throw new NotSupportedException("Nested prompts are not supported by this host.");
    public override void ExitNestedPrompt() => throw new NotSupportedException("Nested prompts are not supported by this host.");
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
}
