# What every Pester file of the suite shares; dot-source it in BeforeAll. The module is imported from the staged
# folder that `dotnet build` writes (artifacts/module/Evonic.Sessions), exactly as a user would import it.

$script:repo = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
$script:manifest = Join-Path $repo 'artifacts/module/Evonic.Sessions/Evonic.Sessions.psd1'
if (-not (Test-Path $manifest)) { throw "Build first (dotnet build Evonic.Sessions.sln): $manifest is missing." }
Import-Module $manifest -Force

# The pwsh a scheduler or an ssh subsystem should start: the one the suite was launched with (EVONIC_PWSH, set by
# the xunit runner and build.ps1; on this toolchain a launcher script), else pwsh on PATH, else this very process.
$script:pwshCommand = if ($env:EVONIC_PWSH) { $env:EVONIC_PWSH }
    elseif (Get-Command pwsh -CommandType Application -ErrorAction Ignore) { (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source }
    else { (Get-Process -Id $PID).Path }

# The sessions the sample instance's 90-day cleanup removes (src/Evonic.Sessions.SampleData/SampleInstance.cs).
$script:expected = 'echo-3', 'juno-2', 'juno-4', 'juno-5', 'lyra-3', 'lyra-4', 'nova-2', 'nova-4', 'siwa-0rphan01', 'siwa-7b2c',
    'siwa-9d4e', 'siwa-9d4f', 'siwa-a003', 'siwa-a008', 'siwa-a009', 'siwa-b002', 'siwa-web-1', 'siwa_sub_1-3d89d735'

function New-SampleInstance([string] $Path = (Join-Path $TestDrive ([guid]::NewGuid().ToString('N')))) {
    # The built sample writer when there is one (fast), else through dotnet run.
    $writer = Get-ChildItem (Join-Path $repo 'src/Evonic.Sessions.SampleData/bin') -Recurse -Filter Evonic.Sessions.SampleData.dll -ErrorAction Ignore |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1
    if ($writer) { dotnet $writer.FullName $Path | Out-Null }
    else { dotnet run --project (Join-Path $repo 'src/Evonic.Sessions.SampleData') -- $Path | Out-Null }
    if ($LASTEXITCODE) { throw "The sample instance could not be written to $Path." }
    $Path
}

# Every file's hash, but not SQLite's -wal and -shm side files: opening a WAL database creates them, and their
# content is SQLite's, not the instance's (a -WhatIf run opens every chat.db read-only).
function Get-InstanceHash([string] $Path) {
    Get-ChildItem $Path -Recurse -File | Where-Object Name -notmatch '-(wal|shm)$' | Sort-Object FullName |
        ForEach-Object { '{0} {1}' -f $_.FullName.Substring($Path.Length), (Get-FileHash $_.FullName).Hash }
}

# A session row's updated_at, set through the module's own SQLite (a first listing loads it).
function Set-SessionUpdatedAt([string] $Instance, [string] $AgentId, [string] $SessionId, [datetime] $When) {
    $null = Get-EvonicOldSession -Path $Instance -AgentId $AgentId
    $connection = [Microsoft.Data.Sqlite.SqliteConnection]::new("Data Source=$(Join-Path $Instance "agents/$AgentId/chat.db");Pooling=False")
    $connection.Open()
    try {
        $command = $connection.CreateCommand()
        $command.CommandText = 'UPDATE chat_sessions SET updated_at = $t WHERE id = $id'
        $null = $command.Parameters.AddWithValue('$t', $When.ToUniversalTime().ToString('yyyy-MM-dd HH:mm:ss'))
        $null = $command.Parameters.AddWithValue('$id', $SessionId)
        if ($command.ExecuteNonQuery() -ne 1) { throw "No session $SessionId in $AgentId." }
    }
    finally { $connection.Dispose() }
}

# Every example the user is shown, as written: the README's ```powershell blocks and its inline commands that take
# arguments, each cmdlet's help examples (Get-Help, from the MAML the module ships) and the about_ topics' command
# blocks (indented code whose first line is a command) and EXAMPLES lines. Remote = it runs on other hosts
# (Invoke-Command -HostName): Remoting.Tests.ps1 runs those against its own sshd. Platform = the system whose
# scheduler tools it calls (Windows, MacOS, Systemd), else Any.
function Get-DocumentedExample {
    $examples = [Collections.Generic.List[object]]::new()
    function Add([string] $Source, [string] $Code) {
        $Code = $Code.Trim()
        # Where it can run: examples for another system's scheduler run only there (and are checked statically here).
        $platform = if ($Code -match 'ScheduledTask|schtasks|\b[A-Z]:\\') { 'Windows' }
            elseif ($Code -match '\blaunchctl\b') { 'MacOS' }
            elseif ($Code -match '\b(systemctl|journalctl)\b') { 'Systemd' }
            else { 'Any' }
        if ($Code) { $examples.Add([pscustomobject]@{ Source = $Source; Code = $Code; Remote = $Code -match '-HostName\b'; Platform = $platform }) }
    }
    $readme = Get-Content (Join-Path $repo 'README.md') -Raw
    foreach ($block in [regex]::Matches($readme, '(?ms)^```powershell\r?\n(.*?)^```')) { Add 'README' $block.Groups[1].Value }
    foreach ($span in [regex]::Matches($readme, '`((?:Get|Remove|Restore|Register|Unregister|Optimize)-Evonic\w+ [^`]+)`')) { Add 'README' $span.Groups[1].Value }

    foreach ($command in (Get-Command -Module Evonic.Sessions -CommandType Cmdlet | Sort-Object Name)) {
        foreach ($example in (Get-Help $command.Name -Full).examples.example) { Add "Get-Help $($command.Name) ($($example.title.Trim(' -')))" $example.code }
    }

    $verbs = (Get-Verb).Verb -join '|'
    foreach ($topic in (Get-ChildItem (Join-Path (Split-Path $manifest) 'en-US') -Filter 'about_*.help.txt')) {
        $lines = Get-Content $topic.FullName
        $section = ''
        for ($i = 0; $i -lt $lines.Count; $i++) {
            $line = $lines[$i]
            if ($line -match '^[A-Z][A-Z ]+$') { $section = $line; continue }
            if ($section -eq 'EXAMPLES' -and $line -match '^    \S') { Add $topic.BaseName $line; continue }
            if ($line -match "^        ($verbs)-\w+") {
                $block = [Collections.Generic.List[string]]::new()
                while ($i -lt $lines.Count -and $lines[$i] -match '^        ') { $block.Add($lines[$i]); $i++ }
                $i--
                Add $topic.BaseName ($block -join "`n")
            }
        }
    }
    $examples
}

# The instance the examples are written for: the sample at ~/.evonic after a night that archived and removed the
# sessions idle longer than 180 days (archive ids 1-12, siwa's 8-12), restored juno-5 (so it is held) and logged to
# logs/session-cleanup.log; a 90-day listing still finds sessions to show. (Its nightly job: New-SchedulerStandIn.)
function New-ExampleInstance([string] $UserHome) {
    $instance = New-SampleInstance (Join-Path $UserHome '.evonic')
    $null = Remove-EvonicOldSession -Path $instance -MaxAgeDays 180 -Archive -Force -LogPath (Join-Path $instance 'logs/session-cleanup.log')
    $null = Restore-EvonicSession -Path $instance -AgentId juno -SessionId juno-5 -Confirm:$false
    $instance
}

# Stand-ins for the schedulers' command-line tools, first on PATH where examples run: a crontab kept in $HOME/crontab;
# systemctl and launchctl that note each call in $HOME/scheduler-calls.txt and succeed. The machine's own schedules
# are never read or written.
function New-SchedulerStandIn([string] $Folder) {
    New-Item -ItemType Directory $Folder -Force | Out-Null
    Set-Content (Join-Path $Folder 'crontab') "#!/bin/sh`nif [ `"`$1`" = -l ]; then cat `"`$HOME/crontab`" 2>/dev/null || { echo 'no crontab' >&2; exit 1; }; else cat > `"`$HOME/crontab`"; fi`n" -NoNewline
    foreach ($tool in 'systemctl', 'launchctl') { Set-Content (Join-Path $Folder $tool) "#!/bin/sh`necho `"$tool `$*`" >> `"`$HOME/scheduler-calls.txt`"`n" -NoNewline }
    chmod +x (Get-ChildItem $Folder -File).FullName
    $Folder
}

# A process as a scheduler starts it: a bare environment, stdin a pipe nobody writes to (a prompt would hang
# until the timeout), stdout and stderr captured.
function Start-AsScheduler([string] $file, [string[]] $arguments, [hashtable] $environment) {
    $start = [Diagnostics.ProcessStartInfo]::new($file)
    foreach ($a in $arguments) { $start.ArgumentList.Add($a) }
    $start.Environment.Clear()
    foreach ($k in $environment.Keys) { $start.Environment[$k] = $environment[$k] }
    $start.RedirectStandardInput = $start.RedirectStandardOutput = $start.RedirectStandardError = $true
    $process = [Diagnostics.Process]::Start($start)
    $stdout = $process.StandardOutput.ReadToEndAsync(); $stderr = $process.StandardError.ReadToEndAsync()
    if (-not $process.WaitForExit(180000)) { $process.Kill($true); throw "The scheduled command did not finish in 180 s (waiting for input?): $($stdout.Result)" }
    [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout.Result + $stderr.Result }
}

# cron: the sixth field on, '\%' back to '%' (a bare '%' would end the command), to /bin/sh -c, with cron's environment.
function Invoke-AsCron([string] $line, [string] $UserHome = $env:HOME) {
    $command = ($line -split ' ', 6)[5].Replace('\%', '%')
    Start-AsScheduler /bin/sh @('-c', $command) @{ HOME = $UserHome; LOGNAME = 'evonic'; SHELL = '/bin/sh'; PATH = '/usr/bin:/bin' }
}
