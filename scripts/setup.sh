#!/usr/bin/env bash
# Installs what TradeMind needs to build, run and test on Debian 12 / Ubuntu 22.04+, then builds
# the web UI. Safe to re-run: it installs only what is missing.
#   scripts/setup.sh          build + run dependencies
#   scripts/setup.sh --test   also the test dependencies (Xvfb, WebKitWebDriver, GNOME Keyring)
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=false
[[ "${1:-}" == "--test" ]] && with_tests=true

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

packages=(build-essential pkg-config curl file libwebkit2gtk-4.1-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev gnome-keyring dbus)
$with_tests && packages+=(xvfb xauth webkit2gtk-driver dbus-x11)
command -v node >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing system packages: ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  say "installing the Rust toolchain (rustup)"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt
  # shellcheck disable=SC1091
  source "$HOME/.cargo/env"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 18)); then
  echo "setup: Node.js $(node --version) is too old; TradeMind's UI build needs Node 18 or newer" >&2
  exit 1
fi

say "installing UI packages (npm ci)"
(cd ui && npm ci --no-audit --no-fund --loglevel=error)
say "building the UI (ui/dist)"
(cd ui && npx --no-install vite build --logLevel warn)
