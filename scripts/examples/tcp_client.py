#!/usr/bin/env python3
"""Talks to Pulse over the TCP event-bus bridge (standard library only): prints N window results and, optionally,
sends samples of its own series every 100 ms, so the results it prints can be its own samples aggregated.

Usage: tcp_client.py [host] [port] [count] [series-prefix] [sample-series]
  count           results to print before leaving (default 10)
  series-prefix   only results of series starting with this are printed (default: all)
  sample-series   when given, a sample {series, timestamp, value} of this series is sent every 100 ms
Environment: PULSE_TOKEN, a JWT, put in every frame's headers when the gateway requires one
(gateway.auth.jwt-secret).

The bridge frames every message as a 4-byte big-endian length followed by UTF-8 JSON
({"type": "register"|"send"|"ping", "address": ..., "body": ..., "replyAddress"?: ..., "headers"?: {...}}). The
gateway lets clients register on pulse.public.results and pulse.public.alerts, send history queries to
pulse.history.query and send samples (one object or an array) to pulse.ingest.raw; a sample sent with a
replyAddress is answered {accepted, rejected, errors}.
"""
import json
import math
import os
import select
import socket
import struct
import sys
import time

RESULTS = "pulse.public.results"
INGEST = "pulse.ingest.raw"
ACKS = "example-acks"  # any name: the bridge sends the reply back to this socket under it
SEND_EVERY_S = 0.1


def send_frame(sock, frame):
    token = os.environ.get("PULSE_TOKEN")
    if token:
        frame["headers"] = {"Authorization": "Bearer " + token}
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
    sample_series = sys.argv[5] if len(sys.argv) > 5 else None
    sent = accepted = rejected = 0
    with socket.create_connection((host, port), timeout=30) as sock:
        send_frame(sock, {"type": "register", "address": RESULTS})
        received = 0
        next_send = time.monotonic()
        deadline = time.monotonic() + 60
        while received < count:
            now = time.monotonic()
            if now > deadline:
                print("only %d of %d results within 60 s" % (received, count), file=sys.stderr)
                return 1
            if sample_series and now >= next_send:
                sample = {"series": sample_series, "timestamp": int(time.time() * 1000),
                          "value": round(20 + 5 * math.sin(sent / 10), 4)}
                send_frame(sock, {"type": "send", "address": INGEST, "replyAddress": ACKS, "body": sample})
                sent += 1
                next_send += SEND_EVERY_S
            wait = max(0.0, next_send - time.monotonic()) if sample_series else 30
            if not select.select([sock], [], [], wait)[0]:
                if not sample_series:
                    print("no results within 30 s", file=sys.stderr)
                    return 1
                continue
            frame = read_frame(sock)
            if frame.get("type") == "err":
                print("bridge error: " + str(frame.get("message")), file=sys.stderr)
                return 1
            if frame.get("address") == ACKS:
                ack = frame.get("body") or {}
                accepted += ack.get("accepted", 0)
                rejected += ack.get("rejected", 0)
                for error in ack.get("errors", []):
                    print("sample refused: %s: %s" % (error.get("reason"), error.get("detail")), file=sys.stderr)
                continue
            if frame.get("type") != "message" or frame.get("address") != RESULTS:
                continue
            result = frame["body"]
            if not result.get("series", "").startswith(prefix):
                continue
            received += 1
            print("%s start=%d count=%d mean=%.4f last=%.4f final=%s" % (
                result["series"], result["start"], result["count"], result["mean"], result["last"], result.get("final")))
        send_frame(sock, {"type": "unregister", "address": RESULTS})
    if sample_series:
        print("sent %d samples of %s: %d accepted, %d rejected (acknowledged so far)" % (
            sent, sample_series, accepted, rejected))
    print("received %d results" % received)
    return 0


if __name__ == "__main__":
    sys.exit(main())
