namespace Evonic.Sessions.Tests;

/// <summary>
/// The module's folder, where the code-trust check starts and SQLite's native libraries lie, is the same whether the
/// store runs as the IL assembly beside the manifest or as a ReadyToRun image under
/// readytorun/&lt;tfm&gt;/&lt;rid&gt;/.
/// </summary>
public sealed class ModuleFolderTests : TempFolderTest
{
    [Fact]
    public void An_image_under_readytorun_belongs_to_the_module_folder_three_levels_up()
    {
        string module = Temp.Combine("Evonic.Sessions");
        string images = Path.Combine(module, ModuleLayout.ReadyToRun, "net10.0", "linux-x64");
        Directory.CreateDirectory(images);

        Assert.Equal(module, ModuleFolder.Find(images));
        Assert.Equal(module, ModuleFolder.Find(module));
        // Only the module's own sub-folder counts: a folder merely two levels below another is its own module folder.
        string other = Path.Combine(module, "lib", "net10.0", "linux-x64");
        Assert.Equal(other, ModuleFolder.Find(other));
    }
}
