#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# The user-facing behaviour of the module, for machines with pwsh and Pester 5 (./build.ps1 -Test).
# Build first (dotnet build): it stages the module at artifacts/module/Evonic.Sessions.

BeforeAll {
    $repo = Split-Path $PSScriptRoot -Parent
    Import-Module (Join-Path $repo 'artifacts/module/Evonic.Sessions/Evonic.Sessions.psd1') -Force
    function New-SampleInstance {
        $path = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        dotnet run --project (Join-Path $repo 'src/Evonic.Sessions.SampleData') -- $path | Out-Null
        if ($LASTEXITCODE) { throw 'The sample instance could not be written.' }
        $path
    }
    function Get-InstanceHash($path) {
        Get-ChildItem $path -Recurse -File | Sort-Object FullName | Get-FileHash | ForEach-Object Hash
    }
    $expected = 'echo-2', 'nova-2', 'nova-4', 'siwa-0rphan01', 'siwa-7b2c', 'siwa-9d4f', 'siwa-a003', 'siwa-a008',
        'siwa-a009', 'siwa-web-1', 'siwa_sub_1-3d89d735'
}

Describe 'Evonic.Sessions' {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS, Env:EVONIC_HOME -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
    }

    It 'exports exactly its five cmdlets' {
        (Get-Command -Module Evonic.Sessions).Name | Sort-Object |
            Should -Be @('Get-EvonicOldSession', 'Get-EvonicSessionCleanup', 'Register-EvonicSessionCleanup', 'Remove-EvonicOldSession', 'Unregister-EvonicSessionCleanup')
    }

    It 'lists exactly the unprotected old sessions' {
        (Get-EvonicOldSession -Path $instance).SessionId | Sort-Object | Should -Be ($expected | Sort-Object)
    }

    It 'shows why protected sessions are kept' {
        $kept = Get-EvonicOldSession -Path $instance -IncludeProtected | Where-Object Protection -ne 'None'
        ($kept | Where-Object SessionId -eq 'siwa-a001').Protection | Should -Match 'HumanTakeover'
        ($kept | Where-Object SessionId -eq 'atlas-1').Protection | Should -Match 'AgentInFocus'
    }

    It '-WhatIf changes nothing' {
        $before = Get-InstanceHash $instance
        Get-EvonicOldSession -Path $instance | Remove-EvonicOldSession -WhatIf
        Get-InstanceHash $instance | Should -Be $before
    }

    It 'removes the same set that -WhatIf listed' {
        $removed = Get-EvonicOldSession -Path $instance | Remove-EvonicOldSession -Force -PassThru
        $removed.SessionId | Sort-Object | Should -Be ($expected | Sort-Object)
        Get-EvonicOldSession -Path $instance | Should -BeNullOrEmpty
    }

    It 'writes a summary to the information stream' {
        Remove-EvonicOldSession -Path $instance -Force -InformationVariable info
        $info[-1].MessageData | Should -Match "^\[SESSION_CLEANUP\] done: removed $($expected.Count) session"
    }

    It 'does nothing when cleanup is disabled' {
        $env:EVONIC_SESSION_MAX_AGE_DAYS = '0'
        $before = Get-InstanceHash $instance
        Remove-EvonicOldSession -Path $instance -Force -WarningVariable warn -WarningAction SilentlyContinue
        $warn | Should -Match 'disabled'
        Get-InstanceHash $instance | Should -Be $before
    }

    It 'names a bad EVONIC_SESSION_MAX_AGE_DAYS' {
        $env:EVONIC_SESSION_MAX_AGE_DAYS = 'ninety'
        { Get-EvonicOldSession -Path $instance -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidSetting*'
    }

    It 'says when a folder is not an Evonic instance' {
        { Get-EvonicOldSession -Path $TestDrive -ErrorAction Stop } | Should -Throw -ErrorId 'NotAnInstance*'
    }

    It 'logs [SESSION_CLEANUP] lines to -LogPath' {
        $log = Join-Path $TestDrive 'cleanup.log'
        Remove-EvonicOldSession -Path $instance -Force -LogPath $log
        (Get-Content $log)[-1] | Should -Match "Z \[SESSION_CLEANUP\] done: removed $($expected.Count) session"
    }

    It 'shows what it would register with -WhatIf, and registers nothing' {
        $pwsh = (Get-Process -Id $PID).Path
        Register-EvonicSessionCleanup -Path $instance -Scheduler Cron -PwshPath $pwsh -WhatIf 6>&1 | Out-Null
        Get-EvonicSessionCleanup -Scheduler Cron | Where-Object InstanceRoot -eq $instance | Should -BeNullOrEmpty
    }
}
