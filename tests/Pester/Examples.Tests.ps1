#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Every README and help example runs, as written, in a pwsh of its own against the instance it is written for
# (New-ExampleInstance at ~/.evonic, with HOME a folder of the test's and its nightly job registered in a crontab
# there). What would remove data (Remove-, Restore-, Optimize-) gets -WhatIf and only says what it would do; the
# nightly job's cmdlets run for real against the scheduler stand-ins of New-SchedulerStandIn, never the machine's.
# One substitution: /srv/evonic, a server's instance, is ~/.evonic here. Examples that run on other hosts are in
# Remoting.Tests.ps1; those for another system's scheduler (Task Scheduler, launchd, systemd where it does not run)
# are parsed and their parameters checked against the cmdlets instead.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $systemd = Test-Path /run/systemd/system
    $runsHere = { param($e) $e.Platform -eq 'Any' -or ($e.Platform -eq 'Windows' -and $IsWindows) -or ($e.Platform -eq 'MacOS' -and $IsMacOS) -or ($e.Platform -eq 'Systemd' -and $systemd) }
    $all = Get-DocumentedExample | Where-Object { -not $_.Remote }
    $examples = @($all | Where-Object { & $runsHere $_ } | ForEach-Object { @{ Source = $_.Source; Code = $_.Code } })
    $elsewhere = @($all | Where-Object { -not (& $runsHere $_) } | ForEach-Object { @{ Source = $_.Source; Code = $_.Code; Platform = $_.Platform } })
}

Describe 'Documented examples' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Common.ps1')
        $fixtureHome = Join-Path $TestDrive 'fixture-home'
        $fixture = New-ExampleInstance $fixtureHome
        $bin = New-SchedulerStandIn (Join-Path $TestDrive 'bin')
        # The package `./build.ps1 -Package` makes, where the README's install example looks for it.
        $packages = New-Item -ItemType Directory (Join-Path $fixtureHome 'artifacts/packages')
        Compress-PSResource -Path (Split-Path $manifest) -DestinationPath $packages.FullName
        # The instance's nightly job, in the fixture's own crontab (the stand-in keeps it in $HOME/crontab).
        $saved = $env:HOME, $env:PATH
        try {
            $env:HOME = $fixtureHome; $env:PATH = "$bin$([IO.Path]::PathSeparator)$env:PATH"
            $null = Register-EvonicSessionCleanup -Path $fixture -Scheduler Cron -PwshPath $pwshCommand -Confirm:$false
        }
        finally { $env:HOME, $env:PATH = $saved }
    }

    It 'has examples to run from the README, every cmdlet''s help and the about_ topics' {
        $all = Get-DocumentedExample
        ($all | Where-Object Source -eq 'README').Count | Should -BeGreaterThan 5
        (Get-Command -Module Evonic.Sessions -CommandType Cmdlet).Name | ForEach-Object {
            $all | Where-Object Source -like "Get-Help $_ *" | Should -Not -BeNullOrEmpty -Because "$_ has examples"
        }
        ($all | Where-Object Source -like 'about_*').Count | Should -BeGreaterThan 5
    }

    It '<Source>: <Code>' -ForEach $examples {
        $exampleHome = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        Copy-Item $fixtureHome $exampleHome -Recurse
        $code = $Code -replace '/srv/evonic', '~/.evonic'
        $whatIf = "'Remove-*:WhatIf' = `$true; 'Restore-*:WhatIf' = `$true; 'Optimize-*:WhatIf' = `$true"
        $script = "`$PSDefaultParameterValues = @{ $whatIf }; `$ErrorActionPreference = 'Stop'`n$code"
        $start = [Diagnostics.ProcessStartInfo]::new($pwshCommand)
        foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $script) { $start.ArgumentList.Add($a) }
        $start.WorkingDirectory = $exampleHome
        $start.RedirectStandardOutput = $start.RedirectStandardError = $start.RedirectStandardInput = $true
        $start.Environment['HOME'] = $exampleHome
        $start.Environment['PATH'] = "$bin$([IO.Path]::PathSeparator)$env:PATH"
        $start.Environment['PSModulePath'] = Split-Path (Split-Path $manifest)
        $start.Environment['NO_COLOR'] = '1'
        foreach ($name in 'EVONIC_HOME', 'EVONIC_SESSION_MAX_AGE_DAYS', 'EVONIC_SESSION_ARCHIVE') { $start.Environment.Remove($name) | Out-Null }
        $process = [Diagnostics.Process]::Start($start)
        $process.StandardInput.Close()
        $stderr = $process.StandardError.ReadToEndAsync()
        $stdout = $process.StandardOutput.ReadToEnd()
        $process.WaitForExit(120000) | Should -BeTrue
        $output = $stdout + $stderr.Result
        $stderr.Result | Should -BeNullOrEmpty -Because $output
        $process.ExitCode | Should -Be 0 -Because $output
    }

    It '<Source> (for <Platform>, checked here): <Code>' -ForEach $elsewhere {
        $tokens = $errors = $null
        $ast = [Management.Automation.Language.Parser]::ParseInput($Code, [ref] $tokens, [ref] $errors)
        $errors | Should -BeNullOrEmpty
        $calls = $ast.FindAll({ param($n) $n -is [Management.Automation.Language.CommandAst] -and $n.GetCommandName() -like '*-Evonic*' }, $true)
        $calls | Should -Not -BeNullOrEmpty
        foreach ($call in $calls) {
            $command = Get-Command $call.GetCommandName() -Module Evonic.Sessions
            foreach ($parameter in $call.CommandElements | Where-Object { $_ -is [Management.Automation.Language.CommandParameterAst] }) {
                $command.Parameters.Keys + $command.Parameters.Values.Aliases | Should -Contain $parameter.ParameterName -Because "$($command.Name) is called with -$($parameter.ParameterName)"
            }
        }
    }
}
