using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;

namespace Evonic.Sessions.HelpWriter;

/// <summary>
/// Builds the module's MAML help (module/en-US/Evonic.Sessions.PowerShell.dll-Help.xml) from
/// docs/help/&lt;cmdlet&gt;.md (platyPS layout) and the cmdlets' own metadata (parameter sets, types, positions,
/// pipeline input), so the help never drifts from either. The project's one help generator, part of the build:
/// ./build.ps1 -Help writes the file, and HelpTests fails in CI when the committed file differs from what it builds.
/// </summary>
public static class MamlHelp
{
    private static readonly HashSet<string> CommonParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "Verbose",
        "Debug",
        "ErrorAction",
        "WarningAction",
        "InformationAction",
        "ProgressAction",
        "ErrorVariable",
        "WarningVariable",
        "InformationVariable",
        "OutVariable",
        "OutBuffer",
        "PipelineVariable",
    };

    /// <summary>The cmdlets of the module at <paramref name="manifest"/>, imported into an engine of their
    /// own.</summary>
    public static IReadOnlyList<CmdletInfo> CmdletsOf(string manifest)
    {
        using Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        using PowerShell shell = PowerShell.Create();
        shell.Runspace = runspace;
        shell
            .AddCommand("Import-Module")
            .AddParameter("Name", manifest)
            .AddParameter("PassThru")
            .AddCommand("ForEach-Object")
            .AddParameter("MemberName", "ExportedCmdlets")
            .AddCommand("ForEach-Object")
            .AddParameter("MemberName", "Values");
        return shell.Invoke().Select(o => (CmdletInfo)o.BaseObject).ToList();
    }

    public static string Build(IEnumerable<CmdletInfo> cmdlets, string helpFolder)
    {
        var xml = new StringBuilder();
        xml.Append("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<helpItems schema=\"maml\" xmlns=\"http://msh\">\n");
        foreach (CmdletInfo cmdlet in cmdlets.OrderBy(c => c.Name, StringComparer.Ordinal))
            AppendCommand(xml, cmdlet, Markdown.Read(Path.Combine(helpFolder, cmdlet.Name + ".md")));
        xml.Append("</helpItems>\n");
        return xml.ToString();
    }

    private static void AppendCommand(StringBuilder xml, CmdletInfo cmdlet, Markdown doc)
    {
        xml.Append(
            "<command:command xmlns:maml=\"http://schemas.microsoft.com/maml/2004/10\" "
                + "xmlns:command=\"http://schemas.microsoft.com/maml/dev/command/2004/10\" "
                + "xmlns:dev=\"http://schemas.microsoft.com/maml/dev/2004/10\">\n"
        );
        xml.Append(
            CultureInfo.InvariantCulture,
            $"<command:details><command:name>{cmdlet.Name}</command:name><command:verb>{cmdlet.Verb}</command:verb><c"
                + $"ommand:noun>{cmdlet.Noun}</command:noun>"
        );
        xml.Append(
            CultureInfo.InvariantCulture,
            $"<maml:description>{Paras(doc.Section("SYNOPSIS"))}</maml:description></command:details>\n"
        );
        xml.Append(
            CultureInfo.InvariantCulture,
            $"<maml:description>{Paras(doc.Section("DESCRIPTION"))}</maml:description>\n"
        );

        Dictionary<string, string> described = doc.Subsections("PARAMETERS")
            .ToDictionary(p => p.Title.TrimStart('-'), p => p.Text, StringComparer.OrdinalIgnoreCase);
        List<string> order = described.Keys.ToList();
        string Parameter(CommandParameterInfo p)
        {
            if (!described.TryGetValue(p.Name, out string? text))
                throw new InvalidOperationException($"docs/help/{cmdlet.Name}.md does not describe -{p.Name}.");
            bool wildcards = p.Attributes.OfType<SupportsWildcardsAttribute>().Any();
            bool isSwitch = p.ParameterType == typeof(SwitchParameter);
            string type = TypeName(p.ParameterType);
            string pipeline =
                p.ValueFromPipeline ? "true (ByValue)"
                : p.ValueFromPipelineByPropertyName ? "true (ByPropertyName)"
                : "false";
            string position = p.Position >= 0 ? p.Position.ToString(CultureInfo.InvariantCulture) : "named";
            return $"<command:parameter required=\"{(p.IsMandatory ? "true" : "false")}\" variableLength=\"true\" "
                + $"globbing=\"{(wildcards ? "true" : "false")}\" "
                + $"pipelineInput=\"{pipeline}\" position=\"{position}\">"
                + $"<maml:name>{p.Name}</maml:name><maml:description>{Paras(text)}</maml:description>"
                + (
                    isSwitch
                        ? ""
                        : $"<command:parameterValue required=\"true\" "
                            + $"variableLength=\"false\">{type}</command:parameterValue>"
                )
                + $"<dev:type><maml:name>{type}</maml:name></dev:type></command:parameter>\n";
        }
        IEnumerable<CommandParameterInfo> Ordered(IEnumerable<CommandParameterInfo> parameters) =>
            parameters
                .Where(p =>
                    !CommonParameters.Contains(p.Name)
                    && !p.Attributes.OfType<ParameterAttribute>().Any(a => a.DontShow)
                ) // DontShow: not in help either
                .OrderBy(p => p.Position >= 0 ? p.Position : int.MaxValue)
                .ThenBy(p => order.IndexOf(p.Name) is var i && i >= 0 ? i : int.MaxValue);

        xml.Append("<command:syntax>\n");
        foreach (CommandParameterSetInfo set in cmdlet.ParameterSets)
        {
            xml.Append(CultureInfo.InvariantCulture, $"<command:syntaxItem><maml:name>{cmdlet.Name}</maml:name>\n");
            foreach (CommandParameterInfo p in Ordered(set.Parameters))
                xml.Append(Parameter(p));
            xml.Append("</command:syntaxItem>\n");
        }
        xml.Append("</command:syntax><command:parameters>\n");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (
            CommandParameterInfo p in Ordered(cmdlet.ParameterSets.SelectMany(s => s.Parameters))
                .Where(p => seen.Add(p.Name))
                .OrderBy(p => order.IndexOf(p.Name))
        )
            xml.Append(Parameter(p));
        xml.Append("</command:parameters>\n");

        xml.Append("<command:inputTypes>");
        foreach (var input in doc.Subsections("INPUTS"))
            xml.Append(
                CultureInfo.InvariantCulture,
                $"<command:inputType><dev:type><maml:name>{Escape(input.Title)}</maml:name></dev:type></command:input"
                    + $"Type>"
            );
        xml.Append("</command:inputTypes>\n<command:returnValues>");
        foreach (var output in doc.Subsections("OUTPUTS"))
            xml.Append(
                CultureInfo.InvariantCulture,
                $"<command:returnValue><dev:type><maml:name>{Escape(output.Title)}</maml:name></dev:type></command:re"
                    + $"turnValue>"
            );
        xml.Append("</command:returnValues>\n");
        xml.Append(
            CultureInfo.InvariantCulture,
            $"<maml:alertSet><maml:alert>{Paras(doc.Section("NOTES"))}</maml:alert></maml:alertSet>\n"
        );

        xml.Append("<command:examples>\n");
        foreach (var example in doc.Subsections("EXAMPLES"))
        {
            (string code, string remarks) = SplitCode(example.Text);
            xml.Append(
                CultureInfo.InvariantCulture,
                $"<command:example><maml:title>-------------------------- {Escape(example.Title)} "
                    + $"--------------------------</maml:title>"
            );
            xml.Append(
                CultureInfo.InvariantCulture,
                $"<dev:code>{Escape(code)}</dev:code><dev:remarks>{Paras(remarks)}</dev:remarks></command:example>\n"
            );
        }
        xml.Append("</command:examples></command:command>\n");
    }

    private static string TypeName(Type type) =>
        type.IsArray ? TypeName(type.GetElementType()!) + "[]"
        : Nullable.GetUnderlyingType(type) is { } inner ? TypeName(inner)
        : type.Name;

    private static (string Code, string Remarks) SplitCode(string text)
    {
        int open = text.IndexOf("```", StringComparison.Ordinal);
        int start = text.IndexOf('\n', open) + 1;
        int close = text.IndexOf("```", start, StringComparison.Ordinal);
        return (text[start..close].TrimEnd('\n'), text[(close + 3)..].Trim());
    }

    private static string Paras(string text) =>
        text.Length == 0
            ? "<maml:para></maml:para>"
            : string.Concat(
                text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
                    .Select(p => $"<maml:para>{Escape(p.Trim())}</maml:para>")
            );

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>A platyPS markdown file: "## SECTION" blocks, some with "### Title" subsections.</summary>
    private sealed class Markdown
    {
        private readonly Dictionary<string, string> _sections = new(StringComparer.Ordinal);

        public static Markdown Read(string path)
        {
            var doc = new Markdown();
            string text = File.ReadAllText(path).Replace("\r\n", "\n");
            string? name = null;
            var body = new StringBuilder();
            bool inCode = false;
            foreach (string line in text.Split('\n'))
            {
                if (line.StartsWith("```", StringComparison.Ordinal))
                    inCode = !inCode;
                if (!inCode && line.StartsWith("## ", StringComparison.Ordinal))
                {
                    if (name != null)
                        doc._sections[name] = body.ToString().Trim('\n');
                    name = line[3..].Trim();
                    body.Clear();
                }
                else if (name != null)
                {
                    body.Append(line).Append('\n');
                }
            }
            if (name != null)
                doc._sections[name] = body.ToString().Trim('\n');
            return doc;
        }

        public string Section(string name) => _sections.TryGetValue(name, out string? text) ? text : "";

        public IEnumerable<(string Title, string Text)> Subsections(string name)
        {
            string? title = null;
            var body = new StringBuilder();
            bool inCode = false;
            foreach (string line in Section(name).Split('\n'))
            {
                if (line.StartsWith("```", StringComparison.Ordinal))
                    inCode = !inCode;
                if (!inCode && line.StartsWith("### ", StringComparison.Ordinal))
                {
                    if (title != null)
                        yield return (title, body.ToString().Trim('\n'));
                    title = line[4..].Trim();
                    body.Clear();
                }
                else if (title != null)
                {
                    body.Append(line).Append('\n');
                }
            }
            if (title != null)
                yield return (title, body.ToString().Trim('\n'));
        }
    }
}
