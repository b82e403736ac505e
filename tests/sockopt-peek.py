#!/usr/bin/env python3
"""sockopt-peek.py PID PORT - connect to 127.0.0.1:PORT and print the TCP_NODELAY
setting of the socket process PID accepted for that connection, and of the one it
listens on, as "accepted=N listening=N".

The sockets are another process's: each socket descriptor of PID is copied with
pidfd_getfd(2) (Linux 5.6) and matched by its addresses.  Exit 77 when the system does
not allow that (no pidfd_getfd, no ptrace permission): the caller skips; exit 1 when
the sockets are not found within 20 s."""
import ctypes
import errno
import os
import socket
import sys
import time

SYS_PIDFD_GETFD = 438  # the same number on every architecture


def nodelay(sock):
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def main():
    pid, port = int(sys.argv[1]), int(sys.argv[2])
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError) as e:
        print(f"pidfd_open: {e}")
        return 77
    client = socket.create_connection(("127.0.0.1", port))
    me = client.getsockname()
    accepted = listening = None
    deadline = time.monotonic() + 20
    while (accepted is None or listening is None) and time.monotonic() < deadline:
        for name in os.listdir(f"/proc/{pid}/fd"):
            try:
                if not os.readlink(f"/proc/{pid}/fd/{name}").startswith("socket:"):
                    continue
            except OSError:
                continue
            fd = libc.syscall(SYS_PIDFD_GETFD, pidfd, int(name), 0)
            if fd < 0:
                err = ctypes.get_errno()
                if err in (errno.EPERM, errno.ENOSYS, errno.EACCES):
                    print(f"pidfd_getfd: {os.strerror(err)}")
                    return 77
                continue
            s = socket.socket(fileno=fd)
            try:
                if s.family != socket.AF_INET or s.type != socket.SOCK_STREAM:
                    continue
                if s.getsockname()[1] != port:
                    continue
                try:
                    peer = s.getpeername()
                except OSError:
                    listening = nodelay(s)
                    continue
                if peer == me:
                    accepted = nodelay(s)
            finally:
                s.close()
        if accepted is None or listening is None:
            time.sleep(0.1)
    client.close()
    if accepted is None or listening is None:
        print(f"sockets not found: accepted={accepted} listening={listening}")
        return 1
    print(f"accepted={accepted} listening={listening}")
    return 0


sys.exit(main())
