#!/usr/bin/env python3
"""A fake systemd notification socket for scripts/soak.

usage: notify-receiver.py SOCKET LOG

Binds an AF_UNIX datagram socket at SOCKET (hand it to the daemon as NOTIFY_SOCKET) and appends one line per
datagram to LOG: the arrival time in seconds on CLOCK_MONOTONIC, then the datagram's assignments, newlines shown
as '|' (for example `1234.567890 WATCHDOG=1`). Descriptors that arrive with a datagram (a systemd-notify barrier)
are closed at once. Runs until SIGTERM or SIGINT, then removes SOCKET.

usage: notify-receiver.py --send SOCKET TEXT
Sends TEXT as one datagram to SOCKET (scripts/soak marks the end of the run in the log this way).
"""
import array
import os
import signal
import socket
import sys
import time


def send(path, text):
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(text.encode(), path)


def receive(path, log_path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    stop = []

    def on_signal(signum, frame):
        stop.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    fd_size = array.array("i").itemsize
    try:
        with open(log_path, "a", buffering=1) as log:
            while True:
                data, ancillary, _, _ = s.recvmsg(256 * 1024, socket.CMSG_SPACE(256 * fd_size))
                now = time.monotonic()
                for level, kind, payload in ancillary:
                    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                        fds = array.array("i")
                        fds.frombytes(payload[: len(payload) - len(payload) % fd_size])
                        for fd in fds:
                            os.close(fd)
                text = data.decode("utf-8", "replace").replace("\n", "|")
                log.write(f"{now:.6f} {text}\n")
    except KeyboardInterrupt:
        pass
    finally:
        s.close()
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help"):
        sys.stdout.write(__doc__)
    elif len(sys.argv) == 4 and sys.argv[1] == "--send":
        send(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3:
        receive(sys.argv[1], sys.argv[2])
    else:
        sys.stderr.write(__doc__)
        sys.exit(64)
