#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# The nightly run for real: register with cron or systemd (stand-in crontab and systemctl that record what they are
# given), read the command line back with Get-EvonicSessionCleanup, and run it the way that scheduler would: cron
# hands the line to /bin/sh, systemd splits ExecStart itself; both with a scheduler's bare environment and a stdin
# that never answers, with the pwsh the suite runs on. Linux and macOS only (Task Scheduler is not emulated).

BeforeDiscovery {
    $schedulers = @(@{ Scheduler = 'Cron' }, @{ Scheduler = 'Systemd' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    if ($IsWindows) { return } # cron and systemd: the stand-ins are sh scripts
    $bin = Join-Path $TestDrive 'bin'
    New-Item -ItemType Directory $bin | Out-Null
    $crontabFile = Join-Path $TestDrive 'crontab.txt'
    function New-Tool([string] $name, [string] $script) {
        $path = Join-Path $bin $name
        Set-Content $path "#!/bin/sh`n$script`n" -NoNewline
        chmod +x $path
    }
    New-Tool systemctl "echo ""systemctl `$*"" >> '$TestDrive/calls.txt'"
    New-Tool crontab @"
if [ "`$1" = "-l" ]; then
  if [ -f '$crontabFile' ]; then cat '$crontabFile'; else echo "no crontab for `$USER" >&2; exit 1; fi
elif [ "`$1" = "-" ]; then cat > '$crontabFile'; fi
"@
    $savedPath, $savedHome, $savedXdg = $env:PATH, $env:HOME, $env:XDG_CONFIG_HOME
    $env:PATH = "$bin$([IO.Path]::PathSeparator)$env:PATH"
    $env:HOME = Join-Path $TestDrive 'home'
    Remove-Item Env:XDG_CONFIG_HOME -ErrorAction SilentlyContinue

    # systemd: ExecStart split into words its way (double quotes with C escapes, single quotes), '%%' and '$$' undone.
    function Invoke-AsSystemd([string] $serviceFile) {
        $execStart = (Get-Content $serviceFile | Where-Object { $_ -like 'ExecStart=*' }).Substring('ExecStart='.Length)
        $words = [regex]::Matches($execStart, '"((?:[^"\\]|\\.)*)"|''([^'']*)''|(\S+)') | ForEach-Object {
            $word = if ($_.Groups[1].Success) { [regex]::Replace($_.Groups[1].Value, '\\(.)', '$1') } elseif ($_.Groups[2].Success) { $_.Groups[2].Value } else { $_.Groups[3].Value }
            $word.Replace('%%', '%').Replace('$$', '$')
        }
        Start-AsScheduler $words[0] @($words | Select-Object -Skip 1) @{ HOME = $env:HOME; USER = 'evonic'; PATH = '/usr/local/bin:/usr/bin:/bin' }
    }

    # Registers, reads back, and runs the schedule as its scheduler would.
    function Invoke-Scheduled([string] $scheduler, [string] $instance, [switch] $Archive, [switch] $Optimize) {
        $registered = Register-EvonicSessionCleanup -Path $instance -Scheduler $scheduler -PwshPath $pwshCommand -At 04:00 -Archive:$Archive -Optimize:$Optimize -Confirm:$false
        $schedule = Get-EvonicSessionCleanup -Scheduler $scheduler
        $schedule.InstanceRoot | Should -Be $instance
        $schedule.Command | Should -BeLike "*Remove-EvonicOldSession -Path '$($instance.Replace("'", "''"))' -Force*"
        $registered.Command | Should -Be $schedule.Command
        if ($scheduler -eq 'Cron') {
            $schedule.Definition | Should -Be 'crontab'
            $line = (Get-Content $crontabFile)[-1]
            Invoke-AsCron $line
        }
        else { Invoke-AsSystemd $schedule.Definition[0] }
    }
}

AfterAll {
    if ($IsWindows) { return }
    $env:PATH, $env:HOME = $savedPath, $savedHome
    if ($savedXdg) { $env:XDG_CONFIG_HOME = $savedXdg }
}

Describe 'The scheduled command line, run as <Scheduler> runs it' -ForEach $schedulers -Skip:$IsWindows {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS -ErrorAction SilentlyContinue
        Remove-Item $crontabFile, (Join-Path $env:HOME '.config') -Recurse -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
        $log = Join-Path $instance 'logs/session-cleanup.log'
    }
    AfterEach { Unregister-EvonicSessionCleanup -Scheduler $Scheduler -Confirm:$false -ErrorAction SilentlyContinue }

    It 'exits 0, removes the old sessions, logs per agent and a closing line, and Get shows the last run' {
        $run = Invoke-Scheduled $Scheduler $instance
        $run.ExitCode | Should -Be 0 -Because $run.Output
        Get-EvonicOldSession -Path $instance | Should -BeNullOrEmpty
        $lines = Get-Content $log
        $lines | Where-Object { $_ -match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \[SESSION_CLEANUP\] agent juno: removed 3 session\(s\)' } | Should -Not -BeNullOrEmpty
        $lines[-1] | Should -Match "Z \[SESSION_CLEANUP\] done: removed $($expected.Count) session\(s\), 96 message\(s\), 14 file\(s\).*; 0 error\(s\)"
        $schedule = Get-EvonicSessionCleanup -Scheduler $Scheduler
        $schedule.LastResult | Should -Be ($lines[-1].Substring(21))
        $schedule.LastRun | Should -BeGreaterThan (Get-Date).ToUniversalTime().AddMinutes(-5)
    }

    It 'exits 1 when an agent fails, after cleaning the others, and logs the failure' {
        Set-Content (Join-Path $instance 'agents/lyra/chat.db') 'not a database' -NoNewline
        $run = Invoke-Scheduled $Scheduler $instance
        $run.ExitCode | Should -Be 1 -Because $run.Output
        Get-EvonicOldSession -Path $instance -AgentId juno, nova, siwa | Should -BeNullOrEmpty
        Get-Content $log | Should -Contain (Get-Content $log | Where-Object { $_ -match '\[SESSION_CLEANUP\] failed: agent lyra: AgentDatabaseUnreadable' } | Select-Object -First 1)
        (Get-Content $log)[-1] | Should -Match '; 1 error\(s\)'
    }

    It 'exits 0 and logs "cleanup disabled" when the instance''s .env sets 0, changing nothing' {
        Add-Content (Join-Path $instance '.env') "`nEVONIC_SESSION_MAX_AGE_DAYS=0"
        $before = Get-InstanceHash $instance | Where-Object { $_ -notmatch '^.logs.' }
        $run = Invoke-Scheduled $Scheduler $instance
        $run.ExitCode | Should -Be 0 -Because $run.Output
        Get-Content $log | Where-Object { $_ -match '\[SESSION_CLEANUP\] cleanup disabled: MaxAgeDays is 0' } | Should -Not -BeNullOrEmpty
        Get-InstanceHash $instance | Where-Object { $_ -notmatch '^.logs.' -and $_ -notmatch 'evonic-session-cleanup\.lock' } | Should -Be $before
    }

    It 'never prompts: stdin stays open and unanswered, and the run ends on its own' {
        $run = Invoke-Scheduled $Scheduler $instance
        $run.ExitCode | Should -Be 0
        $run.Output | Should -Not -Match 'Confirm|\[Y\] Yes|NonInteractive'
    }

    It 'Unregister-EvonicSessionCleanup -WhatIf keeps the schedule; without it the schedule is gone and Get finds nothing' {
        Register-EvonicSessionCleanup -Path $instance -Scheduler $Scheduler -PwshPath $pwshCommand -Confirm:$false | Out-Null
        Unregister-EvonicSessionCleanup -Scheduler $Scheduler -WhatIf
        (Get-EvonicSessionCleanup -Scheduler $Scheduler).InstanceRoot | Should -Be $instance
        Unregister-EvonicSessionCleanup -Scheduler $Scheduler -Confirm:$false
        Get-EvonicSessionCleanup -Scheduler $Scheduler | Should -BeNullOrEmpty
        if ($Scheduler -eq 'Cron') { Get-Content $crontabFile -ErrorAction Ignore | Should -Not -Match 'Remove-EvonicOldSession' }
        else { Join-Path $env:HOME '.config/systemd/user/evonic-session-cleanup.service' | Should -Not -Exist }
    }

    It 'with -Archive, every run archives each session before removing it' {
        $run = Invoke-Scheduled $Scheduler $instance -Archive
        $run.ExitCode | Should -Be 0 -Because $run.Output
        (Get-EvonicSessionCleanup -Scheduler $Scheduler).Command | Should -Match ' -Archive; exit'
        Join-Path $instance 'shared/db/session_archive.db' | Should -Exist
        Get-EvonicOldSession -Path $instance | Should -BeNullOrEmpty
    }

    It 'with -Optimize, every run gives the free pages of incremental databases back and logs the bytes' {
        Optimize-EvonicSessionStore -Path $instance -Force -EnableIncrementalVacuum -Confirm:$false | Out-Null
        $before = (Get-EvonicSessionStore -Path $instance | Measure-Object FileBytes -Sum).Sum
        $run = Invoke-Scheduled $Scheduler $instance -Optimize
        $run.ExitCode | Should -Be 0 -Because $run.Output
        (Get-EvonicSessionCleanup -Scheduler $Scheduler).Command | Should -Match ' -Optimize; exit'
        $after = Get-EvonicSessionStore -Path $instance
        $after | ForEach-Object { $_.FreeBytes | Should -Be 0 -Because "$($_.Path) is incremental" }
        $returned = $before - ($after | Measure-Object FileBytes -Sum).Sum
        $returned | Should -BeGreaterThan 0
        (Get-Content $log)[-1] | Should -Match "\($returned bytes\) returned by databases"
    }

    It 'quotes an instance path with spaces, quotes, % and $ so that the run reaches it' {
        $odd = New-SampleInstance (Join-Path $TestDrive "it's 100% `$HOME here")
        $run = Invoke-Scheduled $Scheduler $odd
        $run.ExitCode | Should -Be 0 -Because $run.Output
        Get-EvonicOldSession -Path $odd | Should -BeNullOrEmpty
        (Get-Content (Join-Path $odd 'logs/session-cleanup.log'))[-1] | Should -Match "done: removed $($expected.Count) session"
    }
}

Describe 'A scheduler that is not installed' -Skip:$IsWindows {
    It 'Get-EvonicSessionCleanup -Scheduler Cron returns nothing and no error when there is no crontab' {
        $env:PATH, $withTools = '/nonexistent', $env:PATH
        try {
            $Error.Clear()
            Get-EvonicSessionCleanup -Scheduler Cron | Should -BeNullOrEmpty
            $Error.Count | Should -Be 0
        }
        finally { $env:PATH = $withTools }
    }

    It 'Register-EvonicSessionCleanup -Scheduler Cron says SchedulerNotFound, and -WhatIf still previews without failing' {
        $instance = New-SampleInstance
        $env:PATH, $withTools = '/nonexistent', $env:PATH
        try {
            { Register-EvonicSessionCleanup -Path $instance -Scheduler Cron -PwshPath $pwshCommand -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'SchedulerNotFound*'
            { Register-EvonicSessionCleanup -Path $instance -Scheduler Cron -PwshPath $pwshCommand -WhatIf -ErrorAction Stop } | Should -Not -Throw
        }
        finally { $env:PATH = $withTools }
    }
}
