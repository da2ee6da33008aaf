#!/usr/bin/env python3
"""Non-reading streaming receivers (echo service): each session gets K long
messages through xhr_send; prints the server's RSS.
usage: stream_noread.py PORT PID xhr_streaming|eventsource|htmlfile N K"""
import socket, sys, time, uuid
port, pid, kind, n, k = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
def rss():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS:"): return int(l.split()[1]) / 1024
def request(method, path, body=b"", rcvbuf=0):
    s = socket.socket()
    if rcvbuf: s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    s.sendall(f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    return s
body = ('["' + "\x7f" * 250_000 + '"]').encode()
print(f"before: {rss():.1f} MB")
held = []
for i in range(n):
    sid = uuid.uuid4().hex
    base = f"/echo/000/{sid}"
    if kind == "xhr_streaming": held.append(request("POST", base + "/xhr_streaming", rcvbuf=4096))
    elif kind == "eventsource": held.append(request("GET", base + "/eventsource", rcvbuf=4096))
    else: held.append(request("GET", base + "/htmlfile?c=cb", rcvbuf=4096))
    time.sleep(0.02)
    for _ in range(k):
        s = request("POST", base + "/xhr_send", body)
        s.settimeout(10)
        try: s.recv(100)
        except Exception as e: print("send:", e)
        s.close()
time.sleep(3)
peak = 0
for _ in range(6):
    peak = max(peak, rss()); time.sleep(0.5)
print(f"after: {peak:.1f} MB with {n} {kind} receivers, {k} messages each")
