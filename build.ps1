#!/usr/bin/env pwsh
# Windows counterpart of build.sh: ./build.ps1 [build|demo|test|bench|clean]
#
# The launcher and the native core are Linux-only for now (memfd, fork, signalfd, futex):
# on Windows this script builds the managed assemblies only, and says so. On Linux (pwsh)
# it hands over to build.sh, so both scripts do the same there.
param([string]$Command = "build", [string]$Suite = "all")
$ErrorActionPreference = "Stop"
Set-Location $PSScriptRoot

if ($IsLinux) {
    & ./build.sh $Command $Suite
    exit $LASTEXITCODE
}

switch ($Command) {
    "build" {
        dotnet build managed/src/DotnetWorkers/DotnetWorkers.csproj -c Release -nodeReuse:false
        exit $LASTEXITCODE
    }
    "clean" {
        Remove-Item -Recurse -Force build, artifacts -ErrorAction SilentlyContinue
    }
    default {
        Write-Error "'$Command' needs the Linux launcher and native core (not ported to Windows yet): run ./build.sh $Command on Linux."
        exit 1
    }
}
