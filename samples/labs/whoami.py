#!/usr/bin/env python3
"""A web server for the labs that tells what it saw of each connection.

Usage: whoami.py NAME PORT [BIND_ADDRESS]
GET /health answers "ok"; any other path answers one line:
  NAME local=IP:PORT peer=IP:PORT x-forwarded-for=VALUE|-
local is the address the connection arrived at (a VM's own address, or the frontend IP with
floating IP), peer the address it came from (the client, or a proxy).
"""
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body = "ok\n"
        else:
            local = "%s:%d" % self.connection.getsockname()[:2]
            peer = "%s:%d" % self.client_address[:2]
            xff = self.headers.get("X-Forwarded-For", "-")
            body = f"{self.server.name} local={local} peer={peer} x-forwarded-for={xff}\n"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    bind = sys.argv[3] if len(sys.argv) == 4 else "0.0.0.0"
    server = http.server.ThreadingHTTPServer((bind, int(sys.argv[2])), Handler)
    server.name = sys.argv[1]
    server.serve_forever()


if __name__ == "__main__":
    main()
