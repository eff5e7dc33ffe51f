#requires -Version 7.0
<#
.SYNOPSIS
    Builds and stages the Evonic.Sessions module; optionally runs the xunit and Pester suites and rebuilds help.
.EXAMPLE
    ./build.ps1 -Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',
    # Run the xunit suites and, when Pester 5 is installed, tests/*.Tests.ps1.
    [switch] $Test,
    # Regenerate the MAML help from docs/help/*.md (needs platyPS).
    [switch] $Help
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

if ($Help) {
    Import-Module platyPS -ErrorAction Stop
    New-ExternalHelp -Path docs/help -OutputPath module/en-US -Force | Out-Null
}

dotnet build Evonic.Sessions.sln -c $Configuration
if ($LASTEXITCODE) { throw "dotnet build failed ($LASTEXITCODE)." }
Write-Host "Module staged at $(Join-Path $PSScriptRoot 'artifacts/module/Evonic.Sessions')"

if ($Test) {
    dotnet test Evonic.Sessions.sln -c $Configuration --no-build
    if ($LASTEXITCODE) { throw "dotnet test failed ($LASTEXITCODE)." }
    if (Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0') {
        $result = Invoke-Pester -Path tests -PassThru -Output Detailed
        if ($result.FailedCount) { throw "$($result.FailedCount) Pester test(s) failed." }
    }
    else {
        Write-Warning 'Pester 5 is not installed: skipped tests/*.Tests.ps1 (Install-Module Pester -MinimumVersion 5.0).'
    }
}
