#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a real, unlocked GNOME Keyring
# (Secret Service) whose files live in a temporary XDG_DATA_HOME, so tests never touch the
# user's own keyring. Usage: scripts/with-keyring.sh COMMAND [ARG...]
set -euo pipefail
command -v dbus-run-session >/dev/null || { echo "with-keyring: dbus-run-session missing (apt-get install dbus)" >&2; exit 1; }
command -v gnome-keyring-daemon >/dev/null || { echo "with-keyring: gnome-keyring-daemon missing (apt-get install gnome-keyring)" >&2; exit 1; }

keyring_home=$(mktemp -d "${TMPDIR:-/tmp}/trademind-keyring.XXXXXX")
trap 'rm -rf "$keyring_home"' EXIT
mkdir -p "$keyring_home/data" "$keyring_home/runtime"
chmod 700 "$keyring_home/runtime"
export XDG_DATA_HOME="$keyring_home/data"
export XDG_RUNTIME_DIR="$keyring_home/runtime"
export TRADEMIND_TEST_KEYRING_DIR="$XDG_DATA_HOME/keyrings"

dbus-run-session -- bash -c '
  set -e
  eval "$(printf %s trademind-test | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  export TRADEMIND_TEST_KEYRING=1
  exec "$@"
' with-keyring "$@"
