#!/usr/bin/env bash
# A fresh Pi starts (issue 17, item 5): runs a published lobby-edge as it runs on a fresh 64-bit Raspberry Pi OS /
# Debian box after the README's install: no ICU (every libicu file on this machine hidden in a private mount
# namespace), tzdata installed, nothing else. Runs the binary of this machine's architecture (CI: linux-x64; on an
# arm64 box, the linux-arm64 build); needs root (unshare, mount).
#   .ci/fresh-pi-check.sh <lobby-edge executable>
# Checks: --version answers; the demo branch starts, is ready, simulates calls, the kiosk issues a ticket over HTTP, and
# it stops on SIGTERM with exit 0;
# without the branch's time zone (TZDIR an empty folder) the start is refused with exit 2 naming the zone.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$(realpath "${1:?usage: fresh-pi-check.sh <lobby-edge executable>}")
profile=$PWD/hardware-profiles/branches/demo.yaml
work=$(mktemp -d)
service=
cleanup() {
  if [ -n "$service" ] && kill -0 "$service" 2>/dev/null; then kill -KILL "$service"; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "fresh-pi-check: $*" >&2; [ -f "$work/out" ] && tail -n 5 "$work/out" "$work/err" >&2; exit 1; }

# The files, not their links; /lib only where it is not a link to /usr/lib.
icu=()
for dir in /lib /usr/lib /usr/local/lib; do
  [ -d "$dir" ] && [ ! -L "$dir" ] || continue
  while IFS= read -r f; do icu+=("$f"); done < <(find "$dir" -maxdepth 2 -name 'libicu*.so*' -type f)
done
# Replaces the calling (sub)shell, so that a background run's $! is lobby-edge itself (SIGTERM reaches it).
no_icu() {
  exec unshare --mount --propagation private sh -c 'for f in $HIDE; do mount --bind /dev/null "$f" || exit 97; done; exec "$@"' sh "$@"
}
export HIDE="${icu[*]}"
how="$(basename "$binary"), ${#icu[@]} libicu files hidden"

version=$(no_icu "$binary" --version) || fail "--version failed ($how)"
echo "fresh-pi-check: --version: $version ($how)"

start=$SECONDS
: >"$work/out"
no_icu "$binary" --branch "$profile" --simulate --speed 120 --data "$work/data" --Http:Port=0 \
  --Clock:Synchronization=trusted >"$work/out" 2>"$work/err" &
service=$!
until grep -q '; ready"' "$work/out" && grep -q '"Message":"[0-9:]* Call ' "$work/out" && grep -q '"HTTP endpoints on ' "$work/out"; do
  kill -0 "$service" 2>/dev/null || { wait "$service" || true; fail "exited before ready and a call ($how)"; }
  [ $((SECONDS - start)) -lt 180 ] || fail "not ready with a call within 180 s ($how)"
  sleep 0.2
done
ready=$(grep -m1 -o "\"Message\":\"[^\"]*; ready\"" "$work/out" | cut -d\" -f4)
# A ticket from the kiosk, over plain HTTP (bash's /dev/tcp: nothing else to install on the box).
port=$(grep -m1 -o '"Address":"http://127.0.0.1:[0-9]*/' "$work/out" | grep -o '[0-9]*/$' | tr -d /)
body='{"service":"cash"}'
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /kiosk/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
  "${#body}" "$body" >&3
reply=$(cat <&3)
exec 3>&-
case "$reply" in "HTTP/1.1 20"[01]*'"ticket"'*) ;; *) fail "POST /kiosk/tickets: ${reply:0:300} ($how)" ;; esac
ticket=$(printf '%s' "$reply" | grep -o '"ticket":[^,}]*' | head -n 1)
kill -TERM "$service"
code=0
wait "$service" || code=$?
service=
[ "$code" -eq 0 ] || fail "exit $code after SIGTERM, not 0 ($how)"
grep -q 'libicu' "$work/err" && fail "stderr mentions libicu ($how)"
echo "fresh-pi-check: started, $ready, simulated calls, kiosk issued $ticket, stopped with exit 0 on SIGTERM after $((SECONDS - start)) s ($how)"

mkdir "$work/zoneinfo"
code=0
(TZDIR="$work/zoneinfo" no_icu "$binary" --branch "$profile" --simulate --data "$work/refused" \
  --Http:Port=0) >"$work/out" 2>"$work/err" || code=$?
[ "$code" -eq 2 ] || fail "without tzdata's zone: exit $code, not 2 ($how)"
grep -q 'unknown time zone "Asia/Shanghai"' "$work/err" || fail "without tzdata's zone: the error does not name it ($how)"
echo "fresh-pi-check: without the zone: exit 2, $(grep -m1 -o 'unknown time zone "[^"]*"' "$work/err") ($how)"
