using System.Management.Automation.Host;

namespace Evonic.Sessions.PowerShell.Tests;

/// <summary>Just enough of a console for the formatter: its width, and colours that are remembered but not
/// drawn.</summary>
public sealed class ScriptedRawUserInterface : PSHostRawUserInterface
{
    private static int Width()
    {
        try
        {
            return Console.IsOutputRedirected || Console.WindowWidth <= 0 ? 120 : Console.WindowWidth;
        }
        catch (IOException)
        {
            return 120;
        }
    }

    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
    public override Coordinates CursorPosition { get; set; }
    public override Coordinates WindowPosition { get; set; }
    public override int CursorSize { get; set; } = 25;
    public override Size BufferSize
    {
        get => new(Width(), 9999);
        set { }
    }
    public override Size WindowSize
    {
        get => new(Width(), 50);
        set { }
    }
    public override Size MaxWindowSize => WindowSize;
    public override Size MaxPhysicalWindowSize => WindowSize;
    public override bool KeyAvailable => false;
    public override string WindowTitle { get; set; } = "Evonic.Sessions";

    public override KeyInfo ReadKey(ReadKeyOptions options) =>
        throw new NotSupportedException("This host does not read single keys.");

    public override void FlushInputBuffer() { }

    public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();

    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) =>
        throw new NotSupportedException();

    public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }

    public override void ScrollBufferContents(
        Rectangle source,
        Coordinates destination,
        Rectangle clip,
        BufferCell fill
    ) => throw new NotSupportedException();
}
