"""What both ProbeTenant roles share: azlb's RoleEnvironment (the environment variables and the
discovery document the guest agent gives every instance), the instance's status, and small
servers (HTTP, a TCP line echo that answers with the instance id, a UDP responder). Python's
standard library only; every server runs on its own thread and survives a bad peer."""
import json
import os
import socket
import socketserver
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INSTANCE = os.environ.get("AZLB_ROLE_INSTANCE_ID", "unknown")
SERVICE = os.environ.get("AZLB_SERVICE_NAME", "unknown")
GUEST_AGENT = os.environ.get("AZLB_GUEST_AGENT", "http://127.0.0.1:32526")


def log(*args):
    print(INSTANCE + ":", *args, flush=True)


def endpoint_port(name):
    """The local port of one of this role's endpoints (AZLB_ENDPOINT_<name>_PORT)."""
    return int(os.environ["AZLB_ENDPOINT_" + name + "_PORT"])


def discovery():
    """The RoleEnvironment document: this instance, the settings, every role's instances."""
    with open(os.environ["AZLB_ROLE_ENVIRONMENT"]) as f:
        return json.load(f)


def set_status(status):
    """Tells the guest agent this instance is 'ready' or 'busy' (RoleEnvironment.StatusCheck)."""
    req = urllib.request.Request(GUEST_AGENT + "/azlb/status", method="PUT",
                                 data=json.dumps({"status": status}).encode(),
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=2).read()


class Handler(BaseHTTPRequestHandler):
    """Answers GET / with the instance id; subclasses add routes in `routes`."""
    routes = {}
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        path, _, query = self.path.partition("?")
        route = self.routes.get(path)
        try:
            code, body = route(self, query) if route else (200, INSTANCE)
        except Exception as e:  # a failing route answers 500, the server goes on
            code, body = 500, "error: %s" % e
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        pass


def serve_http(port, handler=Handler):
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("0.0.0.0", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    log("http on", port)


class _LineEcho(socketserver.StreamRequestHandler):
    def handle(self):
        for _ in self.rfile:
            self.wfile.write((INSTANCE + "\n").encode())


def serve_tcp_lines(port):
    """Answers every line received with the instance id and a newline."""
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    server = socketserver.ThreadingTCPServer(("0.0.0.0", port), _LineEcho)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    log("tcp on", port)


def serve_udp(port):
    """Answers every datagram with the instance id."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("0.0.0.0", port))

    def loop():
        while True:
            try:
                _, peer = sock.recvfrom(2048)
                sock.sendto(INSTANCE.encode(), peer)
            except OSError as e:
                log("udp:", e)

    threading.Thread(target=loop, daemon=True).start()
    log("udp on", port)


def ask_tcp(ip, port, timeout=2):
    """One line over a new TCP connection: the peer's answer, or the error."""
    try:
        with socket.create_connection((ip, port), timeout=timeout) as s:
            s.sendall(b"hello\n")
            return s.makefile().readline().strip()
    except OSError as e:
        return "error: %s" % e


def get_http(ip, port, path="/", timeout=2):
    try:
        with urllib.request.urlopen("http://%s:%d%s" % (ip, port, path), timeout=timeout) as r:
            return r.read().decode()
    except Exception as e:
        return "error: %s" % e


def run_forever():
    log("running; settings:", discovery().get("settings"))
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sys.exit(0)
