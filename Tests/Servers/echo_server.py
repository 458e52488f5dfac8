#!/usr/bin/env python3
"""A small real HTTP server for the `http` handler's tests (standard library only).

Every request is answered with JSON describing what arrived: method, path, headers (lower-case
names) and the body (parsed as JSON when it is JSON), plus "id": 42. Paths:
  /status/NNN          answer with status NNN (and "Retry-After: 1" for 429 and 503)
  /flaky/KEY           503 the first time KEY is seen, then 200
anything else          200
Usage: echo_server.py PORT
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

seen = set()


class Handler(BaseHTTPRequestHandler):
    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        status = 200
        parts = self.path.split("/")
        if len(parts) > 2 and parts[1] == "status" and parts[2].isdigit():
            status = int(parts[2])
        if len(parts) > 2 and parts[1] == "flaky" and parts[2] not in seen:
            seen.add(parts[2])
            status = 503
        answer = {
            "id": 42,
            "method": self.command,
            "path": self.path,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body": body,
            "raw_body": raw.decode("utf-8", "replace"),
        }
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status in (429, 503):
            self.send_header("Retry-After", "1")
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
