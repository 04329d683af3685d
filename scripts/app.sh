#!/usr/bin/env bash
# Sets up everything (as scripts/setup.sh does), builds the desktop app and
# launches it. With no display (a server, a container), the window opens on
# a virtual X display; the script says how to look at it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$repo"

install_debian_packages
ensure_engine
install_node_packages
build_cli
ensure_image

say "building the desktop app"
(cd ui && npm run build)
cargo build --locked -p sagedesk-app

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  export DISPLAY=:77
  say "no display: starting a virtual one ($DISPLAY)"
  Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb=$!
  trap 'kill $xvfb 2>/dev/null || true' EXIT
  sleep 1
  echo "to see the window: import -window root -display $DISPLAY sagedesk.png"
fi
say "launching SageDesk"
"$CARGO_TARGET_DIR/debug/sagedesk-app"
