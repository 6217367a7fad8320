#!/usr/bin/env bash
# Records which functions a NativeAOT grey-edge executes (start of a one-node site, a light load through every
# kind of API call, then idle ticking) and writes them as the ILC method order file, so the publish places them
# next to each other: the kernel maps a file-backed page with its 64 KiB neighbourhood (fault-around), so hot code
# spread over the whole 10 MB image made nearly all of it resident (docs/BENCHMARKS.md, "Edge footprint").
#
# usage (from the repository root, needs valgrind, curl, python3, nm):
#   dotnet publish edge/Grey.Edge.Daemon -c Release -r linux-x64 -p:PublishAot=true -o /tmp/order-aot
#   edge/Grey.Edge.Daemon/Aot/record-method-order.sh /tmp/order-aot
# It rewrites edge/Grey.Edge.Daemon/Aot/method-order.txt. Names the code no longer has are ignored by ILC, and
# functions missing from the list keep their default place, so a stale list costs resident memory, never function.
set -euo pipefail
PUB=${1:?publish directory holding grey-edge and grey-edge.dbg}
HERE=$(cd "$(dirname "$0")" && pwd)
OBJ=${2:-$HERE/../obj/Release/net10.0/linux-x64/native/grey-edge.o}
WORK=$(mktemp -d)
trap 'kill "${VG:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
# Valgrind 3.19 cannot read the NativeAOT .dbg file and gives up, so it runs a copy without it (addresses only).
cp "$PUB/grey-edge" "$WORK/grey-edge"
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" --dump-instr=yes --compress-strings=no --compress-pos=no \
  "$WORK/grey-edge" --node-id 1 --site site-m --data "$WORK/data" --api "127.0.0.1:$PORT" > "$WORK/vg.log" 2>&1 &
VG=$!
for _ in $(seq 240); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 0.5; done
A=http://127.0.0.1:$PORT
for i in $(seq 200); do
  curl -s -XPUT --data-binary "v$i" "$A/v1/kv/line/$((i % 20))/speed" > /dev/null
  curl -s "$A/v1/kv/line/$((i % 20))/speed" > /dev/null
done
curl -s "$A/v1/kv?prefix=line/" > /dev/null; curl -s "$A/v1/kv/line/1/speed?stale=true" > /dev/null
curl -s -XPOST -d 5 "$A/v1/counters/parts" > /dev/null; curl -s "$A/v1/counters/parts" > /dev/null
curl -s -XPOST -d '{"add":"r4"}' "$A/v1/sets/cell" > /dev/null; curl -s "$A/v1/sets/cell" > /dev/null
curl -s -XPOST -d '{"remove":"r4"}' "$A/v1/sets/cell" > /dev/null
# Clients that keep the connection open: 100 writes, then 100 reads, on one connection each.
args=(); for i in $(seq 100); do args+=(-XPUT --data-binary "k$i" "$A/v1/kv/keep/$((i % 10))" -o /dev/null --next); done
curl -s "${args[@]}" "$A/healthz" -o /dev/null
args=(); for i in $(seq 100); do args+=("$A/v1/kv/keep/$((i % 10))" -o /dev/null); done
curl -s "${args[@]}"
# Writes and reads over HTTP/2 with prior knowledge (the API port serves both). One request per curl: curl 7.88
# fails the second request it sends on a reused h2c connection (exit 16, with Kestrel's own HTTP/2 endpoint too).
for i in $(seq 50); do
  curl -s --http2-prior-knowledge -XPUT --data-binary "h$i" "$A/v1/kv/keep2/$((i % 10))" > /dev/null
  curl -s --http2-prior-knowledge "$A/v1/kv/keep2/$((i % 10))" > /dev/null
done
curl -s "$A/v1/status" > /dev/null; curl -s "$A/metrics" > /dev/null
curl -s -XDELETE "$A/v1/kv/line/1/speed" > /dev/null; curl -s "$A/v1/kv/absent" > /dev/null
curl -s -XPUT -H 'If-Match: "99"' --data-binary x "$A/v1/kv/line/2/speed" > /dev/null
sleep 15   # idle: ticks, timers, the console logger and Kestrel's heartbeat
callgrind_control -d "$VG" > /dev/null
sleep 2
nm -S --defined-only "$PUB/grey-edge.dbg" > "$WORK/nm.txt"
nm --defined-only "$OBJ" > "$WORK/ilc.txt"
python3 "$HERE/method_order.py" "$WORK/nm.txt" "$WORK/ilc.txt" "$HERE/method-order.txt" "$WORK"/cg.out.*
