<#
.SYNOPSIS
  Installs MlPipeline.Host as a Windows service (run in an elevated PowerShell).

.DESCRIPTION
  Publishes the host to -InstallDir, copies the configuration (an existing one is kept), registers the service
  with New-Service (automatic start, running "MlPipeline.Host.exe serve --config <dir>\config\kafka_config.yaml"),
  sets recovery options with sc.exe (restart after 5 s, 10 s, 30 s; reset the failure count after a day) and starts it.
  The host calls UseWindowsService, so the service manager's stop request starts the same graceful drain as SIGTERM
  on Linux, bounded by service.shutdown_timeout_seconds in the configuration.

.EXAMPLE
  .\scripts\install-windows-service.ps1
  .\scripts\install-windows-service.ps1 -InstallDir D:\MlPipeline -Account "NT SERVICE\MlPipeline" -WhatIf
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [string] $ServiceName = "MlPipeline",
    [string] $InstallDir = "C:\Program Files\MlPipeline",
    [string] $Config = (Join-Path $PSScriptRoot "..\config\kafka_config.yaml"),
    # A virtual service account by default: a dedicated identity without a password to manage.
    [string] $Account = "NT SERVICE\MlPipeline"
)

$ErrorActionPreference = "Stop"
$repository = Resolve-Path (Join-Path $PSScriptRoot "..")

if (-not (Test-Path $Config)) { throw "Configuration file not found: $Config" }
$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $WhatIfPreference -and -not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw "Run this script from an elevated (Administrator) PowerShell, or with -WhatIf to see what it would do."
}

$executable = Join-Path $InstallDir "MlPipeline.Host.exe"
$installedConfig = Join-Path $InstallDir "config\kafka_config.yaml"
$binaryPath = "`"$executable`" serve --config `"$installedConfig`""

if ($PSCmdlet.ShouldProcess($InstallDir, "dotnet publish MlPipeline.Host")) {
    if (Get-Service -Name $ServiceName -ErrorAction SilentlyContinue) {
        # The running binary locks its files; stop it before overwriting them.
        Stop-Service -Name $ServiceName -ErrorAction SilentlyContinue
    }
    dotnet publish (Join-Path $repository "MlPipeline.Host") -c Release -r win-x64 --self-contained false -o $InstallDir -nologo -v quiet
    if ($LASTEXITCODE -ne 0) { throw "dotnet publish failed with exit code $LASTEXITCODE" }
    if (-not (Test-Path $installedConfig)) {
        New-Item -ItemType Directory -Force -Path (Split-Path $installedConfig) | Out-Null
        Copy-Item $Config $installedConfig
    } else {
        Write-Host "Keeping the existing $installedConfig"
    }
    # The embedded broker's data (broker.data_dir) lives under the install directory: the service account writes there.
    New-Item -ItemType Directory -Force -Path (Join-Path $InstallDir "data") | Out-Null
    icacls (Join-Path $InstallDir "data") /grant "${Account}:(OI)(CI)M" | Out-Null
}

$existing = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($PSCmdlet.ShouldProcess($ServiceName, "register the Windows service ($binaryPath)")) {
    if ($existing) {
        sc.exe config $ServiceName binPath= $binaryPath start= auto obj= $Account | Out-Null
    } else {
        New-Service -Name $ServiceName -BinaryPathName $binaryPath -DisplayName "MlPipeline" `
            -Description "Kafka-native ML pipeline host (MlPipeline.Host serve)" -StartupType Automatic | Out-Null
        sc.exe config $ServiceName obj= $Account | Out-Null
    }
    if ($LASTEXITCODE -ne 0) { throw "sc.exe config failed with exit code $LASTEXITCODE" }
}

if ($PSCmdlet.ShouldProcess($ServiceName, "set recovery: restart after 5 s, 10 s, 30 s")) {
    sc.exe failure $ServiceName reset= 86400 actions= restart/5000/restart/10000/restart/30000 | Out-Null
    # Also restart when the host exits with a non-zero code (not only when it crashes).
    sc.exe failureflag $ServiceName 1 | Out-Null
}

if ($PSCmdlet.ShouldProcess($ServiceName, "start")) {
    Start-Service -Name $ServiceName
    Get-Service -Name $ServiceName | Format-Table -AutoSize Name, Status, StartType
    Write-Host "Health: curl http://localhost:8000/health   Stop: Stop-Service $ServiceName   Logs: Event Viewer > Application (source MlPipeline)"
}
