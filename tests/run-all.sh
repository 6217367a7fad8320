#!/usr/bin/env bash
# Runs every test of Grey on a fresh machine with the .NET SDK.
# Installs (as root, with apt) the system packages the tests need when they are missing, builds once,
# runs every test project, and ends with one line "N passed, N failed" summed over all projects.
set -uo pipefail
cd "$(dirname "$0")/.."

# System packages the tests start themselves (each fixture on a free loopback port).
APT_PACKAGES=(swtpm swtpm-tools tpm2-tools libtss2-tcti-swtpm0 etcd-server python3 nats-server mosquitto)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing missing packages: ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: packages missing (${missing[*]}) and not running as root; run this script as root" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || {
    echo "error: apt-get could not install: ${missing[*]}" >&2; exit 2; }
fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

dotnet build Grey.slnx -c Release -nologo -clp:ErrorsOnly >&2 || { echo "build failed" >&2; echo "0 passed, 1 failed"; exit 1; }

# One project at a time: the integration tests start real servers and measure nothing, but two cores
# shared by several test hosts make their timeouts flaky. Each project writes its own named trx file.
test_rc=0
for proj in tests/*.Tests/*.Tests.csproj; do
  name=$(basename "$proj" .csproj)
  echo "== $name" >&2
  dotnet test "$proj" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" >&2 || test_rc=$?
done

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0}))
done

if [ "$files" -eq 0 ]; then
  echo "no test results were written" >&2
  failed=$((failed + 1))
fi
if [ "$test_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # A crashed test host writes no failed count; never report such a run as green.
  echo "dotnet test exited $test_rc without a failed test: counting it as one failure" >&2
  failed=1
fi
if [ "$skipped" -ne 0 ]; then
  echo "$skipped tests were skipped: a skipped test is a defect, counted as failed" >&2
  failed=$((failed + skipped))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
