#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# What a user reads: help, the manifest, the format views (live and deserialized) and tab completion.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
    function Get-Table($objects) { ($objects | Out-String -Width 80) -split "`r?`n" | ForEach-Object TrimEnd }
    function Get-Deserialized($objects) {
        [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($objects))
    }
    function Complete([string] $line) { (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches }
}

Describe 'Help' {
    It '<_> has a synopsis, a description, help for every parameter, and examples' -ForEach @(
        'Get-EvonicOldSession', 'Remove-EvonicOldSession', 'Register-EvonicSessionCleanup', 'Unregister-EvonicSessionCleanup', 'Get-EvonicSessionCleanup',
        'Get-EvonicSessionArchive', 'Remove-EvonicSessionArchive', 'Restore-EvonicSession', 'Get-EvonicSessionStore', 'Optimize-EvonicSessionStore',
        'Remove-EvonicSessionHold', 'Get-EvonicSessionPolicy', 'Set-EvonicSessionPolicy', 'Measure-EvonicSession',
        'Export-EvonicUserData', 'Remove-EvonicUserData', 'Get-EvonicErasure'
    ) {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "$_ *"   # help without MAML shows the syntax as its synopsis
        ($help.Description.Text -join "`n") | Should -Not -BeNullOrEmpty
        # DontShow parameters (one that remoting's PSComputerName binds) are hidden from help as from completion.
        $shown = (Get-Command $_).Parameters.Values | Where-Object { -not ($_.Attributes | Where-Object { $_ -is [Parameter] -and $_.DontShow }) }
        foreach ($name in $shown.Name | Where-Object { $_ -notin $common }) {
            $parameter = $help.Parameters.Parameter | Where-Object Name -eq $name
            ($parameter.Description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$name needs help"
        }
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 1
        $help.Examples.Example | ForEach-Object { $_.Code | Should -Match 'Evonic' }
    }

    It 'has about_<_>' -ForEach @('Evonic.Sessions', 'EvonicSessionCleanup', 'EvonicSessionPolicy') {
        $text = Get-Help "about_$_" | Out-String
        $text | Should -Match 'Remove-EvonicOldSession'
        $text | Should -Match 'EVONIC_SESSION_MAX_AGE_DAYS'
    }
}

Describe 'Manifest' {
    BeforeAll { $info = Test-ModuleManifest $manifest -ErrorAction Stop }

    It 'passes Test-ModuleManifest and carries the version of Directory.Build.props' {
        $version = ([xml](Get-Content (Join-Path $repo 'Directory.Build.props') -Raw)).Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1
        $info.Version | Should -Be ([version]$version)
    }

    It 'exports exactly the cmdlets the module has, by name, with no wildcards' {
        $data = Import-PowerShellDataFile $manifest
        $data.CmdletsToExport | Should -Not -Contain '*'
        $info.ExportedCmdlets.Keys | Sort-Object | Should -Be ((Get-Command -Module Evonic.Sessions -CommandType Cmdlet).Name | Sort-Object)
        $data.FunctionsToExport.Count + $data.AliasesToExport.Count + $data.VariablesToExport.Count | Should -Be 0
    }

    It 'promises Windows PowerShell 5.1 and PowerShell 7, and ships every file it names' {
        $info.CompatiblePSEditions | Sort-Object | Should -Be @('Core', 'Desktop')
        $info.PowerShellVersion | Should -Be ([version]'5.1')
        $folder = Split-Path $manifest
        Join-Path $folder $info.RootModule | Should -Exist
        (Import-PowerShellDataFile $manifest).FormatsToProcess | ForEach-Object { Join-Path $folder $_ | Should -Exist }
        Join-Path $folder 'en-US/Evonic.Sessions.PowerShell.dll-Help.xml' | Should -Exist
    }

    It 'names the project''s home, license, help and this build''s release notes, and ships the license and changelog' {
        $props = [xml](Get-Content (Join-Path $repo 'Directory.Build.props') -Raw)
        $projectHome = $props.Project.PropertyGroup.RepositoryUrl | Where-Object { $_ } | Select-Object -First 1
        $projectHome | Should -Match '^https://'
        $info.ProjectUri | Should -Be $projectHome
        $info.LicenseUri | Should -Be "$projectHome/blob/main/LICENSE"
        $info.HelpInfoUri | Should -Be "$projectHome/tree/main/docs/help"
        $info.Tags | Should -Contain 'PSEdition_Core'
        # The changelog from its top down to this version (or its [Unreleased] section), word for word.
        $changelog = (Get-Content (Join-Path $repo 'CHANGELOG.md') -Raw) -replace "`r`n", "`n"
        $notes = $info.ReleaseNotes -replace "`r`n", "`n"
        $notes | Should -BeLike '## `[Unreleased`]*'
        $changelog | Should -BeLike "*$([WildcardPattern]::Escape($notes))*"
        $folder = Split-Path $manifest
        Get-Content (Join-Path $folder 'LICENSE') -Raw | Should -Be (Get-Content (Join-Path $repo 'LICENSE') -Raw)
        Get-Content (Join-Path $folder 'CHANGELOG.md') -Raw | Should -Be (Get-Content (Join-Path $repo 'CHANGELOG.md') -Raw)
    }

    It 'refuses PowerShell 7.0-7.3 at import with a message that says what to run instead, and takes 5.1 and 7.4+' -ForEach @(
        @{ Framework = '.NET Core 3.1.32'; Runtime = '3.1.32'; PS = '7.0.13'; Refused = $true }
        @{ Framework = '.NET 6.0.36'; Runtime = '6.0.36'; PS = '7.2.24'; Refused = $true }
        @{ Framework = '.NET 7.0.20'; Runtime = '7.0.20'; PS = '7.3.12'; Refused = $true }
        @{ Framework = '.NET 8.0.11'; Runtime = '8.0.11'; PS = '7.4.6'; Refused = $false }
        @{ Framework = '.NET 10.0.1'; Runtime = '10.0.1'; PS = '7.6.10'; Refused = $false }
        @{ Framework = '.NET Framework 4.8.9032.0'; Runtime = '4.0.30319.42000'; PS = '5.1.19041'; Refused = $false }
    ) {
        $reason = [Evonic.Sessions.PowerShell.HostSupport]::UnsupportedReason($Framework, [version]$Runtime, [version]$PS)
        if ($Refused) {
            $reason | Should -Match 'needs PowerShell 7\.4 or later'
            $reason | Should -Match ([regex]::Escape("PowerShell $PS on $Framework"))
        }
        else { $reason | Should -BeNullOrEmpty }
    }

    It 'gives every cmdlet a HelpUri: its markdown help in the repository' {
        $projectHome = ([xml](Get-Content (Join-Path $repo 'Directory.Build.props') -Raw)).Project.PropertyGroup.RepositoryUrl | Where-Object { $_ } | Select-Object -First 1
        foreach ($command in Get-Command -Module Evonic.Sessions -CommandType Cmdlet) {
            $command.HelpUri | Should -Be "$projectHome/blob/main/docs/help/$($command.Name).md"
            Join-Path $repo "docs/help/$($command.Name).md" | Should -Exist
        }
    }
}

Describe 'Format views' {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
    }

    It 'lists sessions grouped by agent, with the documented columns' {
        $table = Get-Table (Get-EvonicOldSession -Path $instance -AgentId juno)
        $table | Should -Contain '   Agent: juno'
        ($table | Where-Object { $_ -match '^SessionId' }) -split '\s{2,}|\s(?=[A-Z])' | Where-Object { $_ } |
            Should -Be @('SessionId', 'Kind', 'AgeDays', 'Msgs', 'LogKB', 'Protection')
        $table | Where-Object { $_ -match '^juno-5\s+Human\s+300\s+3$' } | Should -Not -BeNullOrEmpty
        $table | Where-Object { $_ -match '^juno-4\s+Web\s+200\s+3\s+1$' } | Should -Not -BeNullOrEmpty
    }

    It 'shows each kept session''s protection, and nothing for a session without one' {
        $table = Get-Table (Get-EvonicOldSession -Path $instance -AgentId siwa -IncludeProtected)
        $table | Where-Object { $_ -match '^siwa-a001 .*HumanTakeover' } | Should -Not -BeNullOrEmpty
        $table | Where-Object { $_ -match '^siwa-9d4f ' } | Should -Not -Match 'None'
    }

    It 'shows removal results with the documented columns' {
        $table = Get-Table (Remove-EvonicOldSession -Path $instance -AgentId juno -Force -PassThru)
        ($table | Where-Object { $_ -match '^AgentId' }) -split '\s+' | Should -Be @('AgentId', 'SessionId', 'Status', 'Messages', 'Files', 'BytesFreed')
        $table | Where-Object { $_ -match '^juno\s+juno-4\s+Removed\s+3\s+[1-9]\s+[1-9]\d*$' } | Should -Not -BeNullOrEmpty
    }

    It 'shows the run report with the documented columns' {
        Remove-EvonicOldSession -Path $instance -Force -InformationVariable run
        $table = Get-Table ($run | Where-Object Tags -contains 'Summary').MessageData
        ($table | Where-Object { $_ -match '^\s*Removed' }).Trim() -split '\s+' |
            Should -Be @('Removed', 'Messages', 'BytesFreed', 'DbReturned', 'Kept', 'Errors', 'Seconds')
        $table | Where-Object { $_ -match "\s18\s+96\s+\d+\s+\d+\s+0\s+0\s+\d+\.\d$" } | Should -Not -BeNullOrEmpty
    }

    It 'fits every table in 80 columns and cuts no value: <Name>' -ForEach @(
        @{ Name = 'sessions'; Make = { param($i) Get-EvonicOldSession -Path $i -IncludeProtected } }
        @{ Name = 'removal results'; Make = { param($i) Remove-EvonicOldSession -Path $i -Force -PassThru -Archive } }
        @{ Name = 'run reports'; Make = { param($i) Remove-EvonicOldSession -Path $i -Force -InformationVariable run; ($run | Where-Object Tags -contains 'Summary').MessageData } }
        @{ Name = 'archive'; Make = { param($i) Remove-EvonicOldSession -Path $i -Force -Archive; Get-EvonicSessionArchive -Path $i } }
        @{ Name = 'restore results'; Make = { param($i) Remove-EvonicOldSession -Path $i -AgentId juno -Force -Archive; Get-EvonicSessionArchive -Path $i | Restore-EvonicSession -PassThru -Confirm:$false } }
        @{ Name = 'store'; Make = { param($i) Get-EvonicSessionStore -Path $i } }
        @{ Name = 'space returned'; Make = { param($i) Remove-EvonicOldSession -Path $i -Force; Optimize-EvonicSessionStore -Path $i -Force -Confirm:$false } }
        @{ Name = 'measures'; Make = { param($i) Measure-EvonicSession -Path $i } }
        @{ Name = 'policy rules'; Make = { param($i) (Set-EvonicSessionPolicy -Path $i -Rule @{ Agent = 'siwa_sub_*'; Channel = '5b0c9a4e-1d2f-4c3b-9a8e-7f6d5c4b3a21'; MaxAgeDays = 365 }, @{ Channel = 'whatsapp'; MaxAgeDays = 30 } -PassThru).Rules } }
    ) {
        $objects = & $Make $instance
        $objects | Should -Not -BeNullOrEmpty
        $table = Get-Table $objects
        $table | Where-Object Length -gt 80 | Should -BeNullOrEmpty
        $table | Where-Object { $_ -match '…|\.\.\.$' } | Should -BeNullOrEmpty
        # Each header is one line, its dashes right under it: no column was squeezed into a letter per line.
        $headers = @($table | Where-Object { $_ -match '^-+( +-+)*$' })
        $headers | Should -Not -BeNullOrEmpty
        $table | Where-Object { $_ -match '^\s*\S$' } | Should -BeNullOrEmpty
    }

    It 'shows a session kept for several reasons by its first reason and how many more, in full in the list view' {
        $session = Get-EvonicOldSession -Path $instance -AgentId siwa -IncludeProtected | Where-Object SessionId -eq 'siwa-a005'
        $reasons = "$($session.Protection)" -split ', '
        $reasons.Count | Should -BeGreaterThan 1
        (Get-Table $session) | Where-Object { $_ -match "^siwa-a005 .* $($reasons[0]) \+$($reasons.Count - 1)$" } | Should -Not -BeNullOrEmpty
        ($session | Format-List | Out-String -Width 80) | Should -Match ("Protection\s+: " + [regex]::Escape("$($session.Protection)"))
    }

    It 'renders <Name> the same after remoting''s serialization' -ForEach @(
        @{ Name = 'sessions'; Make = { param($i) Get-EvonicOldSession -Path $i -IncludeProtected } }
        @{ Name = 'removal results'; Make = { param($i) Remove-EvonicOldSession -Path $i -Force -PassThru } }
        @{ Name = 'run reports'; Make = { param($i) Remove-EvonicOldSession -Path $i -Force -InformationVariable run; ($run | Where-Object Tags -contains 'Summary').MessageData } }
    ) {
        $live = & $Make $instance
        $copy = Get-Deserialized $live
        $copy[0].PSObject.TypeNames[0] | Should -BeLike 'Deserialized.Evonic.Sessions.*'
        Get-FormatData -TypeName $copy[0].PSObject.TypeNames[0] | Should -Not -BeNullOrEmpty
        Get-Table $copy | Should -Be (Get-Table $live)
    }
}

Describe 'Tab completion' {
    BeforeAll {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
        $completionArchive = New-SampleInstance
    }

    It 'completes -AgentId from the agents of the -Path instance' {
        (Complete "Get-EvonicOldSession -Path '$instance' -AgentId si").CompletionText | Should -Be @('siwa', 'siwa_sub_team')
        (Complete "Remove-EvonicOldSession -Path '$instance' -AgentId ").CompletionText |
            Should -Be @('atlas', 'echo', 'juno', 'lyra', 'mira', 'nova', 'siwa', 'siwa_sub_team')
    }

    It 'completes Restore-EvonicSession -SessionId from the archive, of -AgentId when given' {
        Remove-EvonicOldSession -Path $completionArchive -Archive -Force
        (Complete "Restore-EvonicSession -Path '$completionArchive' -SessionId siwa-9").CompletionText | Should -Be @('siwa-9d4e', 'siwa-9d4f')
        (Complete "Restore-EvonicSession -Path '$completionArchive' -AgentId juno -SessionId ").CompletionText | Should -Be @('juno-2', 'juno-4', 'juno-5')
        (Complete "Restore-EvonicSession -Path '$instance' -SessionId ").CompletionText | Should -BeNullOrEmpty   # no archive yet
    }

    It 'resolves a relative -Path against the current location, and uses $env:EVONIC_HOME without one' {
        Push-Location (Split-Path $instance)
        try { (Complete "Get-EvonicOldSession $(Split-Path $instance -Leaf) -AgentId ju").CompletionText | Should -Be 'juno' }
        finally { Pop-Location }
        $env:EVONIC_HOME = $instance
        try { (Complete 'Get-EvonicOldSession -AgentId ly').CompletionText | Should -Be 'lyra' }
        finally { Remove-Item Env:EVONIC_HOME }
    }

    It 'completes nothing, quietly, where there is no instance' {
        $Error.Clear()
        Complete "Get-EvonicOldSession -Path '$TestDrive/none' -AgentId a" | Should -BeNullOrEmpty
        $Error.Count | Should -Be 0
    }
}
