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
