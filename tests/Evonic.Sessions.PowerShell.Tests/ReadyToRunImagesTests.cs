using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>
/// What each PowerShell loads, checked on the staged module without running the hosts that cannot run here: the IL
/// assemblies beside the manifest (Windows PowerShell 5.1, PowerShell 7.4/7.5, any platform without images) are plain
/// IL, loadable by every host and bitness; the ReadyToRun images under readytorun/net10.0/&lt;rid&gt;/ (PowerShell
/// 7.6+) are native code of the same assemblies, one folder per platform built. That PowerShell 7.6 loads them is
/// checked in a real pwsh by the Pester suite (Cmdlets.Tests.ps1).
/// </summary>
public sealed class ReadyToRunImagesTests
{
    private static readonly string[] Platforms = { "linux-x64", "linux-arm64", "win-x64", "osx-arm64" };

    private static readonly string[] Images =
    {
        "Evonic.Sessions.dll",
        "Microsoft.Data.Sqlite.dll",
        "SQLitePCLRaw.batteries_v2.dll",
        "SQLitePCLRaw.core.dll",
        "SQLitePCLRaw.provider.e_sqlite3.dll",
    };

    private static string ImageFolder(string platform) =>
        Path.Combine(Repository.StagedModule, "readytorun", "net10.0", platform);

    [Fact]
    public void Every_assembly_beside_the_manifest_is_plain_IL_that_any_host_loads()
    {
        foreach (string path in Directory.GetFiles(Repository.StagedModule, "*.dll"))
        {
            using var pe = new PEReader(File.OpenRead(path));
            Assert.True(pe.HasMetadata, path);
            CorHeader cor = pe.PEHeaders.CorHeader!;
            Assert.Equal(0, cor.ManagedNativeHeaderDirectory.Size);
            Assert.True(cor.Flags.HasFlag(CorFlags.ILOnly), $"{path} is not IL only");
        }
    }

    [Fact]
    public void Each_platform_s_images_are_ReadyToRun_code_of_the_assemblies_beside_the_manifest()
    {
        foreach (string platform in Platforms)
        {
            string folder = ImageFolder(platform);
            Assert.Equal(
                Images,
                Directory.GetFiles(folder, "*.dll").Select(Path.GetFileName).Order(StringComparer.Ordinal)
            );
            foreach (string image in Images)
            {
                string path = Path.Combine(folder, image);
                using var pe = new PEReader(File.OpenRead(path));
                Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, $"{path} is not ReadyToRun");
                Assert.Equal(
                    AssemblyName.GetAssemblyName(Path.Combine(Repository.StagedModule, image)).FullName,
                    AssemblyName.GetAssemblyName(path).FullName
                );
            }
        }
    }
}
