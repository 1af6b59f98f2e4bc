#!/usr/bin/env bash
# The one test command (README, CI): builds everything (benchmarks included) and runs every test.
# Works on a fresh Debian machine with the .NET 10 SDK on PATH; installs what else the tests need.
set -euo pipefail
cd "$(dirname "$0")"

# How long each phase took, printed as it ends and again at the close (CI's budget: 30 min on 2 cores).
phase_start=$SECONDS
timings=()
phase() {
  local took=$((SECONDS - phase_start))
  timings+=("$(printf '%-40s %4d s' "$1" "$took")")
  echo "test.sh: $1 took ${took} s"
  phase_start=$SECONDS
}

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
need mosquitto_pub || missing+=(mosquitto-clients)   # head office's commands as a plain client sends them (CalendarProcessTests)
# espeak-ng and sox: the voice tests generate the default voice pack (deploy/voice/make-voice-pack.sh) and
# check announcements with soxi.
need espeak-ng || missing+=(espeak-ng)
need sox || missing+=(sox)
# The shipped build is Native AOT (issue 17): the compiler links with clang and needs zlib's headers.
need clang || missing+=(clang)
[ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
# linux-arm64 (the Raspberry Pi) is cross-compiled here: Debian's aarch64 binutils, gcc (clang's cross libgcc and
# crt files) and libc, and arm64 zlib (a foreign architecture).
need aarch64-linux-gnu-ld || missing+=(binutils-aarch64-linux-gnu)
need aarch64-linux-gnu-gcc || missing+=(gcc-aarch64-linux-gnu)
[ -e /usr/aarch64-linux-gnu/include/stdio.h ] || missing+=(libc6-dev-arm64-cross)
[ -e /usr/lib/aarch64-linux-gnu/libz.a ] || missing+=(zlib1g-dev:arm64)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  case " ${missing[*]} " in *":arm64 "*) dpkg --add-architecture arm64 ;; esac
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
phase "system packages"

config=${CONFIGURATION:-Release}
dotnet build LobbyEdge.sln -c "$config" -nologo -clp:ErrorsOnly
phase "build"
# House style (.editorconfig): formatting and code style are checked, not just suggested.
dotnet format LobbyEdge.sln --verify-no-changes --no-restore
phase "format check"
results=$(mktemp -d)

# The shipped binary: Native AOT for linux-x64, one executable (published before the tests run, so the tests' build
# output is not being written meanwhile).
aot="$results/aot/linux-x64"
dotnet publish src/LobbyEdge.Service -c Release -r linux-x64 -o "$aot" -nologo -clp:ErrorsOnly
phase "publish AOT linux-x64"
.ci/check-aot-binary.sh "$aot"
# A fresh box's runtime settings (no ICU, tzdata only): start, ready, calls, a kiosk ticket, exit 0 on SIGTERM; exit 2
# without the branch's zone.
.ci/fresh-pi-check.sh "$aot/lobby-edge"
phase "check AOT linux-x64 (size, fresh box)"

set +e
dotnet test LobbyEdge.sln -c "$config" --no-build -nologo --logger "trx" --results-directory "$results" 2>&1 | tee "$results/console.log"
status=${PIPESTATUS[0]}
set -e
phase "tests (JIT build)"

# linux-arm64 (the Raspberry Pi): cross-compiled in the background while the process-level tests run again against the
# AOT binary (those mostly wait on the processes they start), at a lower priority than the tests.
arm64="$results/aot/linux-arm64"
nice -n 10 dotnet publish src/LobbyEdge.Service -c Release -r linux-arm64 -o "$arm64" -nologo -clp:ErrorsOnly \
  >"$results/publish-arm64.log" 2>&1 &
arm64_publish=$!

# The process-level tests again, now against the AOT binary: every test class that starts lobby-edge (all of
# Service.Tests' Integration/, and the other projects' Integration/ classes that start the process, directly or
# through FleetBranch). They count into the closing line like any other test.
process_classes=$( {
  ls tests/LobbyEdge.Service.Tests/Integration/*.cs
  grep -lE 'ServiceProcess\.(Start|RunToEndAsync|RunWithInputAsync)|FleetBranch' tests/*/Integration/*.cs
} | sort -u | while read -r file; do
  namespace=$(grep -m1 -oE '^namespace [A-Za-z0-9_.]+' "$file" | awk '{print $2}')
  grep -oE '^(public |internal )?(sealed |abstract |static )*(partial )?class [A-Za-z0-9_]+' "$file" | awk -v ns="$namespace" '{print ns "." $NF}'
done | sort -u)
filter=$(printf 'FullyQualifiedName~%s.|' $process_classes)
set +e
LOBBYEDGE_BINARY="$aot/lobby-edge" dotnet test LobbyEdge.sln -c "$config" --no-build -nologo --filter "${filter%|}" \
  --logger "trx;LogFilePrefix=aot" --results-directory "$results" 2>&1 | tee -a "$results/console.log"
aot_status=${PIPESTATUS[0]}
set -e
phase "process-level tests (AOT binary)"

arm64_status=0
wait "$arm64_publish" || arm64_status=$?
phase "publish AOT linux-arm64 (waiting for it)"
if [ "$arm64_status" -ne 0 ]; then
  cat "$results/publish-arm64.log" >&2
  echo "test.sh: the linux-arm64 publish failed" >&2
else
  # Not run here: Debian 12's qemu-aarch64 (qemu-user 7.2) hangs in the Native AOT runtime's start (README, "Install
  # on a Raspberry Pi"); the linux-x64 binary ran the fresh-box check above with the same runtime settings.
  .ci/check-aot-binary.sh "$arm64" || arm64_status=$?
fi

echo "test.sh: phases"
printf '  %s\n' "${timings[@]}"
echo "test.sh: total $SECONDS s"

# One plain closing line for CI, summed over the test projects and both runs.
passed=$(grep -Eo 'Passed: +[0-9]+' "$results/console.log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$results/console.log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$results/console.log" | awk '{s+=$2} END {print s+0}')
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$aot_status" -ne 0 ] || [ "$arm64_status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
