#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# A retention policy by agent and channel, as a user writes and reads it in pwsh (issue 24, part 1). Which sessions
# a policy removes, checked against Evonic's own tables, is the store's test (RetentionPolicyTests); here: the file,
# the cmdlets, what each session shows, and what a policy that cannot be used stops.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    function Get-SessionIds([string] $Instance) {
        $connection = [Microsoft.Data.Sqlite.SqliteConnection]::new("Data Source=$(Join-Path $Instance 'agents/siwa/chat.db');Mode=ReadOnly;Pooling=False")
        $connection.Open()
        try {
            $command = $connection.CreateCommand()
            $command.CommandText = 'SELECT id FROM chat_sessions ORDER BY id'
            $reader = $command.ExecuteReader()
            try { while ($reader.Read()) { $reader.GetString(0) } } finally { $reader.Dispose() }
        }
        finally { $connection.Dispose() }
    }
}

Describe 'Retention policy' {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS, Env:EVONIC_HOME -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
        $file = Join-Path $instance 'evonic-session-policy.psd1'
    }

    It 'writes a data file that Import-PowerShellDataFile reads back as written, and Get-EvonicSessionPolicy too' {
        Set-EvonicSessionPolicy -Path $instance -DefaultMaxAgeDays 120 -Rule @{ Channel = 'whatsapp'; MaxAgeDays = 30 }, @{ Agent = 'nova'; Channel = 'web'; MaxAgeDays = 0 }

        $data = Import-PowerShellDataFile $file
        $data.DefaultMaxAgeDays | Should -Be 120
        $data.Rules.Count | Should -Be 2
        $data.Rules[0].Channel | Should -Be 'whatsapp'
        $data.Rules[1].Agent | Should -Be 'nova'
        $data.Rules[1].MaxAgeDays | Should -Be 0
        $policy = Get-EvonicSessionPolicy -Path $instance
        $policy.Exists | Should -BeTrue
        $policy.Path | Should -Be $file
        $policy.Rules.Channel | Should -Be @('whatsapp', 'web')
    }

    It 'keeps what is not given, and -WhatIf writes nothing' {
        Set-EvonicSessionPolicy -Path $instance -DefaultMaxAgeDays 120 -Rule @{ Agent = 'siwa'; MaxAgeDays = 365 }
        $before = Get-FileHash $file

        Set-EvonicSessionPolicy -Path $instance -DefaultMaxAgeDays 30 -WhatIf
        (Get-FileHash $file).Hash | Should -Be $before.Hash

        Set-EvonicSessionPolicy -Path $instance -DefaultMaxAgeDays 30
        $policy = Get-EvonicSessionPolicy -Path $instance
        $policy.DefaultMaxAgeDays | Should -Be 30
        "$($policy.Rules)" | Should -Be "Agent 'siwa': 365 days"
    }

    It 'gives an instance without a policy an empty one, and lists as before it' {
        $policy = Get-EvonicSessionPolicy -Path $instance
        $policy.Exists | Should -BeFalse
        $policy.Rules | Should -BeNullOrEmpty
        (Get-EvonicOldSession -Path $instance).SessionId | Sort-Object | Should -Be ($expected | Sort-Object)
        (Get-EvonicOldSession -Path $instance)[0].PolicySource | Should -Be 'the default'
    }

    It 'lists each session with the age that applied and where it came from; -MaxAgeDays overrides the policy' {
        Set-EvonicSessionPolicy -Path $instance -DefaultMaxAgeDays 3650 -Rule @{ Channel = 'whatsapp'; MaxAgeDays = 30 }

        $old = Get-EvonicOldSession -Path $instance
        # The sample's WhatsApp sessions idle 150 and 300 days go by the rule; nothing else is 10 years old.
        $old.SessionId | Sort-Object | Should -Be @('siwa-9d4e', 'siwa-9d4f')
        $old | ForEach-Object { $_.MaxAgeDays | Should -Be 30; $_.PolicySource | Should -BeLike "rule 1 of the policy '$file' (Channel 'whatsapp': 30 days)" }

        (Get-EvonicOldSession -Path $instance -MaxAgeDays 90).SessionId | Sort-Object | Should -Be ($expected | Sort-Object)
    }

    It 'removes by the policy, and piped sessions keep the age they were listed with' {
        Set-EvonicSessionPolicy -Path $instance -DefaultMaxAgeDays 3650 -Rule @{ Channel = 'whatsapp'; MaxAgeDays = 30 }
        $listed = Get-EvonicOldSession -Path $instance
        # A policy changed after the listing applies from the next run: the piped sessions keep their 30 days.
        Set-EvonicSessionPolicy -Path $instance -Rule @{ Channel = 'whatsapp'; MaxAgeDays = 0 }

        $removed = $listed | Remove-EvonicOldSession -Force -PassThru

        ($removed | Where-Object Status -eq 'Removed').SessionId | Sort-Object | Should -Be @('siwa-9d4e', 'siwa-9d4f')
        Get-SessionIds $instance | Should -Not -Contain 'siwa-9d4e'
        Get-EvonicOldSession -Path $instance | Should -BeNullOrEmpty
    }

    It 'refuses a policy that would run code, and neither lists nor removes by it; the log says so' {
        $marker = Join-Path $TestDrive 'ran.txt'
        Set-Content $file "@{ DefaultMaxAgeDays = `$(Set-Content '$marker' ran; 1) }"
        $before = Get-SessionIds $instance
        $log = Join-Path $TestDrive 'cleanup.log'

        Get-EvonicOldSession -Path $instance -ErrorVariable listing -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Remove-EvonicOldSession -Path $instance -Force -LogPath $log -ErrorVariable removal -ErrorAction SilentlyContinue

        Test-Path $marker | Should -BeFalse
        $listing[0].FullyQualifiedErrorId | Should -BeLike 'InvalidPolicy*'
        $listing[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $listing[0].Exception.Message | Should -BeLike "*'$file'*"
        $removal[0].FullyQualifiedErrorId | Should -BeLike 'InvalidPolicy*'
        Get-SessionIds $instance | Should -Be $before
        Get-Content $log -Raw | Should -Match 'policy refused: .*evonic-session-policy\.psd1'
        Get-Content $log | Select-Object -Last 1 | Should -Match '1 error\(s\)'
        # The command line still overrides: a broken policy does not stop a cleanup given its own age.
        (Get-EvonicOldSession -Path $instance -MaxAgeDays 90).SessionId | Sort-Object | Should -Be ($expected | Sort-Object)
    }

    It 'refuses <Name> with the rule named, and writes nothing' -ForEach @(
        @{ Name = 'an unknown key'; Rule = @{ Agnt = 'siwa'; MaxAgeDays = 30 }; Says = "key 'Agnt'" }
        @{ Name = 'an agent pattern no agent id can match'; Rule = @{ Agent = 'Siwa'; MaxAgeDays = 30 }; Says = 'can never match' }
        @{ Name = 'a rule without agent or channel'; Rule = @{ MaxAgeDays = 30 }; Says = 'names an Agent, a Channel or both' }
        @{ Name = 'a fraction of a day'; Rule = @{ Agent = 'siwa'; MaxAgeDays = 2.5 }; Says = 'whole number' }
    ) {
        { Set-EvonicSessionPolicy -Path $instance -Rule $Rule -ErrorAction Stop } | Should -Throw "*rule 1 of -Rule*$Says*"
        Test-Path $file | Should -BeFalse
    }

    It 'takes rules from objects and from the policy it read' {
        $csv = @([pscustomobject]@{ Agent = 'nova'; Channel = 'discord'; MaxAgeDays = 14 })
        Set-EvonicSessionPolicy -Path $instance -Rule $csv
        $policy = Get-EvonicSessionPolicy -Path $instance
        Set-EvonicSessionPolicy -Path $instance -Rule (@(@{ Agent = 'siwa'; MaxAgeDays = 365 }) + $policy.Rules)

        (Get-EvonicSessionPolicy -Path $instance).Rules | ForEach-Object ToString | Should -Be @("Agent 'siwa': 365 days", "Agent 'nova', Channel 'discord': 14 days")
    }

    It 'replaces a policy that cannot be read only when given whole' {
        Set-Content $file '@{ Rules = @( @{ Agent = "siwa" } ) }'
        { Set-EvonicSessionPolicy -Path $instance -DefaultMaxAgeDays 30 -ErrorAction Stop } | Should -Throw '*has no MaxAgeDays*'

        Set-EvonicSessionPolicy -Path $instance -DefaultMaxAgeDays 30 -Rule @()

        (Get-EvonicSessionPolicy -Path $instance).DefaultMaxAgeDays | Should -Be 30
    }

    It 'refuses a policy file that is a link, for reading and for writing' -Skip:$IsWindows {
        $target = Join-Path $TestDrive 'elsewhere.psd1'
        Set-Content $target '@{ DefaultMaxAgeDays = 1 }'
        New-Item -ItemType SymbolicLink -Path $file -Target $target | Out-Null

        Get-EvonicSessionPolicy -Path $instance -ErrorVariable read -ErrorAction SilentlyContinue
        Set-EvonicSessionPolicy -Path $instance -DefaultMaxAgeDays 5 -Rule @() -ErrorVariable written -ErrorAction SilentlyContinue

        $read[0].Exception.Message | Should -BeLike '*symbolic link*'
        $written[0].FullyQualifiedErrorId | Should -BeLike 'UnsafePath*'
        Get-Content $target | Should -Be '@{ DefaultMaxAgeDays = 1 }'
        (Get-Item $file).LinkType | Should -Be 'SymbolicLink'
    }
}
