#!/usr/bin/env bash
# The whole test suite (what CI runs): formatting, lints, UI type check and unit tests, the
# bindings drift check, and every Rust test — unit, CLI end-to-end and the GUI end-to-end test
# in a real window (Xvfb + WebKitWebDriver) — against a real GNOME Keyring in a private D-Bus
# session and real SQLite databases.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
step() { printf '\n\033[1m==> %s\033[0m\n' "$1" >&2; shift; "$@"; }

step "setup" scripts/setup.sh --test
[[ -f "$HOME/.cargo/env" ]] && source "$HOME/.cargo/env"
export TS_RS_LARGE_INT=number CARGO_TERM_COLOR=never

step "rustfmt" cargo fmt --all --check
step "UI type check" bash -c 'cd ui && npx --no-install tsc --noEmit'
step "UI unit tests" bash -c 'cd ui && npx --no-install vitest run'
step "clippy" cargo clippy --workspace --all-targets --features trademind/bench-fixtures --locked -- -D warnings
step "bindings drift" scripts/bindings.sh --check
step "build the app and the agent" cargo build --locked -p trademind -p screener --bins
step "Rust tests (real keyring, SQLite, GUI)" scripts/with-keyring.sh cargo test --workspace --locked
printf '\nall checks passed in %ss\n' "$((SECONDS - started))" >&2
