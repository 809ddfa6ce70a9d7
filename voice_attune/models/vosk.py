"""Vosk models: the catalog, downloading, installing from a zip, and checking an install.

Every install unpacks into a hidden folder inside the models folder and is renamed into place only
when it is complete, so a model folder is either whole or absent; failures leave no partial files.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Iterator, Mapping

from voice_attune.asr.vosk_engine import is_vosk_model
from voice_attune.errors import UserError

OFFICIAL_URL = "https://alphacephei.com/vosk/models"
URL_ENV = "VOICE_ATTUNE_MODEL_URL"
MANIFEST = ".voice-attune.json"
"""The install record written into each model folder: the zip's SHA-256 and every file's size."""

_TIMEOUT_S = 30.0
_CHUNK = 256 * 1024
_MB = 1_000_000
_NAME = re.compile(r"^vosk-model-[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class CatalogModel:
    """A Vosk model voice-attune knows by name."""

    name: str
    summary: str
    size_label: str
    """Download size for people, e.g. "40 MB"."""
    size_bytes: int | None
    """Exact size of the official zip in bytes; None when not known."""
    sha256: str | None
    """SHA-256 of the official zip; None when no checksum is pinned."""


# Alpha Cephei publishes no checksums. These are the SHA-256 of the official zips as pinned,
# independently of each other, by Yocto/AGL recipes, Arch (AUR) PKGBUILDs and other projects.
CATALOG: tuple[CatalogModel, ...] = (
    CatalogModel(
        "vosk-model-small-en-us-0.15",
        "small US English, quick; fine on a Raspberry Pi (the default)",
        "40 MB", 41_205_931,
        "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
    ),
    CatalogModel(
        "vosk-model-en-us-0.22-lgraph",
        "larger US English, more accurate; slower to load",
        "128 MB", 130_557_655,
        "d9838b4aaa82a75c4a17f5aca300eaca129aaab2a7cbf951bafbb500eb9c4334",
    ),
    CatalogModel(
        "vosk-model-en-us-0.22",
        "big server model, the most accurate; needs many GB of memory",
        "1.8 GB", None,
        "47f9a81ebb039dbb0bd319175c36ac393c0893b796c2b6303e64cf58c27b69f6",
    ),
)
DEFAULT_MODEL = CATALOG[0].name


@dataclass(frozen=True)
class InstallResult:
    """What an install did."""

    name: str
    path: Path
    sha256: str
    """SHA-256 of the zip that was installed."""
    pinned: str | None
    """The checksum it was compared with; None when there was none."""
    already: bool = False
    """True when a complete copy was already there and nothing was fetched."""
    replaced: bool = False


@dataclass(frozen=True)
class InstalledModel:
    """A model folder found in the models folder."""

    name: str
    path: Path
    size_bytes: int
    problems: tuple[str, ...]
    recorded: bool
    """True when the folder has an install record, so file sizes were checked too."""

    @property
    def complete(self) -> bool:
        return not self.problems


def catalog_entry(name: str) -> CatalogModel | None:
    """The catalog entry called ``name``, if any."""
    return next((m for m in CATALOG if m.name == name), None)


def resolve(name: str) -> CatalogModel:
    """A catalog entry, or an unpinned entry for another official model name."""
    known = catalog_entry(name)
    if known:
        return known
    if not is_model_name(name):
        names = ", ".join(m.name for m in CATALOG)
        raise UserError(f"unknown model '{name}'; known models: {names} (or any vosk-model-... name)")
    return CatalogModel(name, "not in voice-attune's catalog", "unknown size", None, None)


def is_model_name(name: str) -> bool:
    """True for names shaped like official ones (vosk-model-...), which can be downloaded."""
    return bool(_NAME.match(name))


def base_url(override: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """Where model zips are fetched from: the argument, else $VOICE_ATTUNE_MODEL_URL, else upstream."""
    env = os.environ if env is None else env
    url = (override or env.get(URL_ENV) or OFFICIAL_URL).rstrip("/")
    if urllib.parse.urlsplit(url).scheme not in ("http", "https", "file"):
        raise UserError(f"the model URL '{url}' must start with https://, http:// or file://")
    return url


def model_url(name: str, base: str) -> str:
    return f"{base.rstrip('/')}/{name}.zip"


def download(name: str, models_dir: Path, *, base: str | None = None, sha256: str | None = None,
             force: bool = False, out: IO[str] | None = None) -> InstallResult:
    """Fetch a model zip, check its SHA-256, unpack it into ``models_dir``."""
    entry = resolve(name)
    pinned = (sha256 or entry.sha256 or "").lower() or None
    target = models_dir / entry.name
    if not force and target.is_dir() and not verify(target):
        return InstallResult(entry.name, target, _recorded_sha(target), pinned, already=True)
    url = model_url(entry.name, base_url(base))
    with _cleaned_up_on_failure(models_dir, "the download"):
        models_dir.mkdir(parents=True, exist_ok=True)
        _check_room(models_dir, entry)
        fd, part_name = tempfile.mkstemp(prefix=".partial-", suffix=".zip", dir=models_dir)
        part = Path(part_name)
        try:
            with os.fdopen(fd, "wb") as sink:
                digest, got = _fetch(url, sink, out or sys.stderr, entry.name)
            if pinned and digest != pinned:
                raise UserError(f"{url}: SHA-256 is {digest}, expected {pinned}: the download is damaged "
                                "or not the official file; nothing was installed")
            path, replaced = _install_zip(part, url, models_dir, entry.name, digest)
        finally:
            part.unlink(missing_ok=True)
    return InstallResult(entry.name, path, digest, pinned, replaced=replaced)


def install_from_zip(zip_path: str | Path, models_dir: Path) -> InstallResult:
    """Install a model zip already on this computer (for machines without internet)."""
    source = Path(zip_path).expanduser()
    if not source.is_file():
        raise UserError("no such file", str(source))
    with _cleaned_up_on_failure(models_dir, "the install"):
        digest = _sha256_of(source)
        models_dir.mkdir(parents=True, exist_ok=True)
        path, replaced = _install_zip(source, str(source), models_dir, None, digest)
    entry = catalog_entry(path.name)
    return InstallResult(path.name, path, digest, entry.sha256 if entry else None, replaced=replaced)


def verify(path: Path) -> list[str]:
    """Problems with an installed model: missing structure, or files that differ from the record."""
    if not path.is_dir():
        return ["the folder is missing"]
    problems = structure_problems(path)
    if (path / MANIFEST).is_file():
        problems += _record_problems(path)
    return problems


def structure_problems(path: Path) -> list[str]:
    """What a Vosk model folder lacks: the acoustic model, its config, a decoding graph."""
    required = ("am/final.mdl", "conf/model.conf")
    problems = [f"{rel} is missing" for rel in required if not (path / rel).is_file()]
    graph = path / "graph"
    static = (graph / "HCLG.fst").is_file()
    dynamic = (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()
    if not (static or dynamic):
        problems.append("graph/HCLG.fst (or graph/HCLr.fst with graph/Gr.fst) is missing")
    return problems


def list_installed(models_dir: Path) -> list[InstalledModel]:
    """Model folders in ``models_dir`` (hidden work folders excluded), each checked."""
    if not models_dir.is_dir():
        return []
    found = []
    for child in sorted(models_dir.iterdir()):
        if child.name.startswith(".") or not child.is_dir():
            continue
        recorded = (child / MANIFEST).is_file()
        if recorded or is_vosk_model(child):
            size = sum(f.stat().st_size for f in child.rglob("*") if f.is_file())
            found.append(InstalledModel(child.name, child, size, tuple(verify(child)), recorded))
    return found


def leftover_work_files(models_dir: Path) -> list[Path]:
    """Work files of installs that were killed outright (a clean failure removes its own)."""
    if not models_dir.is_dir():
        return []
    return sorted(p for p in models_dir.iterdir() if p.name.startswith((".partial-", ".unpack-")))


def read_record(path: Path) -> dict | None:
    """The install record of a model folder, or None."""
    try:
        return json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def format_size(size: int) -> str:
    """Bytes for people: "1.8 GB", "68 MB", "0.2 MB"."""
    if size >= 1e9:
        return f"{size / 1e9:.1f} GB"
    return f"{size / _MB:.0f} MB" if size >= 10 * _MB else f"{size / _MB:.1f} MB"


# -- downloading ----------------------------------------------------------------------------------

def _fetch(url: str, sink: IO[bytes], out: IO[str], label: str) -> tuple[str, int]:
    """Stream ``url`` into ``sink``; returns (sha256, bytes). Network failures become UserError."""
    try:
        response = urllib.request.urlopen(url, timeout=_TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        raise UserError(f"{url}: the server answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        host = urllib.parse.urlsplit(url).netloc or url
        reason = getattr(exc, "reason", None) or exc
        raise UserError(f"cannot reach {host} ({reason}); check the internet connection, "
                        "or copy the zip over and use --from-zip") from None
    digest = hashlib.sha256()
    got = 0
    with response:
        length = response.headers.get("Content-Length") or ""
        total = int(length) if length.isdigit() and int(length) > 0 else None
        progress = _Progress(out, label, total)
        try:
            while True:
                try:
                    chunk = response.read(_CHUNK)
                except Exception as exc:  # http.client and socket errors: the transfer broke off
                    raise _cut_off(url, got, total, exc) from None
                if not chunk:
                    break
                sink.write(chunk)
                digest.update(chunk)
                got += len(chunk)
                progress.show(got)
        finally:
            progress.close()
    if total is not None and got < total:
        raise _cut_off(url, got, total, "the connection closed")
    return digest.hexdigest(), got


def _cut_off(url: str, got: int, total: int | None, why: object) -> UserError:
    of = f" of {total / _MB:.1f}" if total else ""
    return UserError(f"{url}: the download broke off after {got / _MB:.1f}{of} MB ({why}); "
                     "nothing was installed, try again")


class _Progress:
    """One self-overwriting stderr line: MB received and percent."""

    def __init__(self, out: IO[str], label: str, total: int | None):
        self._out, self._label, self._total = out, label, total
        self._last = -1
        self._shown = False

    def show(self, got: int) -> None:
        # Redraw on each new percent (or each new MB without a length), not on every chunk.
        step = got * 100 // self._total if self._total else got // _MB
        if step == self._last:
            return
        self._last = step
        if self._total:
            line = f"{self._label}: {got / _MB:.1f} of {self._total / _MB:.1f} MB ({step}%)"
        else:
            line = f"{self._label}: {got / _MB:.1f} MB"
        self._out.write(f"\r  downloading {line}  ")
        self._out.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self._out.write("\n")
            self._out.flush()
            self._shown = False


# -- unpacking ------------------------------------------------------------------------------------

def _install_zip(zip_path: Path, source: str, models_dir: Path, name: str | None,
                 digest: str) -> tuple[Path, bool]:
    """Unpack the model inside ``zip_path`` into models_dir/NAME; returns (path, replaced)."""
    label = source
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
        raise UserError("not a readable zip file (damaged, cut short, or another format)", label) from None
    with archive:
        prefix = _model_prefix(archive, label)
        name = name or _folder_name(prefix, zip_path)
        staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=models_dir))
        try:
            # Unpack one level down, so the work folder itself never looks like a model.
            root = staging / name
            _extract(archive, prefix, root, label)
            problems = structure_problems(root)
            if problems:
                raise UserError(f"the Vosk model inside is incomplete: {problems[0]}", label)
            _write_record(root, name, source, digest)
            target = models_dir / name
            replaced = target.exists() or target.is_symlink()
            _swap_into_place(root, target, staging / ".old")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target, replaced


def _swap_into_place(root: Path, target: Path, aside: Path) -> None:
    """Rename ``root`` to ``target``; an older copy is moved ``aside`` and restored on failure."""
    if not (target.exists() or target.is_symlink()):
        root.rename(target)
        return
    target.rename(aside)  # removed with the work folder once the new copy is in place
    try:
        root.rename(target)
    except OSError:
        aside.rename(target)
        raise


def _model_prefix(archive: zipfile.ZipFile, label: str) -> PurePosixPath:
    """The folder inside the zip that holds the model; refuses unsafe or model-less zips."""
    paths = [_safe_member(info, label) for info in archive.infolist()]
    roots = sorted((p.parent.parent for p in paths if p.parts[-2:] == ("am", "final.mdl")),
                   key=lambda p: len(p.parts))
    for root in roots:
        conf = root.parts + ("conf",)
        if any(p.parts[: len(conf)] == conf for p in paths):
            return root
    raise UserError("this zip holds no Vosk model (no am/final.mdl with a conf/ folder beside it); "
                    f"model zips are at {OFFICIAL_URL}", label)


def _safe_member(info: zipfile.ZipInfo, label: str) -> PurePosixPath:
    # Zips made on Windows sometimes use backslashes; treat them as separators before checking.
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    mode = info.external_attr >> 16
    unsafe = (name.startswith("/") or ".." in path.parts or ":" in path.parts[0]
              if path.parts else True)
    if unsafe or stat.S_ISLNK(mode):
        raise UserError(f"refusing this zip: it holds an unsafe entry '{info.filename}' "
                        "(a link, or a path outside the model folder)", label)
    return path


def _folder_name(prefix: PurePosixPath, zip_path: Path) -> str:
    name = (prefix.name if prefix.parts else zip_path.stem).lstrip(".")
    return name or "vosk-model"


def _extract(archive: zipfile.ZipFile, prefix: PurePosixPath, root: Path, label: str) -> None:
    """Copy the members under ``prefix`` into ``root``; the zip's CRCs catch damaged data."""
    depth = len(prefix.parts)
    root.mkdir()
    for info in archive.infolist():
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if parts[:depth] != prefix.parts or len(parts) == depth:
            continue
        dest = root.joinpath(*parts[depth:])
        if info.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            with archive.open(info) as src, open(dest, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise UserError(f"the zip is damaged at '{info.filename}' ({exc})", label) from None
        except (NotImplementedError, RuntimeError) as exc:  # unknown compression, or encrypted
            raise UserError(f"cannot unpack '{info.filename}' ({exc})", label) from None


def _write_record(root: Path, name: str, source: str, digest: str) -> None:
    files = {f.relative_to(root).as_posix(): f.stat().st_size
             for f in sorted(root.rglob("*")) if f.is_file() and f.name != MANIFEST}
    record = {
        "format": 1,
        "name": name,
        "source": source,
        "sha256": digest,
        "installed": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": files,
    }
    (root / MANIFEST).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def _record_problems(path: Path) -> list[str]:
    record = read_record(path)
    files = record.get("files") if isinstance(record, dict) else None
    if not isinstance(files, dict):
        return [f"its install record {MANIFEST} is unreadable"]
    problems = []
    for rel, size in files.items():
        try:
            actual = (path / rel).stat().st_size
        except OSError:
            problems.append(f"{rel} is missing")
            continue
        if actual != size:
            problems.append(f"{rel} is {actual} bytes, it was {size} when installed")
    return problems


def _recorded_sha(path: Path) -> str:
    record = read_record(path)
    return str(record.get("sha256", "")) if isinstance(record, dict) else ""


# -- shared ---------------------------------------------------------------------------------------

def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_room(models_dir: Path, entry: CatalogModel) -> None:
    # The zip and the unpacked model sit side by side until the install ends: about 3x the zip.
    if entry.size_bytes is None:
        return
    need = 3 * entry.size_bytes
    free = shutil.disk_usage(models_dir).free
    if free < need:
        raise UserError(f"not enough free disk space for {entry.name}: it needs about "
                        f"{format_size(need)}, there is {format_size(free)}", str(models_dir))


@contextmanager
def _cleaned_up_on_failure(models_dir: Path, what: str) -> Iterator[None]:
    """Turn Ctrl+C and file-system failures into one-line errors (partial files are gone by then)."""
    try:
        yield
    except KeyboardInterrupt:
        raise UserError(f"{what} was stopped (Ctrl+C); no partial files were kept") from None
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise UserError(f"the disk is full; free some space and try again ({what} was undone)",
                            str(models_dir)) from None
        where = exc.filename or models_dir
        raise UserError(f"{exc.strerror or exc} ({what} was undone)", str(where)) from None
