using System.Globalization;
using System.Text;

namespace Evonic.Sessions.Scheduling;

/// <summary>
/// A launchd agent (macOS) in ~/Library/LaunchAgents: the arguments go to the process as they are (no shell), and
/// StartCalendarInterval runs it daily; a run missed while the Mac slept happens when it wakes.
/// </summary>
public static class LaunchdAgent
{
    public static string Label(string name) => "org.evonic." + name;

    public static string Plist(CleanupSchedule schedule)
    {
        var text = new StringBuilder();
        text.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        text.Append(
            "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                + "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
        );
        text.Append("<plist version=\"1.0\">\n");
        text.Append("<dict>\n");
        text.Append("  <key>Label</key>\n  <string>").Append(Xml(Label(schedule.Name))).Append("</string>\n");
        text.Append("  <key>ProgramArguments</key>\n  <array>\n");
        text.Append("    <string>").Append(Xml(schedule.PwshPath)).Append("</string>\n");
        foreach (string argument in schedule.Arguments)
            text.Append("    <string>").Append(Xml(argument)).Append("</string>\n");
        text.Append("  </array>\n");
        text.Append("  <key>StartCalendarInterval</key>\n  <dict>\n");
        text.Append("    <key>Hour</key>\n    <integer>")
            .Append(schedule.At.Hours.ToString(CultureInfo.InvariantCulture))
            .Append("</integer>\n");
        text.Append("    <key>Minute</key>\n    <integer>")
            .Append(schedule.At.Minutes.ToString(CultureInfo.InvariantCulture))
            .Append("</integer>\n");
        text.Append("  </dict>\n");
        text.Append("  <key>StandardErrorPath</key>\n  <string>")
            .Append(Xml(schedule.LogPath + ".stderr"))
            .Append("</string>\n");
        text.Append("</dict>\n");
        text.Append("</plist>\n");
        return text.ToString();
    }

    // element text: quotes stay readable
    private static string Xml(string value) => value.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
