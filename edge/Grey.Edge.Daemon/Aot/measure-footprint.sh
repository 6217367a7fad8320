#!/usr/bin/env bash
# Measures a published grey-edge as docs/BENCHMARKS.md "Edge footprint" reports it: for each of N fresh starts of a
# one-node site (new data directory, free loopback port) the time from exec to the first /healthz 200 and VmRSS
# 10 s later; then, with --load, one more start that serves 1,000 writes and 1,000 reads through curl (100 per
# keep-alive connection) and reports VmRSS right after them and after 60 s of idle ticking. Each line also says
# whether OpenSSL (libcrypto) is mapped and how many threads the node has; with SMAPS_DIR=DIR set, /proc/PID/smaps is
# copied there at each reported point (idle-N.smaps, loaded.smaps, after-idle.smaps).
# usage: [SMAPS_DIR=DIR] measure-footprint.sh PATH/TO/grey-edge [N=3] [--load]
set -euo pipefail
BIN=${1:?path of the grey-edge binary}
N=${2:-3}
LOAD=${3:-}
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
rss() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
crypto() { if grep -q libcrypto "/proc/$1/maps"; then echo yes; else echo no; fi; }
threads() { awk '/^Threads/{print $2}' "/proc/$1/status"; }
keep_smaps() { if [ -n "${SMAPS_DIR:-}" ]; then mkdir -p "$SMAPS_DIR"; cp "/proc/$1/smaps" "$SMAPS_DIR/$2.smaps"; fi; }
start_node() {   # sets DIR, PORT, PID, READY_MS
  DIR=$(mktemp -d); PORT=$(free_port)
  local t0; t0=$(date +%s%N)
  "$BIN" --node-id 1 --site site-m --data "$DIR" --api "127.0.0.1:$PORT" > /dev/null 2>&1 &
  PID=$!
  until curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null; do sleep 0.005; done
  READY_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}
stop_node() { kill "$PID"; wait "$PID" || true; rm -rf "$DIR"; }
ls -l "$BIN"
for run in $(seq "$N"); do
  start_node; sleep 10
  echo "ready_ms=$READY_MS idle_rss_kB=$(rss "$PID") $(grep -E '^Rss(Anon|File)' "/proc/$PID/status" | tr -s ' \t\n' ' ')libcrypto=$(crypto "$PID") threads=$(threads "$PID") load=$(cut -d' ' -f1 /proc/loadavg)"
  keep_smaps "$PID" "idle-$run"
  stop_node
done
if [ "$LOAD" = "--load" ]; then
  start_node; sleep 10; idle=$(rss "$PID"); A="http://127.0.0.1:$PORT"
  for b in $(seq 0 9); do
    args=(); for i in $(seq 0 99); do n=$((b * 100 + i)); args+=(-XPUT --data-binary "value-$n" "$A/v1/kv/load/$((n % 50))" -o /dev/null --next); done
    curl -s "${args[@]}" "$A/healthz" -o /dev/null
    args=(); for i in $(seq 0 99); do n=$((b * 100 + i)); args+=("$A/v1/kv/load/$((n % 50))" -o /dev/null); done
    curl -s "${args[@]}"
  done
  loaded=$(rss "$PID"); loaded_threads=$(threads "$PID"); keep_smaps "$PID" loaded; sleep 60; keep_smaps "$PID" after-idle
  echo "load: idle_rss_kB=$idle after_load_kB=$loaded after_60s_idle_kB=$(rss "$PID") $(grep -E '^Rss(Anon|File)' "/proc/$PID/status" | tr -s ' \t\n' ' ')libcrypto=$(crypto "$PID") threads=$loaded_threads/$(threads "$PID") load=$(cut -d' ' -f1 /proc/loadavg)"
  stop_node
fi
