#!/usr/bin/env python3
# slow-redis.py LISTEN UPSTREAM DELAY_MS - a Redis that answers slowly but correctly:
# a proxy on the unix socket LISTEN in front of the real redis-server on the unix socket
# UPSTREAM.  What the client sends goes through at once; what Redis answers is passed
# back one line ("\r\n"-terminated) at a time, each after DELAY_MS milliseconds.  So
# every single read of the client is answered well within its timeout, while a reply of
# many lines (an MGET of 200 keys, 200 pipelined SETs) takes lines x DELAY_MS in all.
# Runs in the foreground until killed; writes its pid nowhere (the caller has $!).
import os
import socket
import sys
import threading
import time


def pump_up(client, server):
    """client -> server, unchanged"""
    try:
        while True:
            data = client.recv(65536)
            if not data:
                break
            server.sendall(data)
    except OSError:
        pass
    try:
        server.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def pump_down(server, client, delay):
    """server -> client, one line at a time, each DELAY seconds late"""
    pending = b""
    try:
        while True:
            data = server.recv(65536)
            if not data:
                break
            pending += data
            while True:
                nl = pending.find(b"\r\n")
                if nl < 0:
                    break
                line, pending = pending[: nl + 2], pending[nl + 2 :]
                time.sleep(delay)
                client.sendall(line)
        if pending:
            client.sendall(pending)
    except OSError:
        pass
    for s in (client, server):
        try:
            s.close()
        except OSError:
            pass


def serve(conn, upstream, delay):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.connect(upstream)
    except OSError:
        conn.close()
        return
    threading.Thread(target=pump_up, args=(conn, server), daemon=True).start()
    pump_down(server, conn, delay)


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: slow-redis.py LISTEN UPSTREAM DELAY_MS\n")
        return 2
    listen, upstream, delay = sys.argv[1], sys.argv[2], int(sys.argv[3]) / 1000.0
    try:
        os.unlink(listen)
    except FileNotFoundError:
        pass
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(listen)
    os.chmod(listen, 0o700)
    lsock.listen(64)
    while True:
        conn, _ = lsock.accept()
        threading.Thread(target=serve, args=(conn, upstream, delay), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
