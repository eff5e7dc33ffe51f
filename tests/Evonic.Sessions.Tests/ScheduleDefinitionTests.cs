using System.Globalization;
using Evonic.Sessions.Scheduling;

namespace Evonic.Sessions.Tests;

/// <summary>The unit files, cron line, launchd plist and task XML the schedulers get, byte for byte.</summary>
public sealed class ScheduleDefinitionTests
{
    private const string Command =
        "Import-Module '/opt/evonic/Modules/Evonic.Sessions/Evonic.Sessions.psd1'; Remove-EvonicOldSession -Path "
        + "'/srv/evonic' -Force -LogPath '/srv/evonic/logs/session-cleanup.log'; exit [int](-not $?)";

    private static CleanupSchedule Schedule(int? maxAgeDays = null, string root = "/srv/evonic") =>
        new(
            CleanupSchedule.DefaultName,
            root,
            new TimeSpan(4, 0, 0),
            "/opt/evonic/Modules/Evonic.Sessions/Evonic.Sessions.psd1",
            "/usr/bin/pwsh",
            root + "/logs/session-cleanup.log",
            maxAgeDays
        );

    [Fact]
    public void The_command_imports_the_module_removes_with_Force_logs_and_exits_1_on_any_error()
    {
        Assert.Equal(Command, Schedule().Command);
        Assert.Equal(new[] { "-NoProfile", "-NonInteractive", "-Command", Command }, Schedule().Arguments);
        Assert.EndsWith(
            "-LogPath '/srv/evonic/logs/session-cleanup.log' -MaxAgeDays 30; exit [int](-not $?)",
            Schedule(30).Command
        );
        Assert.Contains("-Path '/srv/o''brien'", Schedule(root: "/srv/o'brien").Command);
    }

    [Fact]
    public void The_systemd_service_and_timer()
    {
        Assert.Equal(
            "[Unit]\n"
                + "Description=Evonic session cleanup of /srv/evonic\n"
                + "Documentation=man:systemd.timer(5)\n"
                + "\n"
                + "[Service]\n"
                + "Type=oneshot\n"
                + "ExecStart=/usr/bin/pwsh -NoProfile -NonInteractive -Command \"Import-Module "
                + "'/opt/evonic/Modules/Evonic.Sessions/Evonic.Sessions.psd1'; Remove-EvonicOldSession -Path "
                + "'/srv/evonic' -Force -LogPath '/srv/evonic/logs/session-cleanup.log'; exit [int](-not "
                + "$$?)\"\n",
            SystemdUnits.Service(Schedule())
        );
        Assert.Equal(
            "[Unit]\n"
                + "Description=Daily Evonic session cleanup of /srv/evonic\n"
                + "\n"
                + "[Timer]\n"
                + "OnCalendar=*-*-* 04:00:00\n"
                + "Persistent=true\n"
                + "Unit=evonic-session-cleanup.service\n"
                + "\n"
                + "[Install]\n"
                + "WantedBy=timers.target\n",
            SystemdUnits.Timer(Schedule())
        );
    }

    [Fact]
    public void The_systemd_command_line_escapes_what_systemd_would_expand()
    {
        var odd = new CleanupSchedule(
            "x",
            "/srv/100%/evonic",
            new TimeSpan(23, 59, 0),
            "/m.psd1",
            "/opt/power shell/pwsh",
            "/l\"og",
            null
        );
        Assert.Equal(
            "\"/opt/power shell/pwsh\" -NoProfile -NonInteractive -Command \"Import-Module '/m.psd1'; "
                + "Remove-EvonicOldSession -Path '/srv/100%%/evonic' -Force -LogPath '/l\\\"og'; exit [int](-not "
                + "$$?)\"",
            SystemdUnits.ExecStart(odd)
        );
        Assert.Contains("OnCalendar=*-*-* 23:59:00\n", SystemdUnits.Timer(odd));
    }

    [Fact]
    public void The_cron_line_and_its_place_in_the_crontab()
    {
        string line =
            "0 4 * * * /usr/bin/pwsh -NoProfile -NonInteractive -Command \"Import-Module "
            + "'/opt/evonic/Modules/Evonic.Sessions/Evonic.Sessions.psd1'; Remove-EvonicOldSession -Path "
            + "'/srv/evonic' -Force -LogPath '/srv/evonic/logs/session-cleanup.log'; exit [int](-not \\$?)\"";
        Assert.Equal(line, CronTable.Line(Schedule()));
        Assert.Contains("-Path '/srv/100\\%'", CronTable.Line(Schedule(root: "/srv/100%")));

        const string mine = "MAILTO=admin@example.org\n30 2 * * 0 /usr/local/bin/backup.sh\n";
        string withEntry = CronTable.WithEntry(mine, Schedule());
        Assert.Equal(
            mine
                + "# evonic-session-cleanup: Evonic session cleanup, managed by Register-EvonicSessionCleanup\n"
                + line
                + "\n",
            withEntry
        );
        // registering again replaces, never duplicates
        Assert.Equal(withEntry, CronTable.WithEntry(withEntry, Schedule()));
        Assert.Equal(line, CronTable.FindLine(withEntry, CleanupSchedule.DefaultName));
        Assert.Equal(mine, CronTable.WithoutEntry(withEntry, CleanupSchedule.DefaultName));
        Assert.Equal("", CronTable.WithoutEntry(CronTable.WithEntry("", Schedule()), CleanupSchedule.DefaultName));
    }

    [Fact]
    public void The_launchd_agent()
    {
        Assert.Equal(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                + "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                + "<plist version=\"1.0\">\n"
                + "<dict>\n"
                + "  <key>Label</key>\n  <string>org.evonic.evonic-session-cleanup</string>\n"
                + "  <key>ProgramArguments</key>\n  <array>\n"
                + "    <string>/usr/bin/pwsh</string>\n"
                + "    <string>-NoProfile</string>\n"
                + "    <string>-NonInteractive</string>\n"
                + "    <string>-Command</string>\n"
                + "    <string>Import-Module '/opt/evonic/Modules/Evonic.Sessions/Evonic.Sessions.psd1'; "
                + "Remove-EvonicOldSession -Path '/srv/evonic' -Force -LogPath "
                + "'/srv/evonic/logs/session-cleanup.log'; exit [int](-not $?)</string>\n"
                + "  </array>\n"
                + "  <key>StartCalendarInterval</key>\n  <dict>\n"
                + "    <key>Hour</key>\n    <integer>4</integer>\n"
                + "    <key>Minute</key>\n    <integer>0</integer>\n"
                + "  </dict>\n"
                + "  <key>StandardErrorPath</key>\n  <string>/srv/evonic/logs/session-cleanup.log.stderr</string>\n"
                + "</dict>\n"
                + "</plist>\n",
            LaunchdAgent.Plist(Schedule())
        );
    }

    [Fact]
    public void The_task_scheduler_task()
    {
        var windows = new CleanupSchedule(
            CleanupSchedule.DefaultName,
            @"D:\Evonic",
            new TimeSpan(4, 0, 0),
            @"C:\Program Files\PowerShell\Modules\Evonic.Sessions\Evonic.Sessions.psd1",
            @"C:\Program Files\PowerShell\7\pwsh.exe",
            @"D:\Evonic\logs\session-cleanup.log",
            null
        );
        Assert.Equal(
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n"
                + "<Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\r\n"
                + "  <RegistrationInfo>\r\n"
                + "    <Description>Evonic session cleanup of D:\\Evonic</Description>\r\n"
                + "    <URI>\\evonic-session-cleanup</URI>\r\n"
                + "  </RegistrationInfo>\r\n"
                + "  <Triggers>\r\n    <CalendarTrigger>\r\n"
                + "      <StartBoundary>2026-01-01T04:00:00</StartBoundary>\r\n"
                + "      <ScheduleByDay>\r\n        <DaysInterval>1</DaysInterval>\r\n      </ScheduleByDay>\r\n"
                + "    </CalendarTrigger>\r\n  </Triggers>\r\n"
                + "  <Principals>\r\n    <Principal id=\"Author\">\r\n"
                + "      <UserId>EVONIC\\svc-evonic</UserId>\r\n"
                + "      <LogonType>S4U</LogonType>\r\n      <RunLevel>LeastPrivilege</RunLevel>\r\n"
                + "    </Principal>\r\n  </Principals>\r\n"
                + "  <Settings>\r\n"
                + "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\r\n"
                + "    <StartWhenAvailable>true</StartWhenAvailable>\r\n"
                + "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>\r\n"
                + "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>\r\n"
                + "    <ExecutionTimeLimit>PT4H</ExecutionTimeLimit>\r\n"
                + "  </Settings>\r\n"
                + "  <Actions Context=\"Author\">\r\n    <Exec>\r\n"
                + "      <Command>C:\\Program Files\\PowerShell\\7\\pwsh.exe</Command>\r\n"
                + "      <Arguments>-NoProfile -NonInteractive -Command \"Import-Module 'C:\\Program "
                + "Files\\PowerShell\\Modules\\Evonic.Sessions\\Evonic.Sessions.psd1'; Remove-EvonicOldSession "
                + "-Path 'D:\\Evonic' -Force -LogPath 'D:\\Evonic\\logs\\session-cleanup.log'; exit [int](-not "
                + "$?)\"</Arguments>\r\n"
                + "    </Exec>\r\n  </Actions>\r\n"
                + "</Task>\r\n",
            TaskSchedulerTask.Xml(windows, @"EVONIC\svc-evonic")
        );
        ScheduledCleanup read = WindowsTaskScheduler.FromTaskXml(
            "evonic-session-cleanup",
            TaskSchedulerTask.Xml(windows, "u")
        );
        Assert.Equal(new TimeSpan(4, 0, 0), read.At);
        Assert.Equal(@"D:\Evonic", read.InstanceRoot);
        Assert.Equal(@"D:\Evonic\logs\session-cleanup.log", read.LogPath);
    }

    [Fact]
    public void Windows_registers_the_task_with_schtasks_from_its_XML_kept_in_LOCALAPPDATA()
    {
        using var temp = new TempFolder();
        var scheduler = new SchedulerFactory(name => name == "LOCALAPPDATA" ? temp.Path : null).Create(
            SchedulerKind.TaskScheduler
        );
        var steps = scheduler.PlanRegister(Schedule(), SchedulerScope.CurrentUser);
        string xml = Path.Combine(temp.Path, "Evonic.Sessions", "evonic-session-cleanup.xml");
        Assert.Equal(new[] { SchedulerStepKind.WriteFile, SchedulerStepKind.RunTool }, steps.Select(s => s.Kind));
        Assert.Equal(xml, steps[0].Target);
        Assert.Equal(new[] { "/Create", "/TN", "evonic-session-cleanup", "/XML", xml, "/F" }, steps[1].Arguments);
        Assert.Equal("schtasks", steps[1].Target);

        steps[0].Execute(); // the XML declares UTF-16: it is written as UTF-16 (with its BOM), as schtasks expects
        byte[] bytes = File.ReadAllBytes(xml);
        Assert.Equal(new byte[] { 0xFF, 0xFE }, bytes.Take(2));
        Assert.StartsWith(
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
            System.Text.Encoding.Unicode.GetString(bytes, 2, bytes.Length - 2)
        );

        // Nothing registered (no schtasks here): nothing to unregister, and AllUsers is refused as for cron and
        // launchd.
        Assert.Empty(scheduler.PlanUnregister("evonic-session-cleanup", SchedulerScope.CurrentUser));
        Assert.Equal(
            EvonicErrorKind.InvalidSetting,
            Assert.Throws<EvonicException>(() => scheduler.PlanRegister(Schedule(), SchedulerScope.AllUsers)).Kind
        );
    }

    [Theory]
    [InlineData("24:00:00")]
    [InlineData("-01:00:00")]
    [InlineData("04:00:30")]
    public void A_time_that_is_not_a_minute_of_the_day_is_refused(string at)
    {
        Assert.Equal(
            EvonicErrorKind.InvalidSetting,
            Assert
                .Throws<EvonicException>(() =>
                    new CleanupSchedule(
                        "n",
                        "/r",
                        TimeSpan.Parse(at, CultureInfo.InvariantCulture),
                        "/m",
                        "/p",
                        "/l",
                        null
                    )
                )
                .Kind
        );
        Assert.Throws<EvonicException>(() =>
            new CleanupSchedule("bad name", "/r", TimeSpan.FromHours(4), "/m", "/p", "/l", null)
        );
    }
}
