#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# PowerShell remoting over SSH, for real: an sshd of the test's own (its own config, host key and authorized key,
# bound to 127.0.0.1 on a free port, the machine's ssh configuration untouched) whose powershell subsystem is the pwsh
# the suite runs on. Two "hosts", 127.0.0.1 and localhost, each with its own sample instance, stand for a fleet.

BeforeDiscovery {
    $sshd = @('/usr/sbin/sshd', (Get-Command sshd -CommandType Application -ErrorAction Ignore).Source) | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
    $tools = $sshd -and (Get-Command ssh -CommandType Application -ErrorAction Ignore) -and (Get-Command ssh-keygen -CommandType Application -ErrorAction Ignore)
    # CI sets EVONIC_REQUIRE_REMOTING=1 (and installs openssh-server): there, a missing sshd fails instead of skipping.
    if (-not $tools -and $env:EVONIC_REQUIRE_REMOTING -eq '1') { throw 'EVONIC_REQUIRE_REMOTING=1, but sshd, ssh or ssh-keygen is missing (Debian: openssh-server).' }
    $skip = $IsWindows -or -not $tools
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $remoteExamples = @(Get-DocumentedExample | Where-Object Remote | ForEach-Object { @{ Source = $_.Source; Code = $_.Code } })
}

Describe 'Remoting over SSH' -Skip:$skip {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Common.ps1')
        $sshdPath = @('/usr/sbin/sshd', (Get-Command sshd -CommandType Application -ErrorAction Ignore).Source) | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
        $ssh = Join-Path $TestDrive 'ssh'
        New-Item -ItemType Directory $ssh | Out-Null
        ssh-keygen -q -t ed25519 -N '' -f (Join-Path $ssh 'host_key') | Out-Null
        ssh-keygen -q -t ed25519 -N '' -f (Join-Path $ssh 'user_key') | Out-Null
        Copy-Item (Join-Path $ssh 'user_key.pub') (Join-Path $ssh 'authorized_keys')
        # The subsystem runs with sshd's bare environment: a wrapper carries DOTNET_ROOT for a pwsh that needs it, and
        # makes each address a host of its own, as a fleet's machines are: its own HOME (~/.evonic, a crontab), the
        # module installed on its module path, the scheduler stand-ins first on PATH.
        $bin = New-SchedulerStandIn (Join-Path $TestDrive 'remote-bin')
        $modules = Split-Path (Split-Path $manifest)
        $subsystem = Join-Path $ssh 'pwsh-subsystem'
        Set-Content $subsystem ("#!/bin/sh`n" + $(if ($env:DOTNET_ROOT) { "export DOTNET_ROOT='$env:DOTNET_ROOT'`n" }) +
            "export HOME=`"$ssh/home-`$(echo `"`$SSH_CONNECTION`" | cut -d' ' -f3)`" PSModulePath='$modules' PATH=`"$($bin):`$PATH`"`n" +
            "exec '$pwshCommand' `"`$@`"`n") -NoNewline
        chmod +x $subsystem
        $hostHomes = @{ '127.0.0.1' = (Join-Path $ssh 'home-127.0.0.1'); '127.0.0.2' = (Join-Path $ssh 'home-127.0.0.2') }
        $hostHomes.Values | ForEach-Object { New-Item -ItemType Directory $_ | Out-Null }
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        Set-Content (Join-Path $ssh 'sshd_config') @"
ListenAddress 127.0.0.1
ListenAddress 127.0.0.2
Port $port
HostKey $ssh/host_key
PidFile $ssh/sshd.pid
AuthorizedKeysFile $ssh/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
Subsystem powershell $subsystem -sshs -NoLogo
"@
        # sshd run as root wants its privilege-separation folder (normally made when the ssh service starts).
        if ((id -u) -eq '0' -and -not (Test-Path /run/sshd)) { New-Item -ItemType Directory /run/sshd | Out-Null }
        $start = [Diagnostics.ProcessStartInfo]::new($sshdPath)
        foreach ($a in '-D', '-f', (Join-Path $ssh 'sshd_config'), '-E', (Join-Path $ssh 'sshd.log')) { $start.ArgumentList.Add($a) }
        $sshdProcess = [Diagnostics.Process]::Start($start)
        $deadline = [DateTime]::UtcNow.AddSeconds(15)
        do {
            Start-Sleep -Milliseconds 100
            $client = [Net.Sockets.TcpClient]::new()
            try { $client.Connect('127.0.0.1', $port); $up = $true } catch { $up = $false } finally { $client.Dispose() }
        } until ($up -or $sshdProcess.HasExited -or [DateTime]::UtcNow -gt $deadline)
        if (-not $up) { throw "The test's sshd did not start: $(Get-Content (Join-Path $ssh 'sshd.log') -Raw)" }

        # The instance the documented examples are written for (New-ExampleInstance), each host's copy made anew per example.
        $exampleHome = Join-Path $TestDrive 'example-home'
        $exampleInstance = New-ExampleInstance $exampleHome
        $saved = $env:HOME, $env:PATH
        try {
            $env:HOME = $exampleHome; $env:PATH = "$bin$([IO.Path]::PathSeparator)$env:PATH"
            $null = Register-EvonicSessionCleanup -Path $exampleInstance -Scheduler Cron -PwshPath $pwshCommand -Confirm:$false
        }
        finally { $env:HOME, $env:PATH = $saved }

        # Never write the user's known_hosts: the host key is the test's own and changes every run.
        $remote = @{
            Port = $port; UserName = [Environment]::UserName; KeyFilePath = (Join-Path $ssh 'user_key')
            Options = @{ StrictHostKeyChecking = 'no'; UserKnownHostsFile = '/dev/null'; LogLevel = 'ERROR' }
        }
        $hostNames = '127.0.0.1', 'localhost'
        $sessions = New-PSSession -HostName $hostNames @remote -ErrorAction Stop
        function Get-Table($objects) { ($objects | Out-String -Width 250) -split "`r?`n" | ForEach-Object TrimEnd }
    }

    AfterAll {
        if ($sessions) { Remove-PSSession $sessions }
        if ($sshdProcess -and -not $sshdProcess.HasExited) { $sshdProcess.Kill(); $sshdProcess.WaitForExit(10000) | Out-Null }
    }

    BeforeEach {
        # Each host its own instance, found the way a host's nightly job finds it: $env:EVONIC_HOME.
        $instances = @{}
        foreach ($session in $sessions) {
            $instances[$session.ComputerName] = New-SampleInstance
            Invoke-Command -Session $session -ScriptBlock {
                param($manifest, $instance)
                Import-Module $manifest
                $env:EVONIC_HOME = $instance
                Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS -ErrorAction SilentlyContinue
            } -ArgumentList $manifest, $instances[$session.ComputerName]
        }
    }

    It 'Invoke-Command -HostName 127.0.0.1,localhost lists each host''s sessions, as Deserialized objects the view renders' {
        $listed = Invoke-Command -HostName $hostNames @remote -ScriptBlock {
            param($manifest, $instances) Import-Module $manifest; Get-EvonicOldSession -Path $instances[0]
        } -ArgumentList $manifest, @($instances['127.0.0.1'])
        foreach ($name in $hostNames) {
            ($listed | Where-Object PSComputerName -eq $name).SessionId | Sort-Object | Should -Be ($expected | Sort-Object)
        }
        $listed[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.Evonic.Sessions.EvonicSession'
        $table = Get-Table ($listed | Where-Object AgentId -eq 'juno')
        $table | Should -Contain '   Agent: juno'
        $table | Where-Object { $_ -match '^SessionId\s+Kind\s+AgeDays\s+Msgs\s+LogKB\s+Protection\s+PSComputerName$' } | Should -Not -BeNullOrEmpty
        $table | Where-Object { $_ -match '^juno-5\s+Human\s+300\s+3\s+localhost$' } | Should -Not -BeNullOrEmpty
    }

    It 'Remove-EvonicOldSession -PassThru on every host removes each host''s old sessions and says which host' {
        $removed = Invoke-Command -Session $sessions -ScriptBlock { Remove-EvonicOldSession -Force -PassThru }
        foreach ($name in $hostNames) {
            ($removed | Where-Object PSComputerName -eq $name).SessionId | Sort-Object | Should -Be ($expected | Sort-Object)
            Get-EvonicOldSession -Path $instances[$name] | Should -BeNullOrEmpty
        }
        $removed[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.Evonic.Sessions.SessionRemovalResult'
        ($removed | Group-Object Status).Name | Should -Be 'Removed'
        Get-Table ($removed | Where-Object SessionId -eq 'juno-4') |
            Where-Object { $_ -match '^juno\s+juno-4\s+Removed\s+3\s+[1-9]\s+[1-9]\d*\s+(127\.0\.0\.1|localhost)$' } | Should -HaveCount 2
    }

    It 'gives each host''s run report with its PSComputerName' {
        $reports = Invoke-Command -Session $sessions -ScriptBlock {
            Remove-EvonicOldSession -Force -InformationVariable run -InformationAction SilentlyContinue
            ($run | Where-Object Tags -contains 'Summary').MessageData
        }
        $reports | Should -HaveCount 2
        foreach ($name in $hostNames) {
            $report = $reports | Where-Object PSComputerName -eq $name
            $report.Removed | Should -Be $expected.Count
            $report.Errors | Should -Be 0
            $report.InstanceRoot | Should -Be $instances[$name]
            "$report" | Should -Match "^\[SESSION_CLEANUP\] done: removed $($expected.Count) session"
        }
        Get-Table $reports | Where-Object { $_ -match "^\s+18\s+96\s+\d+\s+\d+\s+0\s+0\s+\d+\.\d\s+(127\.0\.0\.1|localhost)$" } | Should -HaveCount 2
        ($reports | Out-String -Width 80) -split "`n" | Where-Object Length -gt 80 | Should -BeNullOrEmpty
    }

    It '-WhatIf on every host changes nothing anywhere' {
        $before = $hostNames | ForEach-Object { Get-InstanceHash $instances[$_] }
        Invoke-Command -Session $sessions -ScriptBlock { Remove-EvonicOldSession -Force -WhatIf } | Should -BeNullOrEmpty
        $hostNames | ForEach-Object { Get-InstanceHash $instances[$_] } | Should -Be $before
    }

    It 'asks for confirmation through a client that cannot answer (-NonInteractive): ConfirmationRequired on each host, nothing removed' {
        $before = $hostNames | ForEach-Object { Get-InstanceHash $instances[$_] }
        Invoke-Command -Session $sessions -ScriptBlock { Remove-EvonicOldSession -AgentId juno } -ErrorAction SilentlyContinue -ErrorVariable failed
        $failed | Should -Not -BeNullOrEmpty
        $failed | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'ConfirmationRequired,*' }
        $failed[0].Exception.Message | Should -Match 'Add -Force'
        $hostNames | ForEach-Object { Get-InstanceHash $instances[$_] } | Should -Be $before
    }

    It 'brings errors back with their ErrorId and the host they came from' {
        Invoke-Command -Session $sessions -ScriptBlock { Get-EvonicOldSession -AgentId nobody } -ErrorAction SilentlyContinue -ErrorVariable failed
        $failed | Should -HaveCount 2
        $failed | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'AgentNotFound,*' }
        $failed.OriginInfo.PSComputerName | Sort-Object | Should -Be ($hostNames | Sort-Object)
    }

    It 'registers the nightly job on each host, and reads it back from each' {
        # The subsystem's PATH starts with the scheduler stand-ins (New-SchedulerStandIn): a crontab in $HOME/crontab.
        $registered = Invoke-Command -Session $sessions -ScriptBlock {
            param($pwsh)
            $env:HOME = Join-Path $env:EVONIC_HOME 'home'
            New-Item -ItemType Directory $env:HOME -Force | Out-Null
            Register-EvonicSessionCleanup -Scheduler Cron -At 04:00 -PwshPath $pwsh -Confirm:$false
            Get-EvonicSessionCleanup
        } -ArgumentList $pwshCommand
        $registered | Should -HaveCount 4
        foreach ($name in $hostNames) {
            ($registered | Where-Object PSComputerName -eq $name).InstanceRoot | Should -Be @($instances[$name], $instances[$name])
        }
        $registered[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.Evonic.Sessions.Scheduling.ScheduledCleanup'
        Get-Table $registered | Where-Object { $_ -match '^evonic-session-cleanup\s+Cron\s+04:00\s+never\s+/.*\s(127\.0\.0\.1|localhost)$' } | Should -HaveCount 4
    }
    It 'runs the documented fleet example as written, on two hosts from hosts.txt: <Source>' -ForEach $remoteExamples {
        # Each host (127.0.0.1, 127.0.0.2) starts from the instance the examples are written for.
        foreach ($hostHome in $hostHomes.Values) {
            Remove-Item $hostHome -Recurse -Force
            Copy-Item $exampleHome $hostHome -Recurse
        }
        $work = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory $work | Out-Null
        Set-Content (Join-Path $work 'hosts.txt') @($hostHomes.Keys)
        # How this test's sshd is reached (port, key, no known_hosts), given as a user's ssh config would give it.
        $PSDefaultParameterValues['Invoke-Command:Port'] = $remote.Port
        $PSDefaultParameterValues['Invoke-Command:UserName'] = $remote.UserName
        $PSDefaultParameterValues['Invoke-Command:KeyFilePath'] = $remote.KeyFilePath
        $PSDefaultParameterValues['Invoke-Command:Options'] = $remote.Options
        Push-Location $work
        try {
            $output = & ([scriptblock]::Create($Code)) -ErrorVariable failed -ErrorAction Continue 2>&1
        }
        finally {
            Pop-Location
            'Port', 'UserName', 'KeyFilePath', 'Options' | ForEach-Object { $PSDefaultParameterValues.Remove("Invoke-Command:$_") }
        }
        $errors = @($output | Where-Object { $_ -is [Management.Automation.ErrorRecord] })
        $errors | Should -BeNullOrEmpty -Because ($errors | Out-String)
        $output | Should -Not -BeNullOrEmpty
        ($output | Out-String -Width 80) | Should -Match '127\.0\.0\.1' -Because 'each host answers'
        ($output | Out-String -Width 80) | Should -Match '127\.0\.0\.2' -Because 'each host answers'
        # ... and did what it says, on each host.
        foreach ($hostHome in $hostHomes.Values) {
            if ($Code -match 'Remove-EvonicOldSession -Force') {
                Get-EvonicOldSession -Path (Join-Path $hostHome '.evonic') | Should -BeNullOrEmpty -Because "the example cleaned $hostHome"
            }
            if ($Code -match 'Register-EvonicSessionCleanup') {
                Get-Content (Join-Path $hostHome 'crontab') -Raw | Should -Match "Remove-EvonicOldSession -Path '$([regex]::Escape((Join-Path $hostHome '.evonic')))'"
            }
        }
    }
}
