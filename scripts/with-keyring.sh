#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a real, unlocked GNOME Keyring
# (Secret Service) whose files live in a temporary XDG_DATA_HOME, so tests never touch the
# user's own keyring. Usage: scripts/with-keyring.sh COMMAND [ARG...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v dbus-run-session >/dev/null || { echo "with-keyring: dbus-run-session missing (apt-get install dbus)" >&2; exit 1; }
command -v gnome-keyring-daemon >/dev/null || { echo "with-keyring: gnome-keyring-daemon missing (apt-get install gnome-keyring)" >&2; exit 1; }

keyring_home=$(mktemp -d "${TMPDIR:-/tmp}/trademind-keyring.XXXXXX")
cleanup() {
  rm -rf "$keyring_home" 2>/dev/null || echo "with-keyring: could not remove $keyring_home" >&2
}
trap cleanup EXIT
mkdir -p "$keyring_home/data" "$keyring_home/runtime"
chmod 700 "$keyring_home/runtime"
export XDG_DATA_HOME="$keyring_home/data"
export XDG_RUNTIME_DIR="$keyring_home/runtime"
export TRADEMIND_TEST_KEYRING_DIR="$XDG_DATA_HOME/keyrings"
export GTK_USE_PORTAL=0

status=0
# The bus activates nothing (no desktop portals that would outlive the tests): see the config.
dbus-run-session --config-file="$here/test-session-bus.conf" -- bash -c '
  set -e
  eval "$(printf %s trademind-test | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  export TRADEMIND_TEST_KEYRING=1
  exec "$@"
' with-keyring "$@" || status=$?
exit "$status"
