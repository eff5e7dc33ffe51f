#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Pipelines, preference variables and error handling: the parts of PowerShell a script around the module leans on.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Pipelines' {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS, Env:EVONIC_HOME -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
    }

    It 'Get | Where | Remove removes only what the filter let through' {
        $removed = Get-EvonicOldSession -Path $instance | Where-Object AgentId -eq 'juno' | Remove-EvonicOldSession -Force -PassThru
        $removed.SessionId | Sort-Object | Should -Be @('juno-2', 'juno-4', 'juno-5')
        (Get-EvonicOldSession -Path $instance).SessionId | Sort-Object | Should -Be ($expected | Where-Object { $_ -notlike 'juno-*' } | Sort-Object)
    }

    It 'filters on the documented properties (Kind, AgeDays, MessageCount)' {
        $old = Get-EvonicOldSession -Path $instance
        ($old | Where-Object Kind -eq 'Orphan').SessionId | Should -Be 'siwa-0rphan01'
        $old | Where-Object AgeDays -lt 90 | Should -BeNullOrEmpty
        ($old | Measure-Object MessageCount -Sum).Sum | Should -Be 96
    }

    It 'removes piped sessions of two instances in one pipeline, each from its own instance' {
        $other = New-SampleInstance
        $removed = @(Get-EvonicOldSession -Path $instance -AgentId juno; Get-EvonicOldSession -Path $other -AgentId lyra) |
            Remove-EvonicOldSession -Force -PassThru
        $removed | ForEach-Object { "$($_.Session.InstanceRoot)|$($_.SessionId)" } | Sort-Object |
            Should -Be (@("$instance|juno-2", "$instance|juno-4", "$instance|juno-5", "$other|lyra-3", "$other|lyra-4") | Sort-Object)
        (Get-EvonicOldSession -Path $instance -AgentId lyra).Count | Should -Be 2
        (Get-EvonicOldSession -Path $other -AgentId juno).Count | Should -Be 3
    }

    It 'keeps a piped session that became active after it was listed, and says so' {
        $listed = Get-EvonicOldSession -Path $instance -AgentId juno
        Set-SessionUpdatedAt $instance juno juno-5 (Get-Date)
        $removed = $listed | Remove-EvonicOldSession -Force -PassThru -WarningVariable warned -WarningAction SilentlyContinue
        $removed.SessionId | Sort-Object | Should -Be @('juno-2', 'juno-4')
        $warned | Should -Match 'juno-5.*no longer old'
        (Get-EvonicOldSession -Path $instance -IncludeProtected -MaxAgeDays 1 -AgentId juno).SessionId | Should -Not -Contain 'juno-4'
    }

    It 'emits the types its OutputType declares' {
        (Get-Command Get-EvonicOldSession).OutputType.Name | Should -Be 'Evonic.Sessions.EvonicSession'
        (Get-Command Remove-EvonicOldSession).OutputType.Name | Should -Be 'Evonic.Sessions.SessionRemovalResult'
        (Get-Command Get-EvonicSessionCleanup).OutputType.Name | Should -Be 'Evonic.Sessions.Scheduling.ScheduledCleanup'
        Get-EvonicOldSession -Path $instance -AgentId nova | Should -BeOfType ([Evonic.Sessions.EvonicSession])
        Remove-EvonicOldSession -Path $instance -AgentId nova -Force -PassThru | Should -BeOfType ([Evonic.Sessions.SessionRemovalResult])
    }

    It 'without -PassThru writes nothing to the pipeline' {
        Remove-EvonicOldSession -Path $instance -Force | Should -BeNullOrEmpty
        Get-EvonicOldSession -Path $instance | Should -BeNullOrEmpty
    }

    It 'gives the closing summary as an object that prints as the log line' {
        Remove-EvonicOldSession -Path $instance -Force -InformationVariable run -InformationAction SilentlyContinue
        $report = ($run | Where-Object Tags -contains 'Summary').MessageData
        $report | Should -BeOfType ([Evonic.Sessions.CleanupReport])
        $report.Removed | Should -Be $expected.Count
        $report.Messages | Should -Be 96
        $report.InstanceRoot | Should -Be $instance
        $report.ComputerName | Should -Be ([Environment]::MachineName)
        "$report" | Should -Match "^\[SESSION_CLEANUP\] done: removed $($expected.Count) session\(s\), 96 message\(s\)"
    }
}

Describe 'Preference variables' {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
    }

    It '$WhatIfPreference makes Remove-EvonicOldSession a preview' {
        $before = Get-InstanceHash $instance
        $WhatIfPreference = $true
        Remove-EvonicOldSession -Path $instance -Force -InformationVariable preview
        $WhatIfPreference = $false
        Get-InstanceHash $instance | Should -Be $before
        $preview.MessageData | Should -Contain "What if: $($expected.Count) session(s) would be removed."
    }

    It '$WhatIfPreference makes Register-EvonicSessionCleanup write nothing' -Skip:$IsWindows {
        $env:HOME, $home0 = (Join-Path $TestDrive 'home'), $env:HOME
        try {
            & { $WhatIfPreference = $true; Register-EvonicSessionCleanup -Path $instance -Scheduler Systemd -PwshPath $pwshCommand } 6>&1 | Out-Null
            Join-Path $TestDrive 'home/.config/systemd/user' | Should -Not -Exist
        }
        finally { $env:HOME = $home0 }
    }

    It '-WhatIf:$false overrides $WhatIfPreference' {
        & { $WhatIfPreference = $true; Remove-EvonicOldSession -Path $instance -AgentId juno -Force -WhatIf:$false }
        Get-EvonicOldSession -Path $instance -AgentId juno | Should -BeNullOrEmpty
    }

    It '$ConfirmPreference = ''None'' removes without asking (ConfirmImpact High)' {
        & { $ConfirmPreference = 'None'; Remove-EvonicOldSession -Path $instance -AgentId juno }
        Get-EvonicOldSession -Path $instance -AgentId juno | Should -BeNullOrEmpty
    }

    It 'asks before removing, and in a host that cannot ask, fails with ConfirmationRequired and removes nothing' {
        $before = Get-InstanceHash $instance
        { Remove-EvonicOldSession -Path $instance -ErrorAction Stop } | Should -Throw -ErrorId 'ConfirmationRequired*'
        Get-InstanceHash $instance | Should -Be $before
    }

    It 'in pwsh whose stdin is at its end (a pipe that closed), fails with ConfirmationRequired naming -Force and removes nothing' {
        $before = Get-InstanceHash $instance
        $start = [Diagnostics.ProcessStartInfo]::new($pwshCommand)
        foreach ($a in '-NoProfile', '-Command', "Import-Module '$manifest'; Remove-EvonicOldSession -Path '$instance' -AgentId juno") { $start.ArgumentList.Add($a) }
        $start.RedirectStandardInput = $start.RedirectStandardOutput = $start.RedirectStandardError = $true
        $start.Environment['NO_COLOR'] = '1'
        $process = [Diagnostics.Process]::Start($start)
        $process.StandardInput.Close()
        $stderr = $process.StandardError.ReadToEndAsync()
        $output = $process.StandardOutput.ReadToEnd() + $stderr.Result
        $process.WaitForExit(60000) | Should -BeTrue
        $output | Should -Match 'Add -Force'
        $output | Should -Not -Match 'NullReferenceException|Object reference not set'
        $process.ExitCode | Should -Be 1
        Get-InstanceHash $instance | Should -Be $before
    }

    It 'nests each agent''s progress under the run''s, and completes every record, also when Select-Object -First stops the pipeline' {
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript("Import-Module '$manifest'
                Get-EvonicOldSession -Path '$instance' | Select-Object -First 1
                Remove-EvonicOldSession -Path '$instance' -Force -PassThru | Select-Object -First 2")
            $output = $shell.Invoke()
            $shell.Streams.Error | Should -BeNullOrEmpty
            $output | Should -HaveCount 3
            $open = @{}
            foreach ($record in $shell.Streams.Progress) {
                if ($record.RecordType -eq 'Completed') { $open.Remove($record.ActivityId) } else { $open[$record.ActivityId] = $record }
            }
            $open.Values | Should -BeNullOrEmpty -Because 'no record is left on the screen'
            $nested = $shell.Streams.Progress | Where-Object ActivityId -eq 2
            $nested | Should -Not -BeNullOrEmpty
            $nested | ForEach-Object { $_.ParentActivityId | Should -Be 1 }
            ($shell.Streams.Progress | Where-Object ActivityId -eq 1).ParentActivityId | Sort-Object -Unique | Should -Be -1
        }
        finally { $shell.Dispose() }
    }

    It '-Confirm:$false removes without asking' {
        Remove-EvonicOldSession -Path $instance -AgentId lyra -Confirm:$false
        Get-EvonicOldSession -Path $instance -AgentId lyra | Should -BeNullOrEmpty
    }
}

Describe 'Errors' {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
    }

    It 'an unknown -AgentId is a non-terminating AgentNotFound; the other agents are still listed' {
        $listed = Get-EvonicOldSession -Path $instance -AgentId nobody, juno -ErrorAction SilentlyContinue -ErrorVariable failed
        $listed.SessionId | Sort-Object | Should -Be @('juno-2', 'juno-4', 'juno-5')
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'AgentNotFound,*'
        $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failed[0].TargetObject | Should -Be 'nobody'
    }

    It '-ErrorAction Stop turns it into a terminating error with the same ErrorId' {
        { Get-EvonicOldSession -Path $instance -AgentId nobody -ErrorAction Stop } | Should -Throw -ErrorId 'AgentNotFound*'
    }

    It 'a missing instance is InstanceNotFound (ObjectNotFound)' {
        $missing = Join-Path $TestDrive 'no-such-instance'
        $err = { Get-EvonicOldSession -Path $missing -ErrorAction Stop } | Should -Throw -ErrorId 'InstanceNotFound*' -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'an unreadable agent database is AgentDatabaseUnreadable for that agent only, and counted in the summary' {
        Set-Content (Join-Path $instance 'agents/lyra/chat.db') 'not a database' -NoNewline
        Remove-EvonicOldSession -Path $instance -Force -ErrorAction SilentlyContinue -ErrorVariable failed -InformationVariable run
        $failed.FullyQualifiedErrorId | Should -BeLike 'AgentDatabaseUnreadable,*'
        $failed.CategoryInfo.Category | Should -Be 'ReadError'
        ($run | Where-Object Tags -contains 'Summary').MessageData.Errors | Should -Be 1
        (Get-EvonicOldSession -Path $instance -AgentId juno, nova -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty
    }

    It 'a negative -MaxAgeDays is refused by parameter validation' {
        { Get-EvonicOldSession -Path $instance -MaxAgeDays -1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }

    It 'a second run while one holds the instance lock removes nothing: CleanupAlreadyRunning' {
        $lock = [IO.File]::Open((Join-Path $instance '.evonic-session-cleanup.lock'), 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            $before = Get-InstanceHash $instance
            Remove-EvonicOldSession -Path $instance -Force -ErrorAction SilentlyContinue -ErrorVariable failed
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'CleanupAlreadyRunning,*'
            $failed[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
            Get-InstanceHash $instance | Where-Object { $_ -notmatch 'evonic-session-cleanup\.lock' } |
                Should -Be ($before | Where-Object { $_ -notmatch 'evonic-session-cleanup\.lock' })
        }
        finally { $lock.Dispose() }
    }

    It 'Get-EvonicSessionCleanup -Name of nothing registered is ScheduleNotFound' -Skip:$IsWindows {
        $env:HOME, $home0 = (Join-Path $TestDrive 'home'), $env:HOME
        try {
            { Get-EvonicSessionCleanup -Name 'not-registered' -Scheduler Systemd -ErrorAction Stop } | Should -Throw -ErrorId 'ScheduleNotFound*'
        }
        finally { $env:HOME = $home0 }
    }
}

Describe 'Archive before delete' {
    BeforeAll {
        function Get-ArchiveCount([string] $Instance) {
            $path = Join-Path $Instance 'shared/db/session_archive.db'
            if (-not (Test-Path $path)) { return $null }
            $connection = [Microsoft.Data.Sqlite.SqliteConnection]::new("Data Source=$path;Mode=ReadOnly;Pooling=False")
            $connection.Open()
            try { $command = $connection.CreateCommand(); $command.CommandText = 'SELECT COUNT(*) FROM archive_sessions'; $command.ExecuteScalar() }
            finally { $connection.Dispose() }
        }
    }
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS, Env:EVONIC_SESSION_ARCHIVE -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
    }

    It '-Archive archives every removed session first and names its archive entry' {
        $removed = Remove-EvonicOldSession -Path $instance -Archive -Force -PassThru
        $removed | Where-Object { $null -eq $_.ArchiveId -and ($_.Session.Kind -ne 'Orphan' -or $_.Session.JsonlPath) } | Should -BeNullOrEmpty
        Get-ArchiveCount $instance | Should -Be @($removed | Where-Object ArchiveId).Count
        ($removed | Where-Object { $_.AttachmentsNotArchived.Count }).Count | Should -BeGreaterThan 0
    }

    It 'archives when the instance''s .env sets EVONIC_SESSION_ARCHIVE, and -Archive:$false overrides it' {
        Add-Content (Join-Path $instance '.env') "`nEVONIC_SESSION_ARCHIVE=true"
        $other = New-SampleInstance
        Add-Content (Join-Path $other '.env') "`nEVONIC_SESSION_ARCHIVE=true"
        Remove-EvonicOldSession -Path $instance -AgentId juno -Force
        Remove-EvonicOldSession -Path $other -AgentId juno -Force -Archive:$false
        Get-ArchiveCount $instance | Should -Be 3
        Get-ArchiveCount $other | Should -BeNullOrEmpty
    }

    It 'does not archive by default, and never with -WhatIf' {
        Remove-EvonicOldSession -Path $instance -Archive -Force -WhatIf
        Remove-EvonicOldSession -Path $instance -AgentId juno -Force
        Join-Path $instance 'shared/db/session_archive.db' | Should -Not -Exist
    }
}

Describe 'Get-EvonicSessionArchive' {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS, Env:EVONIC_SESSION_ARCHIVE -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
    }

    It 'lists nothing, quietly, where there is no archive' {
        Get-EvonicSessionArchive -Path $instance -ErrorVariable failed | Should -BeNullOrEmpty
        $failed | Should -BeNullOrEmpty
    }

    It 'lists what Remove-EvonicOldSession -Archive archived, with its counts, by agent, session and time' {
        $removed = Remove-EvonicOldSession -Path $instance -Archive -Force -PassThru | Where-Object ArchiveId
        $archived = Get-EvonicSessionArchive -Path $instance
        $archived.ArchiveId | Sort-Object | Should -Be ($removed.ArchiveId | Sort-Object)
        $archived | ForEach-Object { $_.ArchivedBy | Should -Be 'Evonic.Sessions' }
        ($archived | Where-Object SessionId -eq 'nova-2').MessageCount | Should -Be 40
        (Get-EvonicSessionArchive -Path $instance -AgentId ju*).SessionId | Sort-Object | Should -Be @('juno-2', 'juno-4', 'juno-5')
        (Get-EvonicSessionArchive -Path $instance -SessionId lyra-3).AgentId | Should -Be 'lyra'
        Get-EvonicSessionArchive -Path $instance -Before (Get-Date).AddHours(-1) | Should -BeNullOrEmpty
        @(Get-EvonicSessionArchive -Path $instance -After (Get-Date).AddHours(-1)).Count | Should -Be $archived.Count
    }

    It 'lists Evonic''s own /clear copies too, as Evonic wrote them' {
        Remove-EvonicOldSession -Path $instance -AgentId juno -Archive -Force
        $connection = [Microsoft.Data.Sqlite.SqliteConnection]::new("Data Source=$(Join-Path $instance 'shared/db/session_archive.db');Pooling=False")
        $connection.Open()
        try {
            # Evonic's _write_archive, as models/session_archive.py issues it.
            $command = $connection.CreateCommand()
            $command.CommandText = "INSERT INTO archive_sessions (session_id, agent_id, channel_id, external_user_id, bot_enabled) VALUES ('web-9', 'echo', NULL, 'ann', 1);
                INSERT INTO archive_jsonl (archive_id, line_number, entry_type, entry_json, ts) VALUES (last_insert_rowid(), 1, 'user', '{""type"": ""user""}', 1)"
            $null = $command.ExecuteNonQuery()
        }
        finally { $connection.Dispose() }
        $clear = Get-EvonicSessionArchive -Path $instance -SessionId web-9
        $clear.ArchivedBy | Should -BeNullOrEmpty
        $clear.JsonlLineCount | Should -Be 1
        (Get-EvonicSessionArchive -Path $instance | Out-String -Width 80) | Should -Match 'web-9\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+0\s+1 Evonic \(/clear\)'
    }
}

Describe 'Remove-EvonicSessionArchive' {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS, Env:EVONIC_SESSION_ARCHIVE -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
        Remove-EvonicOldSession -Path $instance -Archive -Force
        $all = Get-EvonicSessionArchive -Path $instance
    }

    It 'purges what Get-EvonicSessionArchive pipes to it, and nothing else' {
        Get-EvonicSessionArchive -Path $instance -AgentId juno | Remove-EvonicSessionArchive -Force
        (Get-EvonicSessionArchive -Path $instance).ArchiveId | Sort-Object | Should -Be (($all | Where-Object AgentId -ne 'juno').ArchiveId | Sort-Object)
    }

    It 'refuses -Path beside piped entries (they name their own instance), and purges nothing' {
        { $all | Remove-EvonicSessionArchive -Path $instance -Force -ErrorAction Stop } | Should -Throw -ErrorId 'PathWithPipedInput*'
        { $all | Restore-EvonicSession -Path $instance -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'PathWithPipedInput*'
        @(Get-EvonicSessionArchive -Path $instance).Count | Should -Be $all.Count
    }

    It '-WhatIf purges nothing; in a host that cannot prompt it asks and purges nothing' {
        $all | Remove-EvonicSessionArchive -WhatIf
        { $all | Remove-EvonicSessionArchive -ErrorAction Stop } | Should -Throw -ErrorId 'ConfirmationRequired*'
        @(Get-EvonicSessionArchive -Path $instance).Count | Should -Be $all.Count
    }

    It 'purges by -ArchiveId, each entry with its messages and lines' {
        $nova = $all | Where-Object SessionId -eq 'nova-2'
        Remove-EvonicSessionArchive -Path $instance -ArchiveId $nova.ArchiveId, 999999 -Confirm:$false
        Get-EvonicSessionArchive -Path $instance -SessionId nova-2 | Should -BeNullOrEmpty
        $connection = [Microsoft.Data.Sqlite.SqliteConnection]::new("Data Source=$(Join-Path $instance 'shared/db/session_archive.db');Mode=ReadOnly;Pooling=False")
        $connection.Open()
        try {
            $command = $connection.CreateCommand()
            $command.CommandText = "SELECT (SELECT COUNT(*) FROM archive_messages WHERE archive_id = $($nova.ArchiveId)) + (SELECT COUNT(*) FROM archive_jsonl WHERE archive_id = $($nova.ArchiveId))"
            $command.ExecuteScalar() | Should -Be 0
        }
        finally { $connection.Dispose() }
    }
}

Describe 'Restore-EvonicSession' {
    BeforeAll {
        function Get-SessionIds([string] $Instance, [string] $AgentId) {
            $connection = [Microsoft.Data.Sqlite.SqliteConnection]::new("Data Source=$(Join-Path $Instance "agents/$AgentId/chat.db");Mode=ReadOnly;Pooling=False")
            $connection.Open()
            try {
                $command = $connection.CreateCommand()
                $command.CommandText = 'SELECT id FROM chat_sessions ORDER BY id'
                $reader = $command.ExecuteReader()
                while ($reader.Read()) { $reader.GetString(0) }
            }
            finally { $connection.Dispose() }
        }
    }

    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS, Env:EVONIC_SESSION_ARCHIVE -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
        $before = Get-SessionIds $instance juno
        $logs = Get-ChildItem (Join-Path $instance 'agents/juno/sessions') -File | ForEach-Object { '{0} {1}' -f $_.Name, (Get-FileHash $_.FullName).Hash }
        Remove-EvonicOldSession -Path $instance -Archive -Force
    }

    It 'puts back what Get-EvonicSessionArchive pipes to it: rows and logs, and the next run leaves it alone' {
        $restored = Get-EvonicSessionArchive -Path $instance -AgentId juno | Restore-EvonicSession -PassThru
        $restored.SessionId | Sort-Object | Should -Be @('juno-2', 'juno-4', 'juno-5')
        $restored | ForEach-Object { $_ | Should -BeOfType ([Evonic.Sessions.SessionRestoreResult]) }
        Get-SessionIds $instance juno | Should -Be $before
        Get-ChildItem (Join-Path $instance 'agents/juno/sessions') -File | ForEach-Object { '{0} {1}' -f $_.Name, (Get-FileHash $_.FullName).Hash } |
            Should -Be $logs
        # Every column is back as it was, updated_at included (Evonic's lookups return what they did), and a hold keeps
        # them from the next run.
        Get-EvonicOldSession -Path $instance -AgentId juno | Where-Object SessionId -in 'juno-4', 'juno-5' | Should -BeNullOrEmpty
        (Get-EvonicOldSession -Path $instance -AgentId juno -IncludeProtected | Where-Object SessionId -eq 'juno-4').Protection | Should -Be 'RestoredHold'
        Get-EvonicOldSession -Path $instance -AgentId juno -IncludeProtected | Where-Object SessionId -eq 'juno-4' | Remove-EvonicSessionHold -Confirm:$false
        (Get-EvonicOldSession -Path $instance -AgentId juno).SessionId | Should -Contain 'juno-4' 
        ($restored | Out-String -Width 80) | Should -Match 'juno\s+juno-4\s+\d+\s+\d+\s+\d+ \d{4}-\d\d-\d\d \d\d:\d\d'
    }

    It 'restores the newest copy of -SessionId, and -WhatIf restores nothing' {
        Restore-EvonicSession -Path $instance -AgentId juno -SessionId juno-4 -WhatIf
        Get-SessionIds $instance juno | Should -Not -Contain 'juno-4'
        Restore-EvonicSession -Path $instance -AgentId juno -SessionId juno-4
        Get-SessionIds $instance juno | Should -Contain 'juno-4'
    }

    It 'refuses a live session with SessionExists, an unknown entry with ArchiveEntryNotFound, and changes nothing' {
        $entry = Get-EvonicSessionArchive -Path $instance -SessionId juno-4
        $entry | Restore-EvonicSession
        $hash = Get-InstanceHash $instance
        $entry | Restore-EvonicSession -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'SessionExists,*'
        $failed[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        Restore-EvonicSession -Path $instance -ArchiveId 999999 -ErrorVariable missing -ErrorAction SilentlyContinue
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'ArchiveEntryNotFound,*'
        $missing[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-InstanceHash $instance | Where-Object { $_ -notmatch 'evonic-session-cleanup.lock' } |
            Should -Be ($hash | Where-Object { $_ -notmatch 'evonic-session-cleanup.lock' })
    }

    It 'Get-EvonicOldSession shows how many archived copies of a session remain' {
        Restore-EvonicSession -Path $instance -AgentId nova -SessionId nova-2 -HoldDays 0
        Set-SessionUpdatedAt $instance nova nova-2 (Get-Date).AddDays(-200)
        Get-ChildItem (Join-Path $instance 'agents/nova/sessions') -File -Filter '*2*' | ForEach-Object { $_.LastWriteTimeUtc = (Get-Date).AddDays(-200) }
        $session = Get-EvonicOldSession -Path $instance -AgentId nova | Where-Object SessionId -eq 'nova-2'
        $session.ArchivedCopies | Should -Be 1
        ($session | Format-List | Out-String -Width 80) | Should -Match 'ArchivedCopies\s+: 1'
    }
}

Describe 'Get-EvonicSessionStore' {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS, Env:EVONIC_SESSION_ARCHIVE -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
    }

    It 'measures every chat.db with its logs and attachments, the main database and the archive' {
        $before = Get-EvonicSessionStore -Path $instance
        ($before | Where-Object Database -eq 'Chat').AgentId | Sort-Object | Should -Be ((Get-ChildItem (Join-Path $instance 'agents') -Directory |
            Where-Object { Test-Path (Join-Path $_.FullName 'chat.db') }).Name | Sort-Object)
        ($before | Where-Object Database -eq 'Main').FileBytes | Should -Be (Get-Item (Join-Path $instance 'shared/db/evonic.db')).Length
        $before | Where-Object Database -eq 'Archive' | Should -BeNullOrEmpty
        $siwa = $before | Where-Object AgentId -eq 'siwa'
        $siwa.LogBytes | Should -Be ((Get-ChildItem (Join-Path $instance 'agents/siwa/sessions') -Filter *.jsonl -File | Measure-Object Length -Sum).Sum)
        $siwa.AttachmentBytes | Should -BeGreaterThan 0
        "$($siwa.AutoVacuum)" | Should -BeIn 'None', 'Full', 'Incremental'

        Remove-EvonicOldSession -Path $instance -Archive -Force
        $after = Get-EvonicSessionStore -Path $instance
        ($after | Where-Object AgentId -eq 'siwa').FreeBytes | Should -BeGreaterThan $siwa.FreeBytes   # freed inside the file
        ($after | Where-Object AgentId -eq 'siwa').LogBytes | Should -BeLessThan $siwa.LogBytes
        ($after | Where-Object Database -eq 'Archive').FileBytes | Should -BeGreaterThan 0
        (Get-EvonicSessionStore -Path $instance -AgentId ju*).AgentId | Should -Be 'juno'
        ($after | Out-String -Width 80) | Should -Match 'Database\s+AgentId\s+FileBytes\s+FreeBytes\s+Free%\s+WalBytes\s+LogBytes'
    }
}

Describe 'Optimize-EvonicSessionStore' {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS, Env:EVONIC_SESSION_ARCHIVE -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
        Remove-EvonicOldSession -Path $instance -Force
    }

    It '-WhatIf says what each database would return and changes nothing' {
        $hash = Get-InstanceHash $instance
        Optimize-EvonicSessionStore -Path $instance -WhatIf | Should -BeNullOrEmpty
        Get-InstanceHash $instance | Should -Be $hash
    }

    It 'with -Force and -EnableIncrementalVacuum returns every free page and switches each database to incremental' {
        $before = Get-EvonicSessionStore -Path $instance
        $results = Optimize-EvonicSessionStore -Path $instance -Force -EnableIncrementalVacuum -Confirm:$false
        $results.Count | Should -Be $before.Count
        $results | ForEach-Object { $_.Method | Should -Be 'Vacuum'; $_.AutoVacuum | Should -Be 'Incremental' }
        (Get-EvonicSessionStore -Path $instance) | ForEach-Object { $_.FreeBytes | Should -Be 0 }
        # (Bytes returned on a large database: OptimizeTests. These small ones grow a little: INCREMENTAL adds pointer-map pages.)
        ($results | Out-String -Width 80) | Should -Match 'Database\s+AgentId\s+Method\s+BytesReturned\s+LockMs\s+Reason'
    }

    It 'steps through incremental databases, and with -Vacuum rewrites them whole, keeping them incremental' {
        Optimize-EvonicSessionStore -Path $instance -Force -EnableIncrementalVacuum -Confirm:$false | Out-Null
        (Optimize-EvonicSessionStore -Path $instance -Confirm:$false).Method | Sort-Object -Unique | Should -Be 'IncrementalVacuum'
        $rewritten = Optimize-EvonicSessionStore -Path $instance -Vacuum -Force -Confirm:$false
        $rewritten | ForEach-Object { $_.Method | Should -Be 'Vacuum'; $_.AutoVacuum | Should -Be 'Incremental' }
    }
}

Describe 'Remove-EvonicOldSession -Optimize' {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS, Env:EVONIC_SESSION_ARCHIVE -ErrorAction SilentlyContinue
        $instance = New-SampleInstance
    }

    It 'gives back the free pages of incremental databases and counts them in the closing line' {
        # juno and siwa are switched to incremental before anything is removed; the others stay as Evonic made them.
        Optimize-EvonicSessionStore -Path $instance -AgentId juno, siwa -Force -EnableIncrementalVacuum -Confirm:$false | Out-Null
        $before = Get-EvonicSessionStore -Path $instance
        Remove-EvonicOldSession -Path $instance -Force -Optimize -InformationVariable info -WarningVariable warnings
        $after = Get-EvonicSessionStore -Path $instance

        $returned = 0
        foreach ($agent in 'juno', 'siwa') {
            $was, $is = ($before | Where-Object AgentId -eq $agent), ($after | Where-Object AgentId -eq $agent)
            $is.FreeBytes | Should -Be 0 -Because "$agent is incremental"
            $returned += $was.FileBytes - $is.FileBytes
        }
        ($after | Where-Object AgentId -eq 'siwa').FileBytes | Should -BeLessThan ($before | Where-Object AgentId -eq 'siwa').FileBytes -Because "siwa's 10 removed sessions freed whole pages"
        $warnings | Should -BeNullOrEmpty -Because 'no other database was left with free pages'
        $report = ($info | Where-Object { $_.MessageData -is [Evonic.Sessions.CleanupReport] }).MessageData
        $report.DatabaseBytesReturned | Should -Be $returned
        $report.Line | Should -Match "freed, [\d.]+ KB \($returned bytes\) returned by databases, in "
    }

    It 'never vacuums a database that is not incremental: it keeps its free pages and a warning says how to switch it' {
        $siwa = Get-EvonicSessionStore -Path $instance -AgentId siwa
        Remove-EvonicOldSession -Path $instance -Force -Optimize -InformationVariable info -WarningVariable warnings -LogPath (Join-Path $TestDrive 'cleanup.log')
        $after = Get-EvonicSessionStore -Path $instance -AgentId siwa
        $after.FreeBytes | Should -BeGreaterThan 0
        $after.FileBytes | Should -Be $siwa.FileBytes
        ($warnings -join "`n") | Should -BeLike "*'$($after.Path)' kept $($after.FreeBytes) bytes of free pages: *-EnableIncrementalVacuum*"
        (Get-Content (Join-Path $TestDrive 'cleanup.log')) -join "`n" | Should -Match "\[SESSION_CLEANUP\] not optimized: .*$([regex]::Escape($after.Path))"
        ($info | Where-Object { $_.MessageData -is [Evonic.Sessions.CleanupReport] }).MessageData.DatabaseBytesReturned | Should -Be 0
    }

    It 'with -WhatIf changes nothing and says what it would do' {
        $hash = Get-InstanceHash $instance
        Remove-EvonicOldSession -Path $instance -Optimize -WhatIf -InformationVariable info
        Get-InstanceHash $instance | Should -Be $hash
        ($info.MessageData -join "`n") | Should -Match 'would be removed, then the databases in auto_vacuum = INCREMENTAL would give their free pages back'
    }
}

Describe 'Pipeline input by property name, -Path and -LiteralPath' {
    BeforeEach {
        Remove-Item Env:EVONIC_SESSION_MAX_AGE_DAYS, Env:EVONIC_SESSION_ARCHIVE -ErrorAction SilentlyContinue
        $parent = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $instance = New-SampleInstance (Join-Path $parent 'one')
        $bracketed = New-SampleInstance (Join-Path $parent 'two[1]')
    }

    It 'lists the folder Get-Item pipes (PSPath binds -LiteralPath), and every folder Get-ChildItem pipes' {
        (Get-Item $instance | Get-EvonicOldSession).SessionId | Sort-Object | Should -Be ($expected | Sort-Object)
        (Get-ChildItem $parent -Directory | Get-EvonicOldSession | Select-Object -ExpandProperty InstanceRoot -Unique) | Sort-Object |
            Should -Be (@($instance, $bracketed) | Sort-Object)
    }

    It 'lists the instance of an object''s Path or InstanceRoot property, with its AgentId' {
        ([pscustomobject]@{ Path = $instance } | Get-EvonicOldSession).SessionId | Sort-Object | Should -Be ($expected | Sort-Object)
        ([pscustomobject]@{ InstanceRoot = $instance; AgentId = 'juno' } | Get-EvonicOldSession).SessionId | Should -Be @('juno-2', 'juno-4', 'juno-5')
    }

    It '-Path takes wildcards, -LiteralPath takes brackets as they are' {
        (Get-EvonicOldSession -Path (Join-Path $parent 'o*')).InstanceRoot | Select-Object -Unique | Should -Be $instance
        (Get-EvonicOldSession -LiteralPath $bracketed).InstanceRoot | Select-Object -Unique | Should -Be $bracketed
        { Get-EvonicOldSession -Path (Join-Path $parent 'nothing*') -ErrorAction Stop } | Should -Throw -ErrorId 'InstanceNotFound*'
    }

    It 'removes exactly the rows of an Export-Csv listing piped back through Import-Csv, each judged again' {
        $csv = Join-Path $TestDrive 'old.csv'
        Get-EvonicOldSession -Path $instance -AgentId juno, lyra | Export-Csv $csv
        $rows = Import-Csv $csv | Where-Object SessionId -in 'juno-4', 'lyra-3'
        $removed = $rows | Remove-EvonicOldSession -Force -PassThru
        $removed.SessionId | Sort-Object | Should -Be @('juno-4', 'lyra-3')
        (Get-EvonicOldSession -Path $instance).SessionId | Sort-Object | Should -Be ($expected | Where-Object { $_ -notin 'juno-4', 'lyra-3' } | Sort-Object)
        # A row of a session that has become active since is kept.
        Set-SessionUpdatedAt $instance juno juno-5 (Get-Date)
        Import-Csv $csv | Where-Object SessionId -eq 'juno-5' | Remove-EvonicOldSession -Force -PassThru -WarningVariable kept -WarningAction SilentlyContinue |
            Should -BeNullOrEmpty
        "$kept" | Should -Match "Kept agent 'juno', session 'juno-5'.*no longer old"
    }

    It 'removes sessions that went through serialization (remoting), and refuses those of another computer' {
        $listed = Get-EvonicOldSession -Path $instance -AgentId lyra
        $deserialized = [Management.Automation.PSSerializer]::Deserialize([Management.Automation.PSSerializer]::Serialize($listed))
        $deserialized[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.Evonic.Sessions.EvonicSession'
        ($deserialized | Remove-EvonicOldSession -Force -PassThru).SessionId | Sort-Object | Should -Be @('lyra-3', 'lyra-4')

        $elsewhere = [Management.Automation.PSSerializer]::Deserialize([Management.Automation.PSSerializer]::Serialize((Get-EvonicOldSession -Path $instance -AgentId nova)))
        $elsewhere | Add-Member PSComputerName 'fleet-host-7'
        $hash = Get-InstanceHash $instance
        $elsewhere | Remove-EvonicOldSession -Force -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'SessionOfAnotherComputer,*' }
        $refused[0].Exception.Message | Should -Match 'fleet-host-7'
        Get-InstanceHash $instance | Should -Be $hash
    }
}
