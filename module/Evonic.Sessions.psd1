@{
    RootModule           = 'Evonic.Sessions.PowerShell.dll'
    # Loaded before the root module: on PowerShell 7.6+ it loads the ReadyToRun images of readytorun/ (no JIT at first
    # use); elsewhere it does nothing and the IL assemblies beside this manifest load.
    NestedModules        = @('Evonic.Sessions.ReadyToRun.psm1')
    ModuleVersion        = '{{ModuleVersion}}' # {{...}}: stamped from Directory.Build.props and CHANGELOG.md when the module is staged
    CompatiblePSEditions = @('Desktop', 'Core')
    GUID                 = '7c0e3f52-5a8e-4d57-9b0a-2f6a1c9d4e31'
    Author               = 'Evonic.Sessions contributors'
    CompanyName          = 'Evonic.Sessions'
    Copyright            = '(c) Evonic.Sessions contributors. MIT License.'
    Description          = 'Keeps the agent chat sessions of an Evonic instance from growing without bound: lists old sessions and removes them, with their messages, chat logs and attachments, never touching protected sessions.'
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('Evonic.Sessions.Format.ps1xml')
    CmdletsToExport = @("Get-EvonicOldSession", "Remove-EvonicOldSession", "Register-EvonicSessionCleanup", "Unregister-EvonicSessionCleanup", "Get-EvonicSessionCleanup", "Get-EvonicSessionArchive", "Remove-EvonicSessionArchive", "Restore-EvonicSession", "Remove-EvonicSessionHold", "Get-EvonicSessionStore", "Optimize-EvonicSessionStore", "Get-EvonicSessionPolicy", "Set-EvonicSessionPolicy", "Measure-EvonicSession", "Export-EvonicUserData", "Remove-EvonicUserData", "Get-EvonicErasure")
    FunctionsToExport    = @()
    HelpInfoURI          = '{{RepositoryUrl}}/tree/main/docs/help'
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Evonic', 'Sessions', 'Cleanup', 'Retention', 'SQLite', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = '{{RepositoryUrl}}'
            LicenseUri   = '{{RepositoryUrl}}/blob/main/LICENSE'
            # CHANGELOG.md down to this version's section (with [Unreleased], which this build holds too); the whole file ships in the module.
            ReleaseNotes = @'
{{ReleaseNotes}}
'@
        }
    }
}
