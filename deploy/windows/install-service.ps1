<#
.SYNOPSIS
  Installs qbwc-service as a Windows service next to QuickBooks, with NSSM.

.DESCRIPTION
  Run in an elevated PowerShell from the folder holding the qbwc-service source, after
  installing Python 3.11 and NSSM (https://nssm.cc; nssm.exe on the PATH).
  The service listens on http://localhost:$Port only: the Web Connector accepts plain
  http for localhost and nothing else.
#>
param(
    [string]$InstallDir = "C:\Program Files\QbwcService",
    [string]$DataDir = "C:\ProgramData\QbwcService",
    [int]$Port = 8000,
    [string]$ServiceName = "QbwcService"
)
$ErrorActionPreference = "Stop"

# 1. Program files: a virtual environment with the service installed into it.
New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null
py -3.11 -m venv "$InstallDir\.venv"
& "$InstallDir\.venv\Scripts\python.exe" -m pip install --upgrade pip
# Editable from a copy kept under Program Files: qbxml_templates\ is read from beside the code.
robocopy . "$InstallDir\app" /MIR /XD .venv .git data | Out-Null
& "$InstallDir\.venv\Scripts\python.exe" -m pip install -e "$InstallDir\app"
$exe = "$InstallDir\.venv\Scripts\qbwc-service.exe"

# 2. Data folder: database, config, logs, backups. Only SYSTEM, Administrators and the
#    service account may read it (it holds customer data and the secret key).
New-Item -ItemType Directory -Force -Path "$DataDir\logs", "$DataDir\backups" | Out-Null
icacls $DataDir /inheritance:r /grant:r "SYSTEM:(OI)(CI)F" "Administrators:(OI)(CI)F" "NT AUTHORITY\LocalService:(OI)(CI)M" | Out-Null
& $exe --data-dir $DataDir init

# 3. The service: waitress on localhost, restarted on failure, logs rotated at 10 MB.
nssm install $ServiceName $exe "--data-dir `"$DataDir`" serve --host 127.0.0.1 --port $Port"
nssm set $ServiceName DisplayName "qbwc-service (QuickBooks Web Connector endpoint)"
nssm set $ServiceName AppDirectory $DataDir
nssm set $ServiceName ObjectName "NT AUTHORITY\LocalService"
nssm set $ServiceName Start SERVICE_AUTO_START
nssm set $ServiceName AppStdout "$DataDir\logs\service.log"
nssm set $ServiceName AppStderr "$DataDir\logs\service.log"
nssm set $ServiceName AppRotateFiles 1
nssm set $ServiceName AppRotateOnline 1
nssm set $ServiceName AppRotateBytes 10485760
nssm set $ServiceName AppExit Default Restart
nssm set $ServiceName AppRestartDelay 5000
nssm start $ServiceName

# 4. A nightly backup of the SQLite database at 02:30, kept in the data folder.
$action = New-ScheduledTaskAction -Execute $exe -Argument "--data-dir `"$DataDir`" backup `"$DataDir\backups\qbwc-latest.sqlite3`" --force"
$trigger = New-ScheduledTaskTrigger -Daily -At 2:30am
Register-ScheduledTask -TaskName "$ServiceName backup" -Action $action -Trigger $trigger -User "SYSTEM" -RunLevel Highest -Force | Out-Null

Start-Sleep -Seconds 3
(Invoke-WebRequest -UseBasicParsing "http://localhost:$Port/healthz").Content
Write-Host "Set public_url = `"http://localhost:$Port`" in $DataDir\config.toml, then restart: nssm restart $ServiceName"
