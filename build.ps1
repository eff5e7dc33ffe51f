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
    # Run every test: the xunit suites and, in this pwsh, the Pester suite (tests/Pester), as `dotnet test` does.
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
    # The same command as the README's and CI's: PesterSuiteTests runs tests/Pester with this very pwsh.
    $env:EVONIC_PWSH = (Get-Process -Id $PID).Path
    $env:EVONIC_REQUIRE_PWSH = '1'
    dotnet test Evonic.Sessions.sln -c $Configuration --no-build
    $failed = $LASTEXITCODE
    if (Test-Path artifacts/pester.log) { Get-Content artifacts/pester.log | Select-String -Pattern '^Tests (completed|Passed)' | ForEach-Object Line }
    if ($failed) { throw "dotnet test failed ($failed); the Pester output is in artifacts/pester.log." }
}
