#!/usr/bin/env python3
# A stand-in for grey-edge that tests the torture harness itself: every node of a "site" serves the
# key-value HTTP API from one log file shared by all nodes (the parent of --data), under an exclusive
# lock, so the site is linearizable and keeps every acknowledged write through SIGKILL.
# FAKE_EDGE_SABOTAGE=drop makes each node acknowledge every 10th successful write without storing it, as a
# node that acknowledges before a write is committed loses it (each loss escapes a check only when the key
# is overwritten before anyone reads it, so with dozens of losses a run catches them for certain).
import fcntl, os, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
data = args["--data"]
host, port = args["--api"].rsplit(":", 1)
root = os.path.dirname(os.path.abspath(data))
log_path = os.path.join(root, "fake-store.log")
lock_path = os.path.join(root, "fake-store.lock")
state = {"kv": {}, "offset": 0}

def locked(fn):
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return fn()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

def refresh():
    size = os.path.getsize(log_path) if os.path.exists(log_path) else 0
    if size < state["offset"]:
        state["kv"], state["offset"] = {}, 0
    if size == state["offset"]:
        return
    with open(log_path, "rb") as f:
        f.seek(state["offset"])
        chunk = f.read()
    end = chunk.rfind(b"\n") + 1
    for line in chunk[:end].splitlines():
        key, rev, value = line.split(b"\t")
        state["kv"][key.decode()] = (int(rev), bytes.fromhex(value.decode()))
    state["offset"] += end

sabotage = os.environ.get("FAKE_EDGE_SABOTAGE") == "drop"

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def reply(self, code, body=b"", rev=None):
        self.send_response(code)
        if rev is not None: self.send_header("ETag", '"%d"' % rev)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        if self.path == "/healthz": return self.reply(200, b"ok")
        key = self.path[len("/v1/kv/"):]
        def read():
            refresh(); return state["kv"].get(key)
        found = locked(read)
        if found is None: return self.reply(404)
        self.reply(200, found[1], found[0])
    def do_PUT(self):
        key = self.path[len("/v1/kv/"):]
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        match = self.headers.get("If-Match")
        def write():
            refresh()
            rev = state["kv"].get(key, (0, b""))[0]
            if match is not None and match.strip('"') != str(rev): return None
            state["writes"] = state.get("writes", 0) + 1
            if sabotage and state["writes"] % 10 == 0: return rev + 1
            with open(log_path, "ab") as f:
                f.write(b"%s\t%d\t%s\n" % (key.encode(), rev + 1, body.hex().encode()))
            refresh(); return rev + 1
        rev = locked(write)
        if rev is None: return self.reply(412)
        self.reply(200, b"", rev)

ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer((host, int(port)), Handler).serve_forever()
