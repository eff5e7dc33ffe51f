using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>
/// Every assembly in the staged module folder against each host the manifest promises, without running them: pwsh
/// 7.4 (.NET 8), 7.5 (.NET 9), 7.6 (.NET 10) and Windows PowerShell 5.1 (.NET Framework 4.7.2). The hosts' own
/// assembly versions come from tests/HostAssemblies/host-assemblies.tsv (read from the public reference packages).
/// </summary>
public sealed class ModuleDependencyTests
{
    private sealed record Reference(string Name, Version Version, byte[] PublicKeyToken);

    private sealed record ShippedAssembly(
        string Path,
        string Name,
        Version Version,
        IReadOnlyList<Reference> References
    );

    private static readonly Dictionary<string, Dictionary<string, Version>> HostAssemblies = ReadHostTable();

    public static TheoryData<string> Hosts => new() { "pwsh-7.4", "pwsh-7.5", "pwsh-7.6", "winps-5.1" };

    [Theory]
    [MemberData(nameof(Hosts))]
    public void No_assembly_in_the_module_folder_conflicts_with_a_supported_host(string host)
    {
        Assert.Empty(Conflicts(host, Repository.StagedModule));
    }

    [Theory]
    [InlineData("linux-x64")]
    [InlineData("linux-arm64")]
    [InlineData("win-x64")]
    [InlineData("osx-arm64")]
    public void The_ReadyToRun_images_need_nothing_PowerShell_7_6_lacks(string platform)
    {
        string images = Path.Combine(Repository.StagedModule, "readytorun", "net10.0", platform);
        Assert.Empty(Conflicts("pwsh-7.6", images));
    }

    [Fact]
    public void The_table_covers_each_host_and_the_names_that_have_bitten_modules_before()
    {
        // pwsh 7.4's .NET 8 holds System.Text.Json 8.0.0.0 and no System.IO.Pipelines; .NET Framework 4.7.2 has
        // neither.
        Assert.Equal(new Version(8, 0, 0, 0), HostAssemblies["pwsh-7.4"]["System.Text.Json"]);
        Assert.False(HostAssemblies["pwsh-7.4"].ContainsKey("System.IO.Pipelines"));
        Assert.Equal(new Version(9, 0, 0, 0), HostAssemblies["pwsh-7.5"]["System.IO.Pipelines"]);
        Assert.Equal(new Version(10, 0, 0, 0), HostAssemblies["pwsh-7.6"]["System.Text.Json"]);
        Assert.Equal(new Version(2, 0, 0, 0), HostAssemblies["winps-5.1"]["netstandard"]);
        Assert.False(HostAssemblies["winps-5.1"].ContainsKey("System.Text.Json"));
    }

    [Fact]
    public void The_check_refuses_the_module_as_it_was_first_built()
    {
        // Evonic.Sessions.dll once referenced System.Text.Json 10.0.0.0 (and it System.IO.Pipelines 10.0.0.0).
        var json10 = (
            "Evonic.Sessions",
            new Reference("System.Text.Json", new Version(10, 0, 0, 0), Array.Empty<byte>())
        );
        var pipelines10 = (
            "System.Text.Json",
            new Reference("System.IO.Pipelines", new Version(10, 0, 0, 0), Array.Empty<byte>())
        );
        Assert.Contains(
            "Evonic.Sessions needs System.Text.Json 10.0.0.0; pwsh-7.4 has 8.0.0.0",
            Conflicts("pwsh-7.4", Repository.StagedModule, json10)
        );
        Assert.Contains(
            "System.Text.Json needs System.IO.Pipelines 10.0.0.0; pwsh-7.5 has 9.0.0.0",
            Conflicts("pwsh-7.5", Repository.StagedModule, pipelines10)
        );
        Assert.Empty(Conflicts("pwsh-7.6", Repository.StagedModule, json10));
    }

    [Fact]
    public void On_Windows_PowerShell_the_resolver_answers_each_reference_the_module_folder_must_satisfy()
    {
        // .NET Framework binds strong names exactly: every reference to a shipped assembly at another version is
        // answered by the module's AssemblyResolve handler, and only with a copy at least as new.
        var resolver = Assembly
            .LoadFrom(Path.Combine(Repository.StagedModule, "Evonic.Sessions.PowerShell.dll"))
            .GetType("Evonic.Sessions.PowerShell.ModuleAssemblyResolver", throwOnError: true)!
            .GetMethod("FindInFolder")!;
        string? FindName(AssemblyName name) =>
            (string?)resolver.Invoke(null, new object[] { Repository.StagedModule, name });
        string? Find(string name) => FindName(new AssemblyName(name));

        Assert.Equal(
            Path.Combine(Repository.StagedModule, "System.Runtime.CompilerServices.Unsafe.dll"),
            Find(
                "System.Runtime.CompilerServices.Unsafe, Version=4.0.4.1, Culture=neutral, "
                    + "PublicKeyToken=b03f5f7f11d50a3a"
            )
        );
        Assert.Null(
            Find(
                "System.Runtime.CompilerServices.Unsafe, Version=99.0.0.0, Culture=neutral, "
                    + "PublicKeyToken=b03f5f7f11d50a3a"
            )
        );
        Assert.Null(Find("System.Memory, Version=4.0.1.1, Culture=neutral, PublicKeyToken=0123456789abcdef"));
        Assert.Null(Find("Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed"));
        Assert.Null(FindName(new AssemblyName { Name = "../Evonic.Sessions.PowerShell.Tests/evil" }));

        int redirected = 0;
        var shipped = ReadFolder(Repository.StagedModule).ToDictionary(a => a.Name);
        foreach (ShippedAssembly assembly in shipped.Values)
        foreach (
            Reference reference in assembly.References.Where(r =>
                shipped.TryGetValue(r.Name, out var own) && own.Version != r.Version
            )
        )
        {
            Assert.Equal(shipped[reference.Name].Path, Find(Display(reference)));
            redirected++;
        }
        Assert.True(
            redirected > 0,
            "the module's dependencies are expected to reference one another at differing versions"
        );
    }

    /// <summary>What would fail to load on <paramref name="host"/>, one line each.</summary>
    private static List<string> Conflicts(
        string host,
        string folder,
        (string From, Reference Reference)? extraReference = null
    )
    {
        Dictionary<string, Version> provided = HostAssemblies[host];
        bool netFramework = host.StartsWith("winps", StringComparison.Ordinal);
        var shipped = ReadFolder(folder).ToDictionary(a => a.Name);
        var references = shipped
            .Values.SelectMany(a => a.References.Select(r => (From: a.Name, Reference: r)))
            .ToList();
        if (extraReference is { } extra)
            references.Add(extra);

        var problems = new List<string>();
        foreach (var (from, reference) in references)
        {
            // The host itself: PowerShellStandard.Library's 3.0.0.0 binds to every PowerShell's engine.
            if (reference.Name == "System.Management.Automation")
                continue;
            if (provided.TryGetValue(reference.Name, out Version? hostVersion))
            {
                // .NET binds to the framework's copy first, and cannot load a newer one beside it.
                if (reference.Version > hostVersion)
                    problems.Add($"{from} needs {reference.Name} {reference.Version}; {host} has {hostVersion}");
                continue;
            }
            if (!shipped.TryGetValue(reference.Name, out ShippedAssembly? own))
                problems.Add(
                    $"{from} needs {reference.Name} {reference.Version}, which neither {host} nor the module folder has"
                );
            else if (own.Version < reference.Version)
                problems.Add($"{from} needs {reference.Name} {reference.Version}; the module folder has {own.Version}");
            else if (netFramework && own.Version != reference.Version && !HasResolver(shipped))
                problems.Add(
                    $"{from} needs {reference.Name} {reference.Version}; the folder's {own.Version} binds on .NET "
                        + $"Framework only through a resolver, and the module has none"
                );
        }
        return problems.Distinct().ToList();
    }

    private static bool HasResolver(Dictionary<string, ShippedAssembly> shipped) =>
        shipped.TryGetValue("Evonic.Sessions.PowerShell", out var cmdlets)
        && ReadTypeNames(cmdlets.Path).Contains("Evonic.Sessions.PowerShell.ModuleAssemblyResolver");

    private static IEnumerable<ShippedAssembly> ReadFolder(string folder)
    {
        foreach (string path in Directory.GetFiles(folder, "*.dll"))
        {
            using var pe = new PEReader(File.OpenRead(path));
            if (!pe.HasMetadata)
                continue;
            MetadataReader metadata = pe.GetMetadataReader();
            AssemblyDefinition definition = metadata.GetAssemblyDefinition();
            var references = metadata
                .AssemblyReferences.Select(metadata.GetAssemblyReference)
                .Select(r => new Reference(
                    metadata.GetString(r.Name),
                    r.Version,
                    metadata.GetBlobBytes(r.PublicKeyOrToken)
                ))
                .ToList();
            yield return new ShippedAssembly(path, metadata.GetString(definition.Name), definition.Version, references);
        }
    }

    private static HashSet<string> ReadTypeNames(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        MetadataReader metadata = pe.GetMetadataReader();
        return metadata
            .TypeDefinitions.Select(metadata.GetTypeDefinition)
            .Select(t => metadata.GetString(t.Namespace) + "." + metadata.GetString(t.Name))
            .ToHashSet();
    }

    private static string Display(Reference reference)
    {
        string token =
            reference.PublicKeyToken.Length == 0
                ? "null"
                : Convert.ToHexString(reference.PublicKeyToken).ToLowerInvariant();
        return $"{reference.Name}, Version={reference.Version}, Culture=neutral, PublicKeyToken={token}";
    }

    private static Dictionary<string, Dictionary<string, Version>> ReadHostTable()
    {
        var hosts = new Dictionary<string, Dictionary<string, Version>>(StringComparer.Ordinal);
        foreach (
            string line in File.ReadLines(
                Path.Combine(Repository.Root, "tests", "HostAssemblies", "host-assemblies.tsv")
            )
        )
        {
            if (line.StartsWith('#') || line.StartsWith("host\t", StringComparison.Ordinal) || line.Length == 0)
                continue;
            string[] fields = line.Split('\t');
            if (!hosts.TryGetValue(fields[0], out var assemblies))
                hosts[fields[0]] = assemblies = new(StringComparer.OrdinalIgnoreCase);
            assemblies[fields[1]] = Version.Parse(fields[2]);
        }
        return hosts;
    }
}
