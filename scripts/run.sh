#!/usr/bin/env bash
# Sets up what is missing, builds and opens TradeMind. Arguments go to the app, so
# `scripts/run.sh status` runs the CLI instead. On a machine without a desktop:
# `xvfb-run -a scripts/run.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[[ -f "$HOME/.cargo/env" ]] && source "$HOME/.cargo/env"
exec cargo run --quiet -p trademind --bin trademind -- "$@"
