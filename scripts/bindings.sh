#!/usr/bin/env bash
# Regenerates the TypeScript bindings of the Rust IPC types (ts-rs) into ui/src/bindings.
#   scripts/bindings.sh           write them
#   scripts/bindings.sh --check   fail if the committed ones differ from what the code generates
set -euo pipefail
cd "$(dirname "$0")/.."
export TS_RS_LARGE_INT=number
if [[ "${1:-}" == "--check" ]]; then
  fresh=$(mktemp -d)
  trap 'rm -rf "$fresh"' EXIT
  cargo run --quiet -p trademind --bin gen-bindings -- "$fresh"
  if ! diff -ru ui/src/bindings "$fresh"; then
    echo "bindings drift: ui/src/bindings differs from the Rust types; run scripts/bindings.sh and commit" >&2
    exit 1
  fi
  echo "bindings: up to date"
else
  rm -rf ui/src/bindings
  cargo run --quiet -p trademind --bin gen-bindings -- ui/src/bindings
  echo "bindings: written to ui/src/bindings"
fi
