"""Where a Wyoming service is (speech-to-text or text-to-speech on a home server) and how long
to wait for it: the ``uri`` and timeouts of the ``recognizer`` and ``voice`` settings."""

from __future__ import annotations

from urllib.parse import urlsplit

CONNECT_TIMEOUT_S = 2.0
"""Seconds to wait for a service to accept a connection (on a home network it takes
milliseconds; a host that is switched off never answers at all)."""
MIN_TIMEOUT_S, MAX_TIMEOUT_S = 0.1, 60.0


def parse_uri(uri: str) -> tuple[str, int]:
    """(host, port) of ``tcp://HOST:PORT``; ValueError saying what is wrong otherwise."""
    example = "use tcp://HOST:PORT, like tcp://192.168.1.20:10300"
    text = uri.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:  # a port that is not a number, or out of range
        raise ValueError(f"'{uri}' has no usable port; {example}") from None
    if parts.scheme != "tcp":
        raise ValueError(f"'{uri}' is not a tcp:// address; {example}")
    if not parts.hostname:
        raise ValueError(f"'{uri}' names no host; {example}")
    if port is None or port == 0:
        raise ValueError(f"'{uri}' names no port; {example}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"'{uri}' has more than a host and a port; {example}")
    return parts.hostname, port


def check_timeout(name: str, seconds: float) -> None:
    """ValueError unless ``seconds`` is a sensible wait for a service."""
    if not MIN_TIMEOUT_S <= seconds <= MAX_TIMEOUT_S:
        raise ValueError(f"{name} is {seconds}; use {MIN_TIMEOUT_S} to {MAX_TIMEOUT_S:.0f} seconds")


def check_service(engine: str, uri: str | None, connect_s: float, reply_s: float) -> None:
    """The rules shared by ``recognizer`` and ``voice``: the wyoming engine needs a uri, and a
    uri means nothing to the others (a setting that silently does nothing is a trap)."""
    if engine == "wyoming" and uri is None:
        raise ValueError("engine is wyoming but uri is missing; add uri: tcp://HOST:PORT")
    if engine != "wyoming" and uri is not None:
        raise ValueError(f"uri is only used with engine: wyoming (engine is '{engine}')")
    if uri is not None:
        parse_uri(uri)
    check_timeout("connect_timeout_s", connect_s)
    check_timeout("reply_timeout_s", reply_s)
