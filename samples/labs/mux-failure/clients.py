"""The MUX-failure lab's client: opens N connections to VIP:80, asks each once (the answer is the
VM behind it), then reads commands on stdin: 'ask' asks every connection again and prints how
many still answer with the same VM; 'new K' opens K new connections and prints how many answer."""
import socket
import sys

vip, n = sys.argv[1], int(sys.argv[2])


def ask(s):
    s.sendall(b"hi\n")
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(64)
        if not chunk:
            return ""
        data += chunk
    return data.decode().strip()


def connect():
    s = socket.create_connection((vip, 80), timeout=5)
    return s, ask(s)


conns = [connect() for _ in range(n)]
print("open", len(conns), "first answers", sorted({b for _, b in conns}), flush=True)
for line in sys.stdin:
    cmd = line.split()
    if cmd[0] == "ask":
        same = 0
        for s, backend in conns:
            try:
                same += ask(s) == backend
            except OSError:
                pass
        print("same", same, flush=True)
    elif cmd[0] == "new":
        ok = 0
        for _ in range(int(cmd[1])):
            try:
                s, b = connect()
                ok += bool(b)
                s.close()
            except OSError:
                pass
        print("new", ok, flush=True)
