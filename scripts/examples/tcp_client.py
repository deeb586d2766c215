#!/usr/bin/env python3
"""Subscribes to Pulse window results over the TCP event-bus bridge and prints N of them (standard library only).

Usage: tcp_client.py [host] [port] [count] [series-prefix]
The bridge frames every message as a 4-byte big-endian length followed by UTF-8 JSON
({"type": "register"|"send"|"ping", "address": ..., "body": ...}); the gateway lets clients register on
pulse.public.results and pulse.public.alerts and send history queries to pulse.history.query.
"""
import json
import socket
import struct
import sys

RESULTS = "pulse.public.results"


def send_frame(sock, frame):
    data = json.dumps(frame).encode("utf-8")
    sock.sendall(struct.pack(">I", len(data)) + data)


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("the bridge closed the connection")
        buf += chunk
    return buf


def read_frame(sock):
    (length,) = struct.unpack(">I", read_exact(sock, 4))
    return json.loads(read_exact(sock, length).decode("utf-8"))


def main():
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 7000
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    prefix = sys.argv[4] if len(sys.argv) > 4 else ""
    with socket.create_connection((host, port), timeout=30) as sock:
        send_frame(sock, {"type": "register", "address": RESULTS})
        received = 0
        while received < count:
            frame = read_frame(sock)
            if frame.get("type") == "err":
                print("bridge error: " + str(frame.get("message")), file=sys.stderr)
                return 1
            if frame.get("type") != "message" or frame.get("address") != RESULTS:
                continue
            result = frame["body"]
            if not result.get("series", "").startswith(prefix):
                continue
            received += 1
            print("%s start=%d count=%d mean=%.4f last=%.4f final=%s" % (
                result["series"], result["start"], result["count"], result["mean"], result["last"], result.get("final")))
        send_frame(sock, {"type": "unregister", "address": RESULTS})
    print("received %d results" % received)
    return 0


if __name__ == "__main__":
    sys.exit(main())
