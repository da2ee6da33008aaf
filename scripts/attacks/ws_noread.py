#!/usr/bin/env python3
"""Non-reading WebSocket clients against a SockJS server; prints its RSS.
usage: ws_noread.py PORT PID echo|broadcast N K [rcvbuf]"""
import os, socket, sys, time, uuid, struct

port, pid, mode, n, k = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
rcvbuf = int(sys.argv[6]) if len(sys.argv) > 6 else 0

def rss():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS:"):
            return int(l.split()[1]) / 1024
def mask(payload):
    m = os.urandom(4)
    mm = (m * (len(payload) // 4 + 1))[:len(payload)]
    x = int.from_bytes(payload, "big") ^ int.from_bytes(mm, "big")
    return m + x.to_bytes(len(payload), "big")
def frame(text):
    p = text.encode()
    n = len(p)
    if n < 126: h = bytes([0x81, 0x80 | n])
    elif n < 65536: h = bytes([0x81, 0x80 | 126]) + struct.pack(">H", n)
    else: h = bytes([0x81, 0x80 | 127]) + struct.pack(">Q", n)
    return h + mask(p)
def connect(path):
    s = socket.socket()
    if rcvbuf: s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
               "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").encode())
    got = b""
    while b"\r\n\r\n" not in got: got += s.recv(1)
    return s
big = frame('["' + "\x7f" * 250_000 + '"]')
print(f"before: {rss():.1f} MB")
socks = []
if mode == "echo":
    for i in range(n):
        s = connect(f"/echo/000/{uuid.uuid4().hex}/websocket")
        s.setblocking(False)
        socks.append([s, big * k])
    # write what each takes, without blocking, for a while
    end = time.time() + 20
    while time.time() < end and any(b for _, b in socks):
        for e in socks:
            if e[1]:
                try:
                    sent = e[0].send(e[1][:1 << 20]); e[1] = e[1][sent:]
                except BlockingIOError: pass
        time.sleep(0.01)
else:
    for i in range(n):
        socks.append([connect(f"/broadcast/000/{uuid.uuid4().hex}/websocket"), b""])
    time.sleep(1)
    sender = connect(f"/broadcast/000/{uuid.uuid4().hex}/websocket")
    for _ in range(k):
        sender.sendall(big)
    socks.append([sender, b""])
time.sleep(5)
peak = 0
for _ in range(10):
    peak = max(peak, rss()); time.sleep(0.5)
print(f"after: {peak:.1f} MB with {n} sockets ({mode}, {k} messages each)")
