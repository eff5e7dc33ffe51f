#requires -Version 7.0
<#
.SYNOPSIS
    Builds and stages the Evonic.Sessions module; optionally runs every test (-Test), rewrites the MAML help (-Help) and
    makes the module's package (-Package).
.EXAMPLE
    ./build.ps1 -Test
.EXAMPLE
    dotnet pwsh ./build.ps1 -Package
    Builds in Release and writes artifacts/packages/Evonic.Sessions.<version>.nupkg with Publish-PSResource.
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',
    # Run every test: the xunit suites and, in this pwsh, the Pester suite (tests/Pester), as `dotnet test` does.
    [switch] $Test,
    # Regenerate the MAML help from docs/help/*.md and the cmdlets' metadata, with the generator CI checks it against.
    [switch] $Help,
    # Build in Release (unless -Configuration says otherwise) and publish the staged module with Publish-PSResource to a
    # file repository in artifacts/packages: the .nupkg that Install-PSResource, a gallery or an internal feed takes.
    [switch] $Package
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

if ($Package -and -not $PSBoundParameters.ContainsKey('Configuration')) { $Configuration = 'Release' }
dotnet build Evonic.Sessions.sln -c $Configuration
if ($LASTEXITCODE) { throw "dotnet build failed ($LASTEXITCODE)." }

if ($Help) {
    # The one generator (build/Evonic.Sessions.HelpWriter); in CI HelpTests fails when the committed MAML differs from
    # what it builds. It reads the staged module's cmdlets, so the module is staged again afterwards with the new help.
    $maml = 'module/en-US/Evonic.Sessions.PowerShell.dll-Help.xml'
    dotnet run --project build/Evonic.Sessions.HelpWriter -c $Configuration --no-build -- `
        (Join-Path $PSScriptRoot 'artifacts/module/Evonic.Sessions/Evonic.Sessions.psd1') (Join-Path $PSScriptRoot 'docs/help') (Join-Path $PSScriptRoot $maml)
    if ($LASTEXITCODE) { throw "The help could not be written ($LASTEXITCODE)." }
    dotnet build src/Evonic.Sessions.PowerShell -c $Configuration
    if ($LASTEXITCODE) { throw "dotnet build failed ($LASTEXITCODE)." }
}
Write-Host "Module staged at $(Join-Path $PSScriptRoot 'artifacts/module/Evonic.Sessions')"

if ($Test) {
    # The same command as the README's and CI's: PesterSuiteTests runs tests/Pester with this very pwsh when it is an
    # installed pwsh; the pinned tool's pwsh runs inside dotnet, so then the build's artifacts/tools/pwsh is used.
    $self = (Get-Process -Id $PID).Path
    if ((Split-Path $self -Leaf) -match '^pwsh(\.exe)?$') { $env:EVONIC_PWSH = $self }
    $env:EVONIC_REQUIRE_PWSH = '1'
    dotnet test Evonic.Sessions.sln -c $Configuration --no-build
    $failed = $LASTEXITCODE
    if (Test-Path artifacts/pester.log) { Get-Content artifacts/pester.log | Select-String -Pattern '^Tests (completed|Passed)' | ForEach-Object Line }
    if ($failed) { throw "dotnet test failed ($failed); the Pester output is in artifacts/pester.log." }
}

if ($Package) {
    # A file repository registered for this one publish (PSResourceGet keeps its repositories in the user's settings).
    $packages = Join-Path $PSScriptRoot 'artifacts/packages'
    $module = Join-Path $PSScriptRoot 'artifacts/module/Evonic.Sessions'
    $version = (Import-PowerShellDataFile (Join-Path $module 'Evonic.Sessions.psd1')).ModuleVersion
    New-Item -ItemType Directory $packages -Force | Out-Null
    Remove-Item (Join-Path $packages "Evonic.Sessions.$version.nupkg") -ErrorAction Ignore
    $repository = "Evonic.Sessions.Build.$PID"
    Register-PSResourceRepository -Name $repository -Uri $packages -Trusted
    # From artifacts/: where the user has no ~/.config, NuGet (inside Publish-PSResource) writes NuGet/NuGet.Config
    # below the current folder.
    Push-Location (Join-Path $PSScriptRoot 'artifacts')
    try { Publish-PSResource -Path $module -Repository $repository }
    finally { Pop-Location; Unregister-PSResourceRepository -Name $repository }
    Write-Host "Package: $(Join-Path $packages "Evonic.Sessions.$version.nupkg")"
}
