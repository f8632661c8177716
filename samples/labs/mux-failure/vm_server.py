"""A VM's server for the MUX-failure lab: port 8080 answers HTTP probes (GET /health -> 200) and,
on any other connection, every line with the VM's name, keeping the connection open, so a client
can hold 50 connections across a MUX failure. Usage: vm_server.py NAME."""
import socket
import sys
import threading

NAME = sys.argv[1].encode()


def serve(conn):
    with conn, conn.makefile("rb") as lines:
        for line in lines:
            if line.startswith(b"GET "):  # a health probe (or curl): answer and close
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
                return
            conn.sendall(NAME + b"\n")


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("0.0.0.0", 8080))
listener.listen(512)
while True:
    c, _ = listener.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
