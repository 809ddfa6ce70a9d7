"""`voice-attune models`: list, download, verify and install Vosk speech models."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from voice_attune.config import Config, models_dir
from voice_attune.errors import UserError
from voice_attune.models import vosk as models

_SMALL = models.catalog_entry(models.DEFAULT_MODEL)
assert _SMALL is not None

DESCRIPTION = f"""\
Vosk models make speech recognition much better than the built-in PocketSphinx fallback.
A model is downloaded once (this needs internet); after that everything runs offline.
The model in the models folder is picked automatically: nothing else to set.

Models (download size):
""" + "".join(f"  {m.name:<30} {m.size_label:>7}  {m.summary}\n" for m in models.CATALOG)

EPILOG = f"""\
examples:
  voice-attune models                          the catalog, what is installed, the models folder
  voice-attune models download                 the default {_SMALL.name} ({_SMALL.size_label})
  voice-attune models download vosk-model-en-us-0.22-lgraph
  voice-attune models verify                   check installed models for missing or damaged files
  voice-attune models --from-zip FILE.zip      install a zip copied from another computer

without internet on this computer:
  1. on a computer with internet, download
       {models.model_url(_SMALL.name, models.OFFICIAL_URL)}
  2. copy the zip over (a USB stick will do; no need to unpack it)
  3. here, run:  voice-attune models --from-zip {_SMALL.name}.zip

Downloads are checked against pinned SHA-256 checksums and unpacked atomically: a failed or
interrupted install leaves nothing behind. ${models.URL_ENV} changes where zips are fetched from.
"""


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "models",
        help=f"list, download ({_SMALL.size_label}, once) or install Vosk speech models",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--from-zip", metavar="PATH",
                   help="install a model zip already on this computer; needs no internet")
    actions = p.add_subparsers(dest="models_action", metavar="ACTION")

    ls = actions.add_parser("list", help="the catalog, installed models and the models folder (default)",
                            description="Show the known models, which are installed, and the models folder.")
    dl = actions.add_parser(
        "download",
        help=f"download and install a model (default: {_SMALL.name}, {_SMALL.size_label})",
        description=(f"Download a Vosk model once (needs internet), check its SHA-256 and unpack it "
                     f"into the models folder; after that everything runs offline. Default: "
                     f"{_SMALL.name} ({_SMALL.size_label}). Other official names "
                     f"(vosk-model-...) work too, without a pinned checksum."),
    )
    dl.add_argument("name", nargs="?", default=models.DEFAULT_MODEL, metavar="NAME",
                    help=f"model name (default: {models.DEFAULT_MODEL})")
    dl.add_argument("--force", action="store_true", help="download again even if already installed")
    dl.add_argument("--sha256", metavar="HEX",
                    help="the zip's expected SHA-256 (for models not in the catalog)")
    dl.add_argument("--base-url", metavar="URL",
                    help=f"where zips are fetched from (default: ${models.URL_ENV}, "
                         f"else {models.OFFICIAL_URL})")
    vf = actions.add_parser(
        "verify",
        help="check installed models for missing or damaged files",
        description=("Check a model's structure (am/final.mdl, conf/model.conf, graph files) and, "
                     "for models installed by voice-attune, every file's size against the install "
                     "record."),
    )
    vf.add_argument("name", nargs="?", metavar="NAME",
                    help="a model folder name or path (default: all installed)")
    for action in (ls, dl, vf):
        # SUPPRESS keeps `models --config F list` working: the action parser must not reset it to None.
        action.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                            help="settings file (default: ./config.yaml)")
    return p


def run(args: argparse.Namespace, config: Config) -> int:
    folder = models_dir(config)
    action = args.models_action
    if args.from_zip:
        if action:
            raise UserError(f"use either --from-zip or '{action}', not both")
        return _from_zip(args.from_zip, folder)
    if action == "download":
        return _download(args, folder)
    if action == "verify":
        return _verify(args.name, folder)
    return _list(folder, config)


def _list(folder: Path, config: Config) -> int:
    from voice_attune.asr.engines import find_vosk_model

    installed = {m.name: m for m in models.list_installed(folder)}
    print(f"Models folder: {folder}")
    print("Known models (download once with: voice-attune models download NAME):")
    for entry in models.CATALOG:
        here = installed.pop(entry.name, None)
        mark = _mark(here)
        print(f"  {mark:<10} {entry.name:<30} {entry.size_label:>7}  {entry.summary}")
    if installed:
        print("Other models in the folder:")
        for here in installed.values():
            print(f"  {_mark(here):<10} {here.name:<30} {models.format_size(here.size_bytes):>7}")
    stale = models.leftover_work_files(folder)
    if stale:
        print(f"Note: {len(stale)} work file(s) of an interrupted install are left in the folder "
              f"({stale[0].name}...); safe to delete when no install is running.")
    chosen = find_vosk_model(config)
    if chosen is not None:
        print(f"In use: {chosen} (set recognizer.vosk_model in config.yaml to choose another)")
    else:
        print("No Vosk model installed: recognition falls back to PocketSphinx. "
              "Install the default with: voice-attune models download")
    return 0


def _mark(model: models.InstalledModel | None) -> str:
    if model is None:
        return "-"
    return "installed" if model.complete else "DAMAGED"


def _download(args: argparse.Namespace, folder: Path) -> int:
    result = models.download(args.name, folder, base=args.base_url, sha256=args.sha256,
                             force=args.force, out=sys.stderr)
    if result.already:
        print(f"{result.name} is already installed in {result.path} (--force downloads it again).")
        return 0
    if result.pinned:
        check = "SHA-256 matches the pinned checksum"
    else:
        check = f"SHA-256 {result.sha256}; there was no pinned checksum to compare it with"
    print(f"Installed {result.name} in {result.path} ({check}).")
    print("From now on recognition runs offline with this model.")
    return 0


def _from_zip(path: str, folder: Path) -> int:
    result = models.install_from_zip(path, folder)
    if result.pinned is None:
        check = f"SHA-256 {result.sha256}; no pinned checksum for this model, its files were checked"
    elif result.pinned == result.sha256:
        check = "the zip is the official one: its SHA-256 matches the pinned checksum"
    else:
        check = "the zip differs from the official one (repacked?), its files were checked"
    verb = "Replaced" if result.replaced else "Installed"
    print(f"{verb} {result.name} in {result.path} ({check}).")
    return 0


def _verify(name: str | None, folder: Path) -> int:
    if name:
        path = folder / name
        if not path.exists() and Path(name).expanduser().is_dir():
            path = Path(name).expanduser()
        if not path.is_dir():
            names = ", ".join(m.name for m in models.list_installed(folder)) or "none"
            raise UserError(f"no model '{name}' in {folder} (installed: {names})")
        targets = [(path.name, path)]
    else:
        targets = [(m.name, m.path) for m in models.list_installed(folder)]
        if not targets:
            raise UserError(f"no models installed in {folder}; "
                            "install one with: voice-attune models download")
    damaged = []
    for label, path in targets:
        problems = models.verify(path)
        recorded = (path / models.MANIFEST).is_file()
        if problems:
            damaged.append((label, problems))
            print(f"DAMAGED  {label}: {'; '.join(problems)}")
        elif recorded:
            files = len((models.read_record(path) or {}).get("files", {}))
            print(f"ok       {label}: structure and all {files} files match the install record")
        else:
            print(f"ok       {label}: structure only (installed by hand, no install record to compare)")
    if damaged:
        label, problems = damaged[0]
        how = (f"voice-attune models download {label} --force" if models.is_model_name(label)
               else "voice-attune models --from-zip FILE.zip")
        more = f" (and {len(damaged) - 1} more)" if len(damaged) > 1 else ""
        raise UserError(f"model {label} is damaged: {problems[0]}{more}; reinstall it with: {how}")
    return 0
