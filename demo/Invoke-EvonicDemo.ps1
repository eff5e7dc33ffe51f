<#
.SYNOPSIS
    The main job, end to end: list old sessions, preview their removal, remove them, list again.
.DESCRIPTION
    Without -Path (and without $env:EVONIC_HOME) it first writes a realistic sample instance to a temporary
    folder and runs the whole cleanup on it. Given a real instance it only previews (-WhatIf) unless -Remove
    is given too. It builds the module from this repository first (dotnet build stages it under artifacts/module)
    and imports that build, so it runs on a fresh clone in the pinned pwsh:
        dotnet tool restore && dotnet pwsh demo/Invoke-EvonicDemo.ps1
.EXAMPLE
    dotnet pwsh demo/Invoke-EvonicDemo.ps1 -Path ~/.evonic
    Previews a cleanup of a real instance; nothing is removed without -Remove.
#>
param(
    [string] $Path,
    [switch] $Remove
)
$ErrorActionPreference = 'Stop'

if (-not $Path) { $Path = $env:EVONIC_HOME }
if (-not $Path) {
    $Path = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'evonic-sample')
    $sampleProject = [System.IO.Path]::Combine($PSScriptRoot, '..', 'src', 'Evonic.Sessions.SampleData')
    "Writing a sample Evonic instance to $Path ..."
    $null = & dotnet run --project $sampleProject -- $Path
    if ($LASTEXITCODE -ne 0) { throw "The sample instance could not be written (exit code $LASTEXITCODE)." }
    $Remove = $true
}

$repository = Split-Path $PSScriptRoot -Parent
"Building the module ..."
$null = & dotnet build ([System.IO.Path]::Combine($repository, 'src', 'Evonic.Sessions.PowerShell')) -nologo -verbosity:quiet
if ($LASTEXITCODE -ne 0) { throw "The module could not be built (exit code $LASTEXITCODE)." }
Import-Module ([System.IO.Path]::Combine($repository, 'artifacts', 'module', 'Evonic.Sessions', 'Evonic.Sessions.psd1'))

"`n== Old sessions of $Path, protected ones included =="
Get-EvonicOldSession -Path $Path -IncludeProtected | Out-Default

"`n== What a cleanup would remove =="
Get-EvonicOldSession -Path $Path | Remove-EvonicOldSession -WhatIf -InformationAction Continue

if ($Remove) {
    "`n== Removing =="
    Get-EvonicOldSession -Path $Path | Remove-EvonicOldSession -Force -PassThru -InformationAction Continue | Out-Default

    "`n== Old sessions left (all protected) =="
    Get-EvonicOldSession -Path $Path -IncludeProtected | Out-Default
}
else {
    "`nNothing was removed. Run again with -Remove to remove the sessions listed above."
}
