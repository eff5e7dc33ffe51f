using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Evonic.Sessions.HelpWriter;

// dotnet run --project build/Evonic.Sessions.HelpWriter -- <staged manifest> <docs/help> <MAML file to write>
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: Evonic.Sessions.HelpWriter <module manifest> <help markdown folder> <MAML file>");
    return 2;
}
IReadOnlyList<CmdletInfo> cmdlets = MamlHelp.CmdletsOf(args[0]);
File.WriteAllText(args[2], MamlHelp.Build(cmdlets, args[1]));
Console.WriteLine($"Wrote {args[2]} ({cmdlets.Count} cmdlets).");
return 0;
