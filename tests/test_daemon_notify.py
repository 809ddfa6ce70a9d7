"""The daemon tells systemd how it is (Type=notify): READY=1 once it listens, STATUS= lines, a
WATCHDOG=1 ping from its loop at half the watchdog's timeout, STOPPING=1 as it ends. Every
message is read back from a real AF_UNIX datagram socket, as systemd would receive it."""

from __future__ import annotations

import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from voice_attune.asr.audiofile import write_wav
from voice_attune.asr.frames import frames_from_array
from voice_attune.daemon.loop import Daemon
from voice_attune.daemon.notify import Notifier
from voice_attune.daemon.starts import Start
from voice_attune.voice.player import RecordingPlayer

from tests.test_daemon import tiny_config

ROOT = Path(__file__).resolve().parents[1]


class Systemd:
    """The receiving end of NOTIFY_SOCKET: a datagram socket bound to a path or '@name'.

    ``background``: read as messages arrive, as systemd does (a socket's queue holds only a few
    datagrams; a full one makes the sender drop them); else read only when asked, so a message
    sent is a message there."""

    def __init__(self, address: str, background: bool = True):
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(b"\0" + address[1:].encode() if address.startswith("@") else address)
        self.received: queue.Queue[str] = queue.Queue()
        self.background = background
        if background:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                return
            if not data:  # shut down
                return
            self.received.put(data.decode())

    def messages(self, timeout: float = 0.0) -> list[str]:
        """Every message received so far, after waiting up to ``timeout`` for a first one."""
        got = []
        if not self.background:
            self.sock.setblocking(False)
            while True:
                try:
                    got.append(self.sock.recv(4096).decode())
                except BlockingIOError:
                    return got
        try:
            got.append(self.received.get(timeout=timeout) if timeout > 0 else self.received.get_nowait())
            while True:
                got.append(self.received.get_nowait())
        except queue.Empty:
            return got

    def until(self, wanted: str, timeout: float) -> list[str]:
        """Messages up to and including the first that has the line ``wanted``."""
        got, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages(timeout=0.2):
                got.append(message)
                if wanted in message.splitlines():
                    return got
        pytest.fail(f"no {wanted} within {timeout} s; got {got}")

    def settle(self, wait: float = 0.3) -> list[str]:
        """Everything sent before now, once the reader has had ``wait`` seconds to take it in."""
        time.sleep(wait)
        return self.messages()

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


@pytest.fixture(params=["path", "abstract"])
def address(request, tmp_path) -> str:
    """NOTIFY_SOCKET as systemd sets it: a socket's path, or '@' and an abstract name."""
    return str(tmp_path / "notify") if request.param == "path" else f"@voice-attune-test-{uuid.uuid4().hex}"


@pytest.fixture
def systemd(address):
    receiver = Systemd(address)
    yield receiver
    receiver.close()


def lines(messages: list[str]) -> list[str]:
    return [line for message in messages for line in message.splitlines()]


# -- the notifier on its own ------------------------------------------------------------------


def test_ready_status_and_stopping_reach_the_socket(systemd):
    notifier = Notifier.from_environment({"NOTIFY_SOCKET": systemd.address})
    notifier.ready("waiting for a start phrase")
    notifier.status("in a session: daily-checkin")
    notifier.status("in a session: daily-checkin")  # unchanged: not sent again
    notifier.stopping()
    assert systemd.until("STOPPING=1", timeout=10) + systemd.settle() == [
        "READY=1\nSTATUS=waiting for a start phrase", "STATUS=in a session: daily-checkin", "STOPPING=1"]


def test_the_watchdog_is_pinged_at_half_its_timeout(address):
    systemd = Systemd(address, background=False)
    now = [0.0]
    notifier = Notifier.from_environment({"NOTIFY_SOCKET": systemd.address, "WATCHDOG_USEC": "30000000"})
    notifier.clock = lambda: now[0]
    assert notifier.interval_s == 15.0
    pinged_at = []
    for tenth in range(0, 460):  # the loop calls alive() every frame; 46 s pass
        now[0] = tenth / 10
        notifier.alive()
        if systemd.messages():
            pinged_at.append(now[0])
    systemd.close()
    assert pinged_at == [0.0, 15.0, 30.0, 45.0]


def test_without_a_watchdog_nothing_is_pinged(systemd):
    notifier = Notifier.from_environment({"NOTIFY_SOCKET": systemd.address})
    for _ in range(5):
        notifier.alive()
    assert systemd.messages(timeout=0.3) == []


def test_a_watchdog_meant_for_another_process_is_not_pinged(systemd):
    env = {"NOTIFY_SOCKET": systemd.address, "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": str(os.getpid() + 1)}
    notifier = Notifier.from_environment(env)
    notifier.alive()
    assert notifier.interval_s is None and systemd.messages(timeout=0.3) == []
    assert Notifier.from_environment({**env, "WATCHDOG_PID": str(os.getpid())}).interval_s == 0.5


def test_without_systemd_every_message_is_a_quiet_no_op():
    notifier = Notifier.from_environment({})
    notifier.ready("waiting for a start phrase")
    notifier.alive()
    notifier.stopping()
    assert notifier.send("READY=1") is False


@pytest.mark.parametrize("address", ["/nonexistent/notify", "@voice-attune-nobody-listens", "relative/notify"])
def test_a_socket_that_is_not_there_never_stops_the_daemon(address, caplog):
    notifier = Notifier(address, watchdog_s=1.0)
    with caplog.at_level(logging.WARNING):
        notifier.ready()
        notifier.alive()
        notifier.stopping()
    assert notifier.send("WATCHDOG=1") is False
    assert caplog.text.count("cannot tell systemd") == 1  # said once, not at every ping


# -- the daemon's loop ------------------------------------------------------------------------

@pytest.fixture
def config(tmp_path):
    return tiny_config(tmp_path)


def silent_daemon(config, sphinx, tmp_path, seconds: float, notifier: Notifier) -> Daemon:
    """A daemon whose microphone hears ``seconds`` of silence, then it is stopped."""
    from voice_attune.voice.speaking import Voice
    from voice_attune.welcome import remember_notice_said

    opened = []

    def open_frames():
        opened.append(1)
        if len(opened) > 1:
            daemon.stop()
            raise OSError("no more test audio")
        return frames_from_array(np.zeros(int(16000 * seconds), np.int16))

    remember_notice_said(tmp_path / "data")
    daemon = Daemon(config, sphinx, Voice(config.voice).render, open_frames, RecordingPlayer,
                    folder=tmp_path / "data", sleep=lambda s: None, retry_s=0.3, stall_s=5.0,
                    notifier=notifier)
    return daemon


def run(daemon: Daemon) -> None:
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    thread.join(300)
    assert not thread.is_alive(), "the daemon did not stop"


def test_the_daemon_says_ready_pings_from_its_loop_and_says_stopping(config, sphinx, tmp_path, systemd):
    box: list[Daemon] = []
    # The audio clock as the watchdog's clock: 60 s of silence, a ping every 5 s of it.
    notifier = Notifier(systemd.address, watchdog_s=10.0, clock=lambda: box[0].input.now)
    daemon = silent_daemon(config, sphinx, tmp_path, 60.0, notifier)
    box.append(daemon)
    run(daemon)
    said = lines(systemd.until("STOPPING=1", timeout=10) + systemd.settle())
    assert said[:2] == ["READY=1", "STATUS=waiting for a start phrase"]
    assert said[-1] == "STOPPING=1"
    assert 11 <= said.count("WATCHDOG=1") <= 13  # about every 5 s of 60
    assert "READY=1" not in said[1:] and said.count("STOPPING=1") == 1


def test_a_session_shows_in_the_status_and_waiting_comes_back(config, sphinx, tmp_path, systemd):
    daemon = silent_daemon(config, sphinx, tmp_path, 40.0, Notifier(systemd.address))
    daemon.request(Start("tiny", "key"))
    run(daemon)
    said = lines(systemd.until("STOPPING=1", timeout=10) + systemd.settle())
    assert [o.result for o in daemon.outcomes] == ["finished"]
    statuses = [line for line in said if line.startswith("STATUS=")]
    assert statuses == ["STATUS=waiting for a start phrase", "STATUS=in a session: tiny",
                        "STATUS=waiting for a start phrase"]


def test_a_hung_loop_stops_pinging_the_watchdog(config, sphinx, tmp_path, systemd):
    """Only the loop pings: when it hangs (here the start listener never returns), the pings stop
    and systemd, after WatchdogSec=, restarts the daemon."""
    notifier = Notifier(systemd.address, watchdog_s=0.2)  # a ping every 0.1 s of wall time
    daemon = silent_daemon(config, sphinx, tmp_path, 60.0, notifier)
    feed, calls = daemon.listener.feed, {"n": 0}
    hung, release = threading.Event(), threading.Event()

    def hanging(frame):
        calls["n"] += 1
        if calls["n"] == 50:
            hung.set()
            release.wait(30)
        return feed(frame)

    daemon.listener.feed = hanging
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    try:
        assert hung.wait(60), "the loop never reached the hang"
        systemd.settle()  # what was sent before it hung
        time.sleep(1.0)  # ten watchdog intervals
        assert "WATCHDOG=1" not in lines(systemd.messages())
    finally:
        release.set()
        daemon.stop()
        thread.join(60)
    assert not thread.is_alive()


def test_the_daemon_command_is_ready_under_systemd_and_says_stopping_on_sigterm(tmp_path):
    """`voice-attune daemon` as systemd starts it: NOTIFY_SOCKET and WATCHDOG_USEC set."""
    wav = tmp_path / "quiet.wav"
    write_wav(wav, np.zeros(16000 * 120, np.int16))
    config = tmp_path / "config.yaml"
    config.write_text("recognizer: {engine: pocketsphinx}\n")
    receiver = Systemd(f"@voice-attune-test-{uuid.uuid4().hex}")
    env = {**os.environ, "NOTIFY_SOCKET": receiver.address, "WATCHDOG_USEC": "1000000"}
    proc = subprocess.Popen([sys.executable, "-m", "voice_attune", "daemon", "--audio", str(wav), "--no-keys",
                             "--config", str(config)], env=env, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        said = lines(receiver.until("READY=1", timeout=120))
        assert "STATUS=waiting for a start phrase" in said
        receiver.until("WATCHDOG=1", timeout=10)  # the recording plays at its real pace
        proc.send_signal(signal.SIGTERM)
        receiver.until("STOPPING=1", timeout=10)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        receiver.close()
