#!/usr/bin/env python3
"""Deletes the JetStream streams that test runs create (their names start with IRISX_T_),
so that a machine running the tests again and again does not pile them up.

Speaks the NATS client protocol directly (no client library needed): subscribes to an inbox,
asks `$JS.API.STREAM.NAMES` page by page, then `$JS.API.STREAM.DELETE.<name>` for each.
Usage: purge_test_streams.py [host:port] [prefix]  (defaults 127.0.0.1:4222 and IRISX_T_;
the benchmarks pass their own prefix)
"""
import json
import socket
import sys

PREFIX = "IRISX_T_"


class Nats:
    def __init__(self, addr):
        host, port = addr.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.buf = b""
        self._line()  # INFO
        self.sock.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nSUB _INBOX.purge 1\r\n')

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("NATS closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def request(self, subject, payload=b""):
        self.sock.sendall(b"PUB %s _INBOX.purge %d\r\n%s\r\n" % (subject.encode(), len(payload), payload))
        while True:
            line = self._line()
            if line.startswith(b"PING"):
                self.sock.sendall(b"PONG\r\n")
            elif line.startswith(b"MSG"):
                size = int(line.split()[-1])
                while len(self.buf) < size + 2:
                    self.buf += self.sock.recv(65536)
                body, self.buf = self.buf[:size], self.buf[size + 2:]
                return json.loads(body or b"{}")
            elif line.startswith(b"-ERR"):
                raise RuntimeError(line.decode())


def main():
    nats = Nats(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:4222")
    names, offset = [], 0
    while True:
        page = nats.request("$JS.API.STREAM.NAMES", json.dumps({"offset": offset}).encode())
        batch = page.get("streams") or []
        names += batch
        offset += len(batch)
        if not batch or offset >= page.get("total", 0):
            break
    prefix = sys.argv[2] if len(sys.argv) > 2 else PREFIX
    doomed = [n for n in names if n.startswith(prefix)]
    for name in doomed:
        nats.request("$JS.API.STREAM.DELETE." + name)
    print(f"deleted {len(doomed)} test streams")


if __name__ == "__main__":
    main()
