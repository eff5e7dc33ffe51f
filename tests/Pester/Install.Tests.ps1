#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Installed and updated like every module, with PSResourceGet (shipped with pwsh): a file repository, Publish-, Install-
# and Update-PSResource, Import-Module by name. Then the nightly job: registered from the installed module, it imports
# the module by name and starts the pwsh the user's shell finds, so after Update-PSResource the next run is the new
# version. A user of the test's own (HOME, PSResourceGet's settings, the CurrentUser module folder, a crontab) in
# TestDrive: nothing of the machine's is read or written.

Describe 'Install and update with PSResourceGet' -Skip:$IsWindows {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Common.ps1')
        $userHome = Join-Path $TestDrive 'home'
        $repository = Join-Path $TestDrive 'repository'
        # A home as a user's is: with ~/.config (without it NuGet, inside PSResourceGet, writes NuGet/NuGet.Config in
        # the current folder).
        New-Item -ItemType Directory (Join-Path $userHome '.config'), $repository | Out-Null
        # The user's PATH: the scheduler stand-ins and a pwsh launcher where a user's shell has one (~/.dotnet/tools/pwsh
        # for the dotnet tool, /usr/bin/pwsh for a package): a link to the pwsh the suite runs on.
        $userBin = New-SchedulerStandIn (Join-Path $TestDrive 'bin')
        $launcher = Join-Path $userBin 'pwsh'
        $null = New-Item -ItemType SymbolicLink -Path $launcher -Target $pwshCommand

        # Two releases of the staged module: this build, and the same as the next patch version.
        $built = Import-PowerShellDataFile $manifest
        $version = [version] $built.ModuleVersion
        $next = [version]::new($version.Major, $version.Minor, $version.Build + 1)
        foreach ($v in $version, $next) {
            $folder = Join-Path $TestDrive "release-$v/Evonic.Sessions"
            Copy-Item (Split-Path $manifest) $folder -Recurse
            $psd1 = Join-Path $folder 'Evonic.Sessions.psd1'
            (Get-Content $psd1 -Raw) -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion        = '$v'" | Set-Content $psd1 -NoNewline
        }
        $instance = New-SampleInstance (Join-Path $userHome '.evonic')

        # A pwsh as this user starts it from a shell: HOME, PATH, no PSModulePath of the suite's.
        function Invoke-AsUser([string] $script) {
            $environment = @{ HOME = $userHome; PATH = "$userBin$([IO.Path]::PathSeparator)/usr/local/bin:/usr/bin:/bin"; NO_COLOR = '1' }
            if ($env:DOTNET_ROOT) { $environment.DOTNET_ROOT = $env:DOTNET_ROOT }
            $run = Start-AsScheduler $launcher @('-NoProfile', '-NonInteractive', '-Command', "`$ErrorActionPreference = 'Stop'`n$script") $environment
            $run.ExitCode | Should -Be 0 -Because $run.Output
            $run.Output
        }
    }

    It 'publishes to a file repository, installs into an empty module folder, imports by name and lists' {
        $output = Invoke-AsUser @"
Register-PSResourceRepository -Name evonic-local -Uri '$repository' -Trusted
Publish-PSResource -Path '$TestDrive/release-$version/Evonic.Sessions' -Repository evonic-local
Install-PSResource Evonic.Sessions -Repository evonic-local -Scope CurrentUser -TrustRepository -Quiet
Import-Module Evonic.Sessions
'base=' + (Get-Module Evonic.Sessions).ModuleBase
'listed=' + @(Get-EvonicOldSession -Path ~/.evonic).Count
'help=' + (Get-Command Get-EvonicOldSession).HelpUri
"@
        Get-ChildItem $repository -Filter '*.nupkg' | ForEach-Object Name | Should -Be "Evonic.Sessions.$version.nupkg"
        $output | Should -Match ([regex]::Escape("base=$userHome/.local/share/powershell/Modules/Evonic.Sessions/$version"))
        $output | Should -Match "listed=$($expected.Count)\b"
        $output | Should -Match 'help=https://\S+/docs/help/Get-EvonicOldSession\.md'
        # What travels in the package: the license, the changelog, the help, SQLite for every platform.
        $installed = Join-Path $userHome ".local/share/powershell/Modules/Evonic.Sessions/$version"
        foreach ($file in 'LICENSE', 'CHANGELOG.md', 'en-US/Evonic.Sessions.PowerShell.dll-Help.xml', 'runtimes/win-x64/native/e_sqlite3.dll', 'runtimes/win-x86/native/e_sqlite3.dll', 'runtimes/linux-x64/native/libe_sqlite3.so') {
            Join-Path $installed $file | Should -Exist
        }
    }

    It 'registers a nightly job that imports the module by name and starts the pwsh the user''s shell finds' {
        $output = Invoke-AsUser @"
Import-Module Evonic.Sessions
(Register-EvonicSessionCleanup -Path ~/.evonic -Scheduler Cron -Confirm:`$false).Command
"@
        $line = Get-Content (Join-Path $userHome 'crontab') | Where-Object { $_ -notmatch '^#' } | Select-Object -Last 1
        $line | Should -BeLike "0 4 * * * $launcher -NoProfile -NonInteractive -Command *"
        $line | Should -Match '"Import-Module Evonic.Sessions; Remove-EvonicOldSession '
        $output | Should -Match 'Import-Module Evonic.Sessions; '
    }

    It 'runs the installed version, and after Update-PSResource the new one, from the same registration' {
        $line = Get-Content (Join-Path $userHome 'crontab') | Where-Object { $_ -notmatch '^#' } | Select-Object -Last 1
        $log = Join-Path $instance 'logs/session-cleanup.log'

        $first = Invoke-AsCron $line -UserHome $userHome
        $first.ExitCode | Should -Be 0 -Because $first.Output
        (Get-Content $log)[-1] | Should -Match "\[SESSION_CLEANUP\] done: removed $($expected.Count) session\(s\).*; Evonic\.Sessions $([regex]::Escape("$version"))$"

        Invoke-AsUser @"
Publish-PSResource -Path '$TestDrive/release-$next/Evonic.Sessions' -Repository evonic-local
Update-PSResource Evonic.Sessions -Repository evonic-local -TrustRepository -Quiet
"@ | Out-Null
        Join-Path $userHome ".local/share/powershell/Modules/Evonic.Sessions/$next" | Should -Exist

        $second = Invoke-AsCron $line -UserHome $userHome
        $second.ExitCode | Should -Be 0 -Because $second.Output
        (Get-Content $log)[-1] | Should -Match "\[SESSION_CLEANUP\] done: removed 0 session\(s\).*; Evonic\.Sessions $([regex]::Escape("$next"))$"
    }
}
