#!/usr/bin/env bash
# Checks a published lobby-edge (issue 17): one Native AOT executable, under 40 MB.
#   .ci/check-aot-binary.sh <publish directory>
# Fails (exit 1) naming what is wrong: no executable, a lobby-edge.dll beside it (a JIT build needing .NET on the box),
# not an ELF executable, appsettings.json or libSystem.IO.Ports.Native.so missing, or 40 MB (41,943,040 bytes) or more.
set -euo pipefail
dir=${1:?usage: check-aot-binary.sh <publish directory>}
binary="$dir/lobby-edge"
limit=$((40 * 1024 * 1024))
fail() { echo "check-aot-binary: $binary: $*" >&2; exit 1; }

[ -f "$binary" ] && [ -x "$binary" ] || fail "no executable"
[ ! -e "$dir/lobby-edge.dll" ] || fail "lobby-edge.dll beside it: a JIT build, not Native AOT"
[ ! -e "$dir/lobby-edge.runtimeconfig.json" ] || fail "a runtimeconfig beside it: a JIT build, not Native AOT"
[ "$(head -c 4 "$binary" | od -An -tx1 | tr -d ' ')" = "7f454c46" ] || fail "not an ELF executable"
# The ELF header's machine field (bytes 18-19, little-endian): 0x3e x86-64, 0xb7 AArch64.
machine=$(od -An -tx1 -j 18 -N 1 "$binary" | tr -d ' ')
case "$machine" in 3e) arch=x86-64 ;; b7) arch=aarch64 ;; *) arch="machine 0x$machine" ;; esac
# What the box needs beside it (README, "Install on a Raspberry Pi"): the settings and the serial ports' native part.
for needed in appsettings.json libSystem.IO.Ports.Native.so; do
  [ -f "$dir/$needed" ] || fail "no $needed beside it (the README copies it to the box)"
done
size=$(stat -c %s "$binary")
[ "$size" -lt "$limit" ] || fail "$size bytes, not under 40 MB ($limit bytes)"
echo "check-aot-binary: $binary: Native AOT, $arch, $size bytes ($((size / 1024 / 1024)) MB, limit 40 MB)"
