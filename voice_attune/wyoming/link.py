"""Where a Wyoming service is, and the one background event loop every exchange runs on.

The wyoming package speaks asyncio; voice-attune's listener and voice are plain threads. Each
exchange runs on a daemon thread's loop and hands back a concurrent Future, so a caller can
wait for it (the voice) or look in on it now and then (the listener, which must never wait).
Every way a service can fail becomes one ServiceError line naming it and its setting.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, TypeVar

from voice_attune.config.wyoming import CONNECT_TIMEOUT_S, parse_uri
from voice_attune.errors import UserError, one_line

T = TypeVar("T")


class ServiceError(UserError):
    """A Wyoming service could not be used: unreachable, silent, or answering nonsense."""

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason or message
        """What went wrong, without naming the service ("refused the connection ...")."""


@dataclass(frozen=True)
class Service:
    """One configured Wyoming service."""

    uri: str
    """tcp://HOST:PORT"""
    role: str
    """What it does, for messages: "speech-to-text" or "text-to-speech"."""
    setting: str
    """Where it is configured, for messages: "recognizer.uri" or "voice.uri"."""
    connect_timeout_s: float = CONNECT_TIMEOUT_S
    """Seconds to wait for the connection."""
    reply_timeout_s: float = 5.0
    """Seconds the whole answer may take once the request is sent."""

    @property
    def address(self) -> tuple[str, int]:
        return parse_uri(self.uri)

    def error(self, what: str) -> ServiceError:
        return ServiceError(f"the {self.role} service at {self.uri} ({self.setting}) {what}", what)

    def with_timeouts(self, connect_s: float, reply_s: float) -> "Service":
        """The same service with other waits (a quick status check)."""
        return Service(self.uri, self.role, self.setting, connect_s, reply_s)


_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _running_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _loop_lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            # A daemon thread: an exchange still waiting on a silent server never keeps the
            # program from exiting.
            threading.Thread(target=loop.run_forever, name="wyoming", daemon=True).start()
            _loop = loop
        return _loop


def start(service: Service, exchange: Callable[[Any], Awaitable[T]]) -> "Future[T]":
    """Connect to ``service`` and run ``exchange(client)`` on the background loop; the Future
    holds its result or a ServiceError, within the connect and reply timeouts."""
    require(service)
    return asyncio.run_coroutine_threadsafe(_guarded(service, exchange), _running_loop())


def call(service: Service, exchange: Callable[[Any], Awaitable[T]]) -> T:
    """``start`` and wait for the result (a ServiceError on any failure)."""
    future = start(service, exchange)
    # The exchange ends itself by its own timeouts; this margin only covers a stuck loop.
    budget = service.connect_timeout_s + service.reply_timeout_s + 2.0
    try:
        return future.result(timeout=budget)
    except FutureTimeout:
        future.cancel()
        raise service.error(f"did not answer within {service.reply_timeout_s:g} s") from None


async def _guarded(service: Service, exchange: Callable[[Any], Awaitable[T]]) -> T:
    from wyoming.client import AsyncTcpClient

    host, port = service.address
    client = AsyncTcpClient(host, port, connect_timeout=service.connect_timeout_s)
    try:
        await client.connect()
    except (asyncio.TimeoutError, TimeoutError):
        raise service.error(f"did not accept a connection within {service.connect_timeout_s:g} s") from None
    except ConnectionRefusedError:
        raise service.error("refused the connection (is the service running, on that port?)") from None
    except OSError as exc:  # no route, an unknown host name
        raise service.error(f"cannot be reached ({exc.strerror or one_line(exc)})") from None
    try:
        return await asyncio.wait_for(exchange(client), service.reply_timeout_s)
    except (asyncio.TimeoutError, TimeoutError):
        raise service.error(f"did not answer within {service.reply_timeout_s:g} s") from None
    except (ConnectionError, asyncio.IncompleteReadError):
        raise service.error("closed the connection in the middle of its answer") from None
    finally:
        await _close(client)


async def _close(client: Any) -> None:
    try:
        await asyncio.wait_for(client.disconnect(), 1.0)
    except (OSError, asyncio.TimeoutError, TimeoutError):
        pass  # the connection is gone either way


def installed() -> bool:
    """Whether the wyoming package is there."""
    return importlib.util.find_spec("wyoming") is not None


def require(service: Service) -> None:
    """A ServiceError saying what to install when the wyoming package is missing."""
    if not installed():
        raise ServiceError(f"{service.setting} needs the wyoming package: pip install 'voice-attune[wyoming]'")
