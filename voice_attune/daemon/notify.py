"""Telling systemd how the daemon is doing: the sd_notify(3) protocol on the standard library.

Under ``Type=notify`` systemd sets ``NOTIFY_SOCKET``, a datagram socket given as a path or, with a
leading '@', an abstract name; with ``WatchdogSec=`` it also sets ``WATCHDOG_USEC`` (and
``WATCHDOG_PID``). Without them every method here does nothing, so the daemon runs the same in a
terminal. A message that cannot be sent is logged once and dropped: the supervisor being out of
reach must never stop the device.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Callable, Mapping

log = logging.getLogger(__name__)


class Notifier:
    """READY=1, STATUS=, WATCHDOG=1 and STOPPING=1 for the service manager, if there is one."""

    def __init__(self, address: str | None = None, watchdog_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.address = address or None
        """Where the messages go: a socket path, or '@name' for an abstract socket; None: nowhere."""
        self.watchdog_s = watchdog_s if watchdog_s and watchdog_s > 0 else None
        """The watchdog's timeout in seconds; None when systemd expects no pings."""
        self.clock = clock
        self._socket: socket.socket | None = None
        self._last_ping: float | None = None
        self._status: str | None = None
        self._failed = False

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None, pid: int | None = None) -> "Notifier":
        """The notifier systemd asked for through the environment (a silent one without it)."""
        env = os.environ if env is None else env
        pid = os.getpid() if pid is None else pid
        watchdog_s = None
        try:
            usec = int(env.get("WATCHDOG_USEC", ""))
            # WATCHDOG_PID names the process meant to ping; a child that inherited it is not.
            watchdog_pid = int(env.get("WATCHDOG_PID") or pid)
        except ValueError:
            usec, watchdog_pid = 0, pid
        if usec > 0 and watchdog_pid == pid:
            watchdog_s = usec / 1_000_000
        return cls(env.get("NOTIFY_SOCKET"), watchdog_s)

    @property
    def interval_s(self) -> float | None:
        """Seconds between watchdog pings: half the timeout, as sd_watchdog_enabled(3) advises."""
        return None if self.watchdog_s is None else self.watchdog_s / 2

    def ready(self, status: str | None = None) -> None:
        """Start-up is complete: the daemon is listening."""
        fields = ["READY=1"]
        if status is not None:
            self._status = status
            fields.append(f"STATUS={status}")
        self.send(*fields)

    def status(self, text: str) -> None:
        """A one-line state for `systemctl status`; sent only when it changes."""
        if text != self._status:
            self._status = text
            self.send(f"STATUS={text}")

    def alive(self) -> None:
        """Call from the main loop as often as you like: pings the watchdog every ``interval_s``.

        Called only by the loop itself, so a loop that hangs stops pinging and is restarted."""
        if self.interval_s is None:
            return
        now = self.clock()
        if self._last_ping is None or now - self._last_ping >= self.interval_s:
            self._last_ping = now
            self.send("WATCHDOG=1")

    def stopping(self) -> None:
        """The daemon is shutting down."""
        self.send("STOPPING=1")

    def send(self, *fields: str) -> bool:
        """One datagram of ``KEY=value`` lines; True if it went out (False without a socket)."""
        if self.address is None or not fields:
            return False
        try:
            if self._socket is None:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                # A full queue at systemd's end drops the message rather than stalling the loop.
                sock.setblocking(False)
                self._socket = sock
            self._socket.sendto("\n".join(fields).encode(), _socket_address(self.address))
            return True
        except (OSError, ValueError) as exc:
            if not self._failed:
                self._failed = True
                log.warning("cannot tell systemd '%s' through %s (%s); going on", fields[0], self.address, exc)
            return False

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def _socket_address(address: str) -> str | bytes:
    if address.startswith("@"):
        return b"\0" + address[1:].encode()  # Linux's abstract namespace
    if address.startswith("/"):
        return address
    raise ValueError(f"NOTIFY_SOCKET is neither a path nor an abstract name: {address!r}")
