#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# What each choice frees (issue 24, part 3): Measure-EvonicSession against what the cleanup itself says it would do.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    # The number a -WhatIf run offers for removal, from its closing line.
    function Get-WhatIfCount([string] $Instance, [int] $Days) {
        $preview = @{ Path = $Instance; WhatIf = $true; InformationVariable = 'info' }
        if ($Days) { $preview.MaxAgeDays = $Days }
        Remove-EvonicOldSession @preview 6>&1 | Out-Null
        $closing = "$(($info | Where-Object { "$($_.MessageData)" -like 'What if:*' } | Select-Object -Last 1).MessageData)"
        if ($closing -notmatch '^What if: (\d+) session') { throw "No closing line: $closing" }
        [int] $Matches[1]
    }
}

Describe 'Measure-EvonicSession' {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS, Env:EVONIC_HOME -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
    }

    It 'counts at each age and by the policy what Remove-EvonicOldSession -WhatIf lists' {
        Set-EvonicSessionPolicy -Path $instance -DefaultMaxAgeDays 120 -Rule @{ Channel = 'whatsapp'; MaxAgeDays = 30 }
        $totals = Measure-EvonicSession -Path $instance | Where-Object AgentId -eq '(all)'

        $totals.Limit | Should -Be @('30 days', '60 days', '90 days', '180 days', '365 days', 'policy')
        foreach ($total in $totals) {
            $total.Sessions | Should -Be (Get-WhatIfCount $instance ([int] $total.MaxAgeDays)) -Because $total.Limit
        }
        ($totals | Where-Object Limit -eq '90 days').Sessions | Should -Be $expected.Count
        ($totals | Where-Object Limit -eq '30 days').Sessions | Should -BeGreaterThan $expected.Count
    }

    It 'changes nothing' {
        $before = Get-InstanceHash $instance
        $null = Measure-EvonicSession -Path $instance
        Get-InstanceHash $instance | Should -Be $before
    }

    It 'draws a bar per row in 80 columns, the widest agent full' {
        $measures = Measure-EvonicSession -Path $instance -MaxAgeDays 30, 90
        $table = ($measures | Out-String -Width 80) -split "`r?`n" | ForEach-Object TrimEnd
        $table | Where-Object Length -gt 80 | Should -BeNullOrEmpty
        $table | Where-Object { $_ -match '…|\.\.\.$' } | Should -BeNullOrEmpty
        $widest = $measures | Where-Object AgentId -ne '(all)' | Sort-Object Bytes -Descending | Select-Object -First 1
        $widest.Bar(28) | Should -Be ([string]::new([char] 0x2588, 28))
        $table | Where-Object { $_ -match "^\s*30 days\s.*$([char] 0x2588){28}$" } | Should -Not -BeNullOrEmpty
    }

    It 'writes plain objects for Export-Csv, with why sessions are kept' {
        $csv = Join-Path $TestDrive 'measure.csv'
        Measure-EvonicSession -Path $instance -MaxAgeDays 90 | Export-Csv -Path $csv -NoTypeInformation
        $rows = Import-Csv $csv
        ($rows[0].PSObject.Properties.Name | Sort-Object) | Should -Be (@('AgentId', 'AttachmentBytes', 'Bytes', 'InstanceRoot', 'Limit', 'LogBytes', 'MaxAgeDays', 'MessageBytes', 'Messages', 'Protected', 'ProtectedBy', 'Sessions') | Sort-Object)
        $all = $rows | Where-Object { $_.AgentId -eq '(all)' -and $_.Limit -eq '90 days' }
        [int] $all.Sessions | Should -Be $expected.Count
        $all.ProtectedBy | Should -Match 'HumanTakeover \d+'
    }

    It 'measures only the agents named, and refuses an age of 0' {
        (Measure-EvonicSession -Path $instance -AgentId siwa -MaxAgeDays 90).AgentId | Select-Object -Unique | Should -Be @('siwa', '(all)')
        { Measure-EvonicSession -Path $instance -MaxAgeDays 0 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }

    It 'measures nothing by a policy that cannot be used, and says why' {
        Set-Content (Join-Path $instance 'evonic-session-policy.psd1') '@{ Rules = @( @{ Agent = "Siwa"; MaxAgeDays = 1 } ) }'
        Measure-EvonicSession -Path $instance -ErrorVariable failed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'InvalidPolicy*'
    }
}
