#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# A person's copy of their data (issue 24, part 2): Export-EvonicUserData as a user runs it in pwsh.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Export-EvonicUserData' {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS, Env:EVONIC_HOME -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
        $file = Join-Path $TestDrive "$([guid]::NewGuid().ToString('N')).json"
    }

    It 'writes every session of the person as JSON that ConvertFrom-Json reads, and changes nothing in the instance' {
        $before = Get-InstanceHash $instance

        $result = Export-EvonicUserData -ExternalUserId alice -Path $file -InstanceRoot $instance

        $copy = Get-Content $file -Raw | ConvertFrom-Json
        $copy.format | Should -Be 'evonic-user-data/1'
        $copy.externalUserId | Should -Be 'alice'
        $copy.sessions.sessionId | Should -Contain 'siwa-3f1a'
        ($copy.sessions | ForEach-Object { $_.messages.Count } | Measure-Object -Sum).Sum | Should -Be $result.Messages
        $result.Path | Should -Be $file
        $result.Sessions | Should -Be @($copy.sessions).Count
        Get-InstanceHash $instance | Should -Be $before
    }

    It 'writes nothing with -WhatIf, and never replaces a file without -Force' {
        Export-EvonicUserData alice $file -InstanceRoot $instance -WhatIf
        Test-Path $file | Should -BeFalse

        Set-Content $file 'keep me'
        Export-EvonicUserData alice $file -InstanceRoot $instance -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'FileExists*'
        Get-Content $file | Should -Be 'keep me'

        Export-EvonicUserData alice $file -InstanceRoot $instance -Force | Out-Null
        (Get-Content $file -Raw | ConvertFrom-Json).externalUserId | Should -Be 'alice'
    }

    It 'makes the copy readable by its owner only' -Skip:$IsWindows {
        Export-EvonicUserData alice $file -InstanceRoot $instance | Out-Null
        (Get-Item $file).UnixMode | Should -Be '-rw-------'
    }
}

Describe 'Remove-EvonicUserData and Get-EvonicErasure' {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS, Env:EVONIC_HOME -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
    }

    It 'changes nothing with -WhatIf' {
        $before = Get-InstanceHash $instance
        Remove-EvonicUserData -ExternalUserId alice -InstanceRoot $instance -Vacuum -WhatIf
        Get-InstanceHash $instance | Should -Be $before
        Get-EvonicErasure -InstanceRoot $instance | Should -BeNullOrEmpty
    }

    It 'erases every session of the person, whatever its age and lookups, and records it without the id' {
        $file = Join-Path $TestDrive 'alice.json'
        $before = (Export-EvonicUserData alice $file -InstanceRoot $instance).Sessions
        $before | Should -BeGreaterThan 0
        $others = (Get-EvonicOldSession -Path $instance -IncludeProtected | Where-Object ExternalUserId -ne 'alice').SessionId

        $record = Remove-EvonicUserData -ExternalUserId alice -InstanceRoot $instance -Vacuum -Force -PassThru

        $record.Complete | Should -BeTrue
        $record.Sessions | Should -Be $before
        (Export-EvonicUserData alice $file -InstanceRoot $instance -Force).Sessions | Should -Be 0
        (Get-EvonicOldSession -Path $instance -IncludeProtected | Where-Object ExternalUserId -ne 'alice').SessionId | Should -Be $others
        $kept = Get-EvonicErasure alice -InstanceRoot $instance
        $kept.ExternalUserIdHash | Should -Be $record.ExternalUserIdHash
        Get-EvonicErasure bob -InstanceRoot $instance | Should -BeNullOrEmpty
        Get-Content (Join-Path $instance 'evonic-session-erasures.jsonl') -Raw | Should -Not -Match 'alice'
    }
}
