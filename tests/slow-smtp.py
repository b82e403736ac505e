#!/usr/bin/env python3
# slow-smtp.py PORT DIR - an SMTP sink on 127.0.0.1:PORT that holds its answer to the
# end of the data until the test lets it go: when a client has sent its message (the
# final "."), it creates DIR/at-dot and waits until DIR/go exists (at most 60 s), then
# answers "250 2.0.0 Ok: queued" and counts the message in DIR/delivered (one line per
# message).  Every other command gets 250 (354 to DATA, 221 to QUIT).  One client at a
# time; runs in the foreground until killed.
import os
import socket
import sys
import time


def session(conn, gate):
    f = conn.makefile("rb")
    conn.sendall(b"220 slow-smtp ESMTP\r\n")
    in_data = False
    for line in f:
        if in_data:
            if line == b".\r\n":
                in_data = False
                open(os.path.join(gate, "at-dot"), "w").close()
                for _ in range(1200):
                    if os.path.exists(os.path.join(gate, "go")):
                        break
                    time.sleep(0.05)
                with open(os.path.join(gate, "delivered"), "a") as d:
                    d.write("message\n")
                conn.sendall(b"250 2.0.0 Ok: queued\r\n")
            continue
        cmd = line.strip().upper()
        if cmd == b"DATA":
            in_data = True
            conn.sendall(b"354 End data with <CR><LF>.<CR><LF>\r\n")
        elif cmd == b"QUIT":
            conn.sendall(b"221 2.0.0 Bye\r\n")
            break
        elif cmd.startswith(b"EHLO"):
            conn.sendall(b"250-slow-smtp\r\n250 8BITMIME\r\n")
        else:
            conn.sendall(b"250 2.0.0 Ok\r\n")
    f.close()
    conn.close()


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: slow-smtp.py PORT DIR\n")
        return 2
    port, gate = int(sys.argv[1]), sys.argv[2]
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(8)
    open(os.path.join(gate, "listening"), "w").close()
    while True:
        conn, _ = lsock.accept()
        try:
            session(conn, gate)
        except OSError:
            conn.close()


if __name__ == "__main__":
    sys.exit(main())
