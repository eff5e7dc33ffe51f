# Runs before PowerShell loads the cmdlets (the manifest's RootModule): on PowerShell 7.6+ (.NET 10+) it loads the
# ReadyToRun images of the store and of SQLite's managed assemblies (readytorun/net10.0/<rid>/), so their code is not
# JIT-compiled at first use. Windows PowerShell 5.1, PowerShell 7.4/7.5 and platforms without images load the IL
# assemblies beside the manifest, as before. Only .NET calls: a host may import the module without any other module
# (no Join-Path). Exports nothing.
if ($PSEdition -eq 'Core') {
    $cmdlets = [System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine($PSScriptRoot, 'Evonic.Sessions.PowerShell.dll'))
    $null = $cmdlets.GetType('Evonic.Sessions.PowerShell.ReadyToRunImages', $true)::Preload($PSScriptRoot)
}
Export-ModuleMember
