using Evonic.Sessions.Host;

const string Usage = """
usage: evonic-sessions [-NoProfile] [-NonInteractive] -Command <script>
       evonic-sessions [-NoProfile] [-NonInteractive] -File <script.ps1> [arguments]

Runs PowerShell in the real engine with the Evonic.Sessions module on PSModulePath, for machines with .NET
but no pwsh. Output, errors, warnings, What if: lines, progress and confirmation prompts show as in pwsh.
-NonInteractive makes every prompt fail at once instead of waiting for input (scheduled runs).
-NoProfile is accepted, as pwsh takes it, so scheduled command lines run unchanged; no profile is ever run.
""";

bool interactive = true;
string? script = null;
int i = 0;
for (; i < args.Length; i++)
{
    string arg = args[i];
    if (arg.Equals("-NonInteractive", StringComparison.OrdinalIgnoreCase)) interactive = false;
    else if (arg.Equals("-NoProfile", StringComparison.OrdinalIgnoreCase)) continue; // as pwsh takes it; this host runs no profile anyway
    else if (arg.Equals("-Command", StringComparison.OrdinalIgnoreCase) && i + 1 < args.Length)
    {
        script = string.Join(' ', args.Skip(i + 1));
        break;
    }
    else if (arg.Equals("-File", StringComparison.OrdinalIgnoreCase) && i + 1 < args.Length)
    {
        if (!File.Exists(args[i + 1]))
        {
            Console.Error.WriteLine($"The script file '{args[i + 1]}' does not exist.");
            return 2;
        }
        script = ScriptRunner.FileInvocation(args[i + 1], args.Skip(i + 2));
        break;
    }
    else
    {
        Console.Error.WriteLine(Usage);
        return arg is "-h" or "--help" or "-Help" or "-?" ? 0 : 2;
    }
}
if (script == null)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

ScriptRunner.AddModulesFolderToModulePath();
var host = new ConsoleHost(Console.In, Console.Out, Console.Error, interactive);
return ScriptRunner.Run(script, host);
