#!/usr/bin/env python3
"""Sends of 65,534 one-letter messages (a 256 KiB body) to N sessions of the
echo whose client never receives: each send waits with the rest of its batch.
usage: small_msgs.py PORT PID N"""
import socket, sys, time, uuid
port, pid, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def rss():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS:"): return int(l.split()[1]) / 1024
def request(method, path, body=b""):
    s = socket.socket(); s.connect(("127.0.0.1", port))
    s.sendall(f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    return s
body = '["a"' + ',"a"' * 65533 + ']'
body = body.encode()
print(f"before: {rss():.1f} MB; body {len(body)} bytes")
held = []
for i in range(n):
    base = f"/echo/000/{uuid.uuid4().hex}"
    s = request("POST", base + "/xhr"); s.recv(1000); s.close()
    held.append(request("POST", base + "/xhr_send", body))
time.sleep(3)
peak = 0
for _ in range(6):
    peak = max(peak, rss()); time.sleep(0.5)
print(f"after: {peak:.1f} MB with {n} waiting sends")
