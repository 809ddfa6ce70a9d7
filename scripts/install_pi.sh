#!/usr/bin/env bash
# Install voice-attune on a Raspberry Pi (Raspberry Pi OS, or any Debian) as an always-ready
# kitchen device: Debian packages, a virtual environment, the package with its extras, the Vosk
# model, and a systemd user unit that starts `voice-attune daemon` at boot.
#
#   bash scripts/install_pi.sh             install, or bring an install up to date
#   bash scripts/install_pi.sh --dry-run   print each step it would take; change nothing
#   bash scripts/install_pi.sh --help
#
# Run it as the user the device runs as (not with sudo): it uses sudo only for apt-get. As root it
# asks before making root's services start at boot (--linger-root: without asking).
# Idempotent: a second run finds everything in place, changes nothing and says so.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
default_venv="$HOME/.local/share/voice-attune/venv"
venv="${VOICE_ATTUNE_VENV:-$default_venv}"
python="python3"
dry_run=0
with_sox=1
linger_root=0
unit_name="voice-attune.service"
# The user manager reads ~/.config/systemd/user whatever the shell sets XDG_CONFIG_HOME to.
unit_dir="$HOME/.config/systemd/user"

usage() {
  cat <<EOF
Usage: bash scripts/install_pi.sh [--dry-run] [--venv DIR] [--python PYTHON] [--no-sox] [--linger-root]

Installs voice-attune from this checkout ($repo) so that it starts at boot:
  1. Debian packages: python3-venv, espeak-ng (the voice), libportaudio2 (sound devices),
     sox (optional: rec/play for testing the microphone by hand); python3-dev and
     build-essential on 32-bit systems, where some wheels must be compiled.
     Uses apt-get as root, else sudo apt-get.
  2. A virtual environment (default: $default_venv).
  3. voice-attune with the extras this checkout offers for a Pi (piper: a natural voice;
     gpio: a push button; wyoming: a home voice server; charts: the history's chart), and a
     link ~/.local/bin/voice-attune.
  4. The Vosk speech model (voice-attune models download); without internet this is only a
     warning: recognition falls back to PocketSphinx until you download it.
  5. The systemd user unit scripts/voice-attune.service into $unit_dir: sandboxed and
     offline; a Wyoming server named in config.yaml (tcp://HOST:PORT) is the one address
     let through. Its data folder ~/.local/share/voice-attune is created if missing.
  6. Lingering (loginctl enable-linger), so your user's services start at boot without a login.
     As root it warns and asks first: the device should run as an ordinary user.
  7. systemctl --user enable --now voice-attune (restarted when the code or unit changed).

Options:
  -n, --dry-run     print each step and the commands it would run; change nothing (no root needed)
  --venv DIR        where the virtual environment goes (env VOICE_ATTUNE_VENV; default above)
  --python PYTHON   the Python that builds the environment (default: python3)
  --no-sox          leave out sox
  --linger-root     run as root: turn on lingering for root without asking (not advised)
  -h, --help        this text

Afterwards:  systemctl --user status voice-attune     journalctl --user -u voice-attune -f
EOF
}

fail() { printf 'install_pi.sh: %s\n' "$*" >&2; exit 2; }

while (($#)); do
  case "$1" in
    -n|--dry-run) dry_run=1 ;;
    --venv) (($# > 1)) || fail "--venv needs a folder"; venv="$2"; shift ;;
    --venv=*) venv="${1#*=}" ;;
    --python) (($# > 1)) || fail "--python needs a program"; python="$2"; shift ;;
    --python=*) python="${1#*=}" ;;
    --no-sox) with_sox=0 ;;
    --linger-root) linger_root=1 ;;
    -h|--help) usage; exit 0 ;;
    *) fail "unknown option '$1' (see --help)" ;;
  esac
  shift
done

[[ "$venv" == /* ]] || venv="$PWD/$venv"
venv="${venv%/}"
# systemd splits ExecStart= at spaces; a path without them keeps the unit simple and readable.
[[ "$venv" != *[[:space:]]* ]] || fail "the venv path must not contain spaces: '$venv'"
if ((EUID == 0)) && [[ -n "${SUDO_USER:-}" ]] && ((!dry_run)); then
  fail "run this as $SUDO_USER, without sudo: the service belongs to that user (apt-get gets sudo by itself)"
fi
user="$(id -un)"

total=7
step_no=0
changes=0

step() { step_no=$((step_no + 1)); printf '[%d/%d] %s\n' "$step_no" "$total" "$*"; }
ok() { printf '      ok: %s\n' "$*"; }
note() { printf '      %s\n' "$*"; }
warn() { printf '      warning: %s\n' "$*" >&2; }
# A command as it would be typed: words with shell characters in single quotes.
show() {
  local word line=""
  for word in "$@"; do
    if [[ "$word" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
      line+=" $word"
    else
      line+=" '${word//\'/\'\\\'\'}'"
    fi
  done
  printf '%s' "$line"
}
# Run a command that changes the system, or only print it on a dry run.
act() {
  changes=$((changes + 1))
  if ((dry_run)); then
    printf '      would run:%s\n' "$(show "$@")"
    return 0
  fi
  printf '      running:%s\n' "$(show "$@")"
  "$@"
}
as_root() {
  if ((EUID == 0)); then
    act "$@"
  elif command -v sudo >/dev/null 2>&1 || ((dry_run)); then
    act sudo "$@"
  else
    fail "this step needs root and sudo is missing; run as root: $*"
  fi
}

# -- 1. Debian packages -----------------------------------------------------------------------
step "Debian packages"
packages=(python3 python3-venv espeak-ng libportaudio2)
case "$(uname -m)" in
  aarch64|arm64|x86_64|amd64) ;;
  *) packages+=(python3-dev build-essential) ;;  # 32-bit ARM: not every dependency has a wheel
esac
((with_sox)) && packages+=(sox)
if ! command -v dpkg-query >/dev/null 2>&1; then
  warn "not a Debian system: make sure these (or their equivalents) are installed: ${packages[*]}"
else
  missing=()
  for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    note "missing: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    ok "already installed: ${packages[*]}"
  fi
fi

# -- 2. Virtual environment -------------------------------------------------------------------
step "Virtual environment $venv"
if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c "import sys" >/dev/null 2>&1; then
  ok "exists"
elif [[ -e "$venv/bin/python" ]]; then
  note "exists but its Python does not start (the system Python changed?): rebuilding it"
  act "$python" -m venv --clear "$venv"
else
  act "$python" -m venv "$venv"
fi

# -- 3. voice-attune and its extras ------------------------------------------------------------
# The extras this checkout's pyproject.toml declares (a gpio extra may not exist yet).
offered="$(awk '/^\[/ { section = $0; next }
               section == "[project.optional-dependencies]" && /^[A-Za-z0-9_.-]+[ \t]*=/ {
                 sub(/[ \t]*=.*/, ""); print }' "$repo/pyproject.toml")"
extras=()
for extra in piper gpio wyoming charts; do
  grep -qx "$extra" <<<"$offered" && extras+=("$extra")
done
extras_list="$(IFS=,; echo "${extras[*]:-}")"
target="$repo"
[[ -n "$extras_list" ]] && target="$repo[$extras_list]"
step "voice-attune${extras_list:+ with extras: $extras_list}"
# pip reinstalls a local folder every time; a fingerprint of the sources says whether it must.
fingerprint="$(cd "$repo" && find pyproject.toml voice_attune -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 \
  | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1) extras=$extras_list"
stamp="$venv/.voice-attune-installed"
code_changed=0
if [[ -x "$venv/bin/voice-attune" && -f "$stamp" && "$(cat "$stamp")" == "$fingerprint" ]]; then
  ok "already installed from this checkout (unchanged since)"
else
  code_changed=1
  act "$venv/bin/python" -m pip install --quiet --upgrade pip || warn "could not upgrade pip; going on with this one"
  if ! act "$venv/bin/python" -m pip install --prefer-binary "$target"; then
    [[ " ${extras[*]:-} " == *" piper "* ]] || { echo "install_pi.sh: pip could not install voice-attune (see above)" >&2; exit 1; }
    # Piper has no wheel for every Pi; the built-in espeak-ng voice still works.
    warn "installing with Piper failed; trying without it (the voice will be espeak-ng)"
    rest=""
    for extra in "${extras[@]}"; do [[ "$extra" == piper ]] || rest="${rest:+$rest,}$extra"; done
    act "$venv/bin/python" -m pip install --prefer-binary "$repo${rest:+[$rest]}" \
      || { echo "install_pi.sh: pip could not install voice-attune (see above)" >&2; exit 1; }
  fi
  # The fingerprint of what was asked for: a Pi without Piper wheels is not retried every run.
  ((dry_run)) || printf '%s' "$fingerprint" >"$stamp"
fi
link="$HOME/.local/bin/voice-attune"
if [[ "$(readlink "$link" 2>/dev/null)" == "$venv/bin/voice-attune" ]]; then
  ok "the command is on your PATH: $link"
elif [[ -e "$link" || -L "$link" ]]; then
  note "$link exists and is not this install's; left alone (the command is $venv/bin/voice-attune)"
else
  act mkdir -p "$HOME/.local/bin"
  act ln -s "$venv/bin/voice-attune" "$link"
fi

# -- 4. Speech model --------------------------------------------------------------------------
step "Vosk speech model"
# In $HOME, where the service runs, so a config.yaml in this folder does not steer where it goes.
cd "$HOME"
if [[ -x "$venv/bin/voice-attune" ]] && "$venv/bin/voice-attune" models verify >/dev/null 2>&1; then
  ok "installed and complete (voice-attune models)"
elif ! act "$venv/bin/voice-attune" models download; then
  warn "could not download the Vosk model (no internet?); recognition uses PocketSphinx until you run:"
  warn "  $venv/bin/voice-attune models download"
fi

# -- 5. systemd user unit ---------------------------------------------------------------------
unit_file="$unit_dir/$unit_name"
step "systemd user unit $unit_file"
exec_venv="$venv"
prefix=""
if [[ "$venv" == "$HOME"/* ]]; then
  exec_venv="${venv#"$HOME"/}"
  prefix="%h/"
fi
exec_venv="$prefix${exec_venv//'%'/%%}"  # a literal % in a unit file is written %%
template="$(cat "$repo/scripts/$unit_name")"
unit_text="${template//"%h/.local/share/voice-attune/venv"/"$exec_venv"}"
# The sandbox keeps the service offline. A Wyoming server that the service's config.yaml names
# (tcp://HOST:PORT, for transcripts or the voice) is the one way out, to its address alone.
# The service's working folder is $HOME: a config.yaml there comes first, as voice-attune looks.
service_config=""
for candidate in "$HOME/config.yaml" "$HOME/.config/voice-attune/config.yaml"; do
  if [[ -f "$candidate" ]]; then service_config="$candidate"; break; fi
done
allowed=()
if [[ -n "$service_config" ]]; then
  while read -r uri; do
    host="${uri#tcp://}"
    if [[ "$host" == \[* ]]; then host="${host#\[}"; host="${host%%]*}"; else host="${host%%[:/]*}"; fi
    if [[ "$host" == localhost || "$host" == *:* || "$host" =~ ^[0-9]+(\.[0-9]+){3}$ ]]; then
      addresses="$host"
    else
      addresses="$(getent ahosts "$host" 2>/dev/null | awk '{ print $1 }' | sort -u | tr '\n' ' ' || true)"
      if [[ -z "${addresses// }" ]]; then
        warn "$service_config names the Wyoming server $uri, but '$host' has no address here:"
        warn "  write its IP address in the uri; until then the service stays offline (local engines)"
        continue
      fi
      note "$host is $addresses today; if that changes, run this again (or write the address in the uri)"
    fi
    for address in $addresses; do
      [[ " ${allowed[*]:-} " == *" $address "* ]] || allowed+=("$address")
    done
  done < <(sed 's/#.*//' "$service_config" | grep -oE "tcp://[^[:space:],}\"']+" || true)
fi
if ((${#allowed[@]})); then
  note "the Wyoming server in $service_config is let through: IPAddressAllow=${allowed[*]}"
  nl=$'\n'
  unit_text="${unit_text/"${nl}PrivateNetwork=yes${nl}"/"${nl}PrivateNetwork=no${nl}"}"
  unit_text="${unit_text/"${nl}RestrictAddressFamilies=AF_UNIX${nl}"/"${nl}RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6${nl}"}"
  unit_text="${unit_text/"${nl}IPAddressDeny=any${nl}"/"${nl}IPAddressDeny=any${nl}IPAddressAllow=${allowed[*]}${nl}"}"
fi
# The one folder the sandbox lets the service write (besides its cache, which systemd makes).
data_dir="$HOME/.local/share/voice-attune"
[[ -d "$data_dir" ]] || act mkdir -p "$data_dir"
unit_changed=0
if [[ -f "$unit_file" && "$(cat "$unit_file")" == "$unit_text" ]]; then
  ok "installed and up to date"
else
  unit_changed=1
  note "ExecStart=$(grep '^ExecStart=' <<<"$unit_text" | cut -d= -f2-)"
  act mkdir -p "$unit_dir"
  if ((dry_run)); then
    note "would write $unit_file from scripts/$unit_name"
  else
    printf '%s\n' "$unit_text" >"$unit_file.tmp" && mv "$unit_file.tmp" "$unit_file"
    note "wrote $unit_file"
  fi
  act systemctl --user daemon-reload
fi

# -- 6. Start at boot without a login ----------------------------------------------------------
step "Lingering for $user (user services start at boot)"
linger_declined=0
if [[ -f "/var/lib/systemd/linger/$user" ]] \
   || [[ "$(loginctl show-user "$user" --property=Linger --value 2>/dev/null || true)" == yes ]]; then
  ok "already on"
elif ((EUID == 0 && !linger_root)); then
  warn "you are root: lingering would start voice-attune as root at every boot, a microphone"
  warn "that always listens with the power to change the whole system. Run this script as the"
  warn "user the device should run as (in the audio group, and gpio for a push button) instead."
  if ((dry_run)); then
    note "would ask before running: loginctl enable-linger $user (--linger-root: without asking)"
  elif [[ -t 0 ]] && read -r -p "      Turn on lingering for root anyway? [y/N] " answer && [[ "$answer" == [yY]* ]]; then
    act loginctl enable-linger "$user"
  else
    linger_declined=1
    note "lingering left off: voice-attune starts when root logs in, not at boot (--linger-root turns it on)"
  fi
elif ((dry_run)) || ((EUID == 0)); then
  act loginctl enable-linger "$user"
elif ! act loginctl enable-linger "$user" 2>/dev/null; then
  # polkit lets a user linger from a desktop session, not always over ssh: ask sudo.
  as_root loginctl enable-linger "$user"
fi

# -- 7. Enable and start ----------------------------------------------------------------------
step "Service $unit_name: enabled at boot and running"
# Over ssh or su the user manager's address may be unset; lingering has started the manager.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/run/user/$(id -u)}"
if ((dry_run && unit_changed)); then
  act systemctl --user enable --now "$unit_name"
elif ! systemctl --user show-environment >/dev/null 2>&1 && ((!dry_run)); then
  echo "install_pi.sh: cannot reach your user's systemd (no user session?). Log in as $user and run:" >&2
  echo "  systemctl --user daemon-reload && systemctl --user enable --now $unit_name" >&2
  exit 1
elif systemctl --user is-enabled --quiet "$unit_name" 2>/dev/null \
     && systemctl --user is-active --quiet "$unit_name" 2>/dev/null; then
  if ((code_changed || unit_changed)); then
    act systemctl --user restart "$unit_name"  # so the new code or unit is what runs
  else
    ok "enabled and running"
  fi
else
  act systemctl --user enable --now "$unit_name"
fi

echo
if ((dry_run)); then
  echo "Dry run: $changes command(s) would run; nothing was changed."
elif ((changes == 0)); then
  echo "Nothing to change: voice-attune was already installed, enabled and running."
elif ((linger_declined)); then
  echo "Done ($changes command(s) run). voice-attune runs now, but does not start at boot (lingering is off)."
else
  echo "Done ($changes command(s) run). voice-attune now starts at boot."
fi
cat <<EOF
  check:     systemctl --user status voice-attune     journalctl --user -u voice-attune -f
  devices:   $venv/bin/voice-attune devices / mic-test / speaker-test
  settings:  ~/.config/voice-attune/config.yaml (start from $repo/config.yaml), then
             systemctl --user restart voice-attune
EOF
