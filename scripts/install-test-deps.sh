#!/usr/bin/env bash
# Installs what the test suite needs beyond the .NET SDK: the third-party Kafka clients that prove the
# embedded broker speaks real Kafka (kafka-python from Debian, kafkajs from npm), and Debian's chromium for the
# dashboard's headless-browser test. Idempotent: a second
# run installs nothing. Needs root (or sudo) for apt-get on a fresh machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_packages=()
# Debian's kafka-python runs under the system interpreter, not a python3 that may come first on PATH.
/usr/bin/python3 -c 'import kafka' 2>/dev/null || apt_packages+=(python3-kafka)
command -v chromium >/dev/null 2>&1 || apt_packages+=(chromium)
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${apt_packages[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

client_scripts="$here/MlPipeline.Tests/ClientScripts"
if [ -f "$client_scripts/package.json" ] && [ ! -d "$client_scripts/node_modules/kafkajs" ]; then
  echo "Installing npm packages for $client_scripts"
  (cd "$client_scripts" && npm ci --no-audit --no-fund --loglevel=error)
fi
