#requires -Version 7.0
<#
.SYNOPSIS
    Runs the Pester suite (tests/Pester/*.Tests.ps1) against the staged module; exits with the number of failures.
.DESCRIPTION
    `dotnet test Evonic.Sessions.sln` runs this through PesterSuiteTests whenever a pwsh is found, and so do
    ./build.ps1 -Test and CI; run it directly after a build for the suite alone. Needs Pester 5.
#>
param([string] $Output = 'Detailed')
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'   # a log, not a console
# The pinned Pester (its NuGet package, restored by the build) when the test runner names it; else the newest installed.
if ($env:EVONIC_PESTER) { Import-Module $env:EVONIC_PESTER } else { Import-Module Pester -MinimumVersion 5.0 }
"Pester $((Get-Module Pester).Version) in PowerShell $($PSVersionTable.PSVersion) ($((Get-Process -Id $PID).Path))"
$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'JUnitXml'
$configuration.TestResult.OutputPath = Join-Path $PSScriptRoot '../../artifacts/pester-results.xml'
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = $Output
$result = Invoke-Pester -Configuration $configuration
if ($result.PassedCount -eq 0) { Write-Error 'The Pester suite ran no tests.' -ErrorAction Continue; exit 1 }
exit $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
