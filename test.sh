#!/usr/bin/env bash
# The one test command (README, CI): builds everything (benchmarks included) and runs every test.
# Works on a fresh Debian machine with the .NET 10 SDK on PATH; installs what else the tests need.
set -euo pipefail
cd "$(dirname "$0")"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need dotnet; then
  echo "test.sh: the .NET 10 SDK (dotnet) is required; see README.md, 'Requirements'." >&2
  exit 1
fi

# System packages the tests use: tzdata (time zones), prometheus (promtool checks the metrics exposition and
# the alert rules), systemd (systemd-analyze verifies the unit), mosquitto (the head-office link's broker).
missing=()
[ -e /usr/share/zoneinfo/Asia/Shanghai ] || missing+=(tzdata)
need socat || missing+=(socat)   # pseudo-terminal pairs for the device tests (tests/LobbyEdge.Devices.Tests)
need promtool || missing+=(prometheus)
need systemd-analyze || missing+=(systemd)
# chromium renders the signage and kiosk pages; a CJK font makes their Chinese readable in the screenshots.
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
[ -x /usr/sbin/mosquitto ] || need mosquitto || missing+=(mosquitto)
# espeak-ng and sox: the voice tests generate the default voice pack (deploy/voice/make-voice-pack.sh) and
# check announcements with soxi.
need espeak-ng || missing+=(espeak-ng)
need sox || missing+=(sox)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

config=${CONFIGURATION:-Release}
dotnet build LobbyEdge.sln -c "$config" -nologo -clp:ErrorsOnly
# House style (.editorconfig): formatting and code style are checked, not just suggested.
dotnet format LobbyEdge.sln --verify-no-changes --no-restore
results=$(mktemp -d)
set +e
dotnet test LobbyEdge.sln -c "$config" --no-build -nologo --logger "trx" --results-directory "$results" 2>&1 | tee "$results/console.log"
status=${PIPESTATUS[0]}
set -e

# One plain closing line for CI, summed over the test projects.
passed=$(grep -Eo 'Passed: +[0-9]+' "$results/console.log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$results/console.log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$results/console.log" | awk '{s+=$2} END {print s+0}')
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
