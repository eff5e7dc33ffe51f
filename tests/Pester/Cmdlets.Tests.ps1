#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# What each cmdlet does to a sample instance, as a user sees it in pwsh.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # What Evonic's own lookups return on each agent's chat.db, with Evonic's SQL (models/chat.py,
    # backend/agent_runtime/notifier.py, backend/tools/agent_messaging.py), not the module's rule code.
    function Get-EvonicLookupAnswer($path) {
        $humanChannel = "SELECT id FROM chat_sessions WHERE agent_id = `$a AND (archived IS NULL OR archived = 0) AND external_user_id NOT LIKE '__agent__%' AND external_user_id != '__scheduler__' AND channel_id IS NOT NULL ORDER BY updated_at DESC LIMIT 1"
        $fallback = "SELECT id FROM chat_sessions WHERE agent_id = `$a AND (archived IS NULL OR archived = 0) AND external_user_id NOT LIKE '__agent__%' AND external_user_id != '__scheduler__' AND external_user_id != '__system__' ORDER BY updated_at DESC LIMIT 1"
        $web = "SELECT id FROM chat_sessions WHERE agent_id = `$a AND (archived IS NULL OR archived = 0) AND external_user_id NOT LIKE '__agent__%' AND external_user_id != '__scheduler__' AND external_user_id != '__system__' AND channel_id IS NULL AND id != `$x ORDER BY updated_at DESC LIMIT 1"
        $notifier = 'SELECT id, external_user_id FROM chat_sessions WHERE agent_id = $a AND channel_id = $c ORDER BY updated_at DESC LIMIT 1'
        foreach ($db in Get-ChildItem (Join-Path $path 'agents') -Filter chat.db -Recurse) {
            $agent = $db.Directory.Name
            $connection = [Microsoft.Data.Sqlite.SqliteConnection]::new("Data Source=$($db.FullName);Mode=ReadOnly;Pooling=False")
            $connection.Open()
            try {
                $ask = {
                    param($sql, $parameters)
                    $command = $connection.CreateCommand()
                    $command.CommandText = $sql
                    foreach ($name in $parameters.Keys) { $null = $command.Parameters.AddWithValue($name, $parameters[$name]) }
                    $reader = $command.ExecuteReader()
                    try { if ($reader.Read()) { (0..($reader.FieldCount - 1) | ForEach-Object { $reader.GetValue($_) }) -join ' -> ' } } finally { $reader.Dispose() }
                }
                $primary = & $ask $humanChannel @{ '$a' = $agent }
                if (-not $primary) { $primary = & $ask $fallback @{ '$a' = $agent } }
                "$agent/latest_human = $primary"
                "$agent/web_fallback = $(& $ask $web @{ '$a' = $agent; '$x' = '' })"
                "$agent/escalation_secondary = $(& $ask $web @{ '$a' = $agent; '$x' = "$primary" })"
                $channels = & { $c = $connection.CreateCommand(); $c.CommandText = 'SELECT DISTINCT channel_id FROM chat_sessions WHERE channel_id IS NOT NULL AND agent_id = $a'
                    $null = $c.Parameters.AddWithValue('$a', $agent)
                    $r = $c.ExecuteReader(); try { while ($r.Read()) { $r.GetString(0) } } finally { $r.Dispose() } }
                foreach ($channel in $channels) { "$agent/notifier/$channel = $(& $ask $notifier @{ '$a' = $agent; '$c' = $channel })" }
            }
            finally { $connection.Dispose() }
        }
    }
}

Describe 'Evonic.Sessions' {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS, Env:EVONIC_HOME -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
    }

    It 'exports exactly its cmdlets' {
        (Get-Command -Module Evonic.Sessions).Name | Sort-Object |
            Should -Be @('Export-EvonicUserData', 'Get-EvonicErasure', 'Get-EvonicOldSession', 'Get-EvonicSessionArchive', 'Get-EvonicSessionCleanup', 'Get-EvonicSessionPolicy', 'Get-EvonicSessionStore', 'Measure-EvonicSession', 'Optimize-EvonicSessionStore', 'Register-EvonicSessionCleanup', 'Remove-EvonicOldSession', 'Remove-EvonicSessionArchive', 'Remove-EvonicSessionHold', 'Remove-EvonicUserData', 'Restore-EvonicSession', 'Set-EvonicSessionPolicy', 'Unregister-EvonicSessionCleanup')
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

    It 'keeps every session Evonic''s own lookups return: each returns the same row after the cleanup' {
        Get-EvonicOldSession -Path $instance | Out-Null # loads the module's SQLite
        $before = Get-EvonicLookupAnswer $instance
        $before | Should -Contain 'juno/latest_human = juno-1'
        $before | Should -Contain 'juno/notifier/telegram = juno-6 -> xena'
        Remove-EvonicOldSession -Path $instance -Force
        Get-EvonicLookupAnswer $instance | Should -Be $before
    }

    It 'shows the Evonic lookup that keeps a session' {
        $kept = Get-EvonicOldSession -Path $instance -IncludeProtected | Where-Object Protection -ne 'None'
        ($kept | Where-Object SessionId -eq 'echo-2').Protection | Should -Match 'WebFallbackSession'
        ($kept | Where-Object SessionId -eq 'siwa-9d50').Protection | Should -Match 'ChannelRecipient'
        ($kept | Where-Object SessionId -eq 'siwa-a010').Protection | Should -Match 'PlanFile'
        ($kept | Where-Object SessionId -eq 'siwa-a011').Protection | Should -Match 'ScheduledWork'
        ($kept | Where-Object SessionId -eq 'mira-2').Protection | Should -Match 'AgentInFocus'
    }

    It 'refuses a fractional -MaxAgeDays instead of rounding it' {
        { Get-EvonicOldSession -Path $instance -MaxAgeDays 0.4 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*'
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

    It 'refuses a path of another provider (<Path>) as InvalidPath, naming it, in <Command>' -ForEach @(
        @{ Command = 'Get-EvonicOldSession'; Path = 'Env:/HOME' }
        @{ Command = 'Remove-EvonicOldSession'; Path = 'Variable:/PWD' }
        @{ Command = 'Get-EvonicSessionStore'; Path = 'Function:/prompt' }
    ) {
        Push-Location $TestDrive
        try {
            { & $Command -Path $Path -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidPath*' -ExpectedMessage "*'$Path' is a path of the * provider*"
        }
        finally { Pop-Location }
    }

    It 'lists an instance this user can only read (another user''s files, mode bits), and changes nothing' -Skip:(-not $IsLinux) {
        $readOnly = New-SampleInstance
        $hash = Get-InstanceHash $readOnly
        if ((id -u) -eq '0') {
            # Root reads and writes everything: list as nobody, with pwsh and the module copied where nobody can read them.
            $shared = New-Item -ItemType Directory (Join-Path $TestDrive 'for-nobody')
            Copy-Item $PSHOME (Join-Path $shared 'pwsh') -Recurse
            Copy-Item (Split-Path $manifest) (Join-Path $shared 'Evonic.Sessions') -Recurse
            New-Item -ItemType Directory (Join-Path $shared 'home') | Out-Null
            chmod -R a+rX $TestDrive
            chmod a+w (Join-Path $shared 'home')
            $dotnet = Get-Item (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source
            $dotnetRoot = if ($env:DOTNET_ROOT) { $env:DOTNET_ROOT } else { Split-Path ($dotnet.ResolveLinkTarget($true) ?? $dotnet).FullName -Parent }
            $output = runuser -u nobody -- env "HOME=$shared/home" "DOTNET_ROOT=$dotnetRoot" NO_COLOR=1 "$shared/pwsh/pwsh" -NoProfile -NonInteractive -Command `
                "Import-Module '$shared/Evonic.Sessions/Evonic.Sessions.psd1'; (Get-EvonicOldSession -Path '$readOnly').SessionId" 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
            $listed = $output
        }
        else {
            chmod -R a-w $readOnly
            try { $listed = (Get-EvonicOldSession -Path $readOnly -ErrorAction Stop).SessionId }
            finally { chmod -R u+w $readOnly }
        }
        $listed | Sort-Object | Should -Be ($expected | Sort-Object)
        Get-InstanceHash $readOnly | Should -Be $hash
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

    It 'runs the store from its ReadyToRun image on PowerShell 7.6+, where the module has one for this platform' {
        $arch = "$([Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture)".ToLowerInvariant()
        $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
        $module = (Get-Module Evonic.Sessions).ModuleBase
        $images = Join-Path $module "readytorun/net10.0/$os-$arch"
        $store = [Evonic.Sessions.EvonicSession].Assembly.Location
        if ($PSVersionTable.PSVersion -ge [version]'7.6' -and (Test-Path $images)) {
            $store | Should -Be (Join-Path $images 'Evonic.Sessions.dll')
            [Microsoft.Data.Sqlite.SqliteConnection].Assembly.Location | Should -Be (Join-Path $images 'Microsoft.Data.Sqlite.dll')
        }
        else {
            $store | Should -Be (Join-Path $module 'Evonic.Sessions.dll')
        }
        # Either way the cmdlets work: the sample lists its old sessions.
        (Get-EvonicOldSession -Path $instance | Measure-Object).Count | Should -BeGreaterThan 0
    }
}
