#!/usr/bin/env bash
# Runs end-to-end tests (smoke.mjs by default, or the scripts named as
# arguments) against the built debug app:
# starts Xvfb when there is no display, and tauri-driver (which starts
# Debian's WebKitWebDriver, which starts the app), and stops what it started.
#
# Needs: xvfb, webkit2gtk-driver (apt), tauri-driver (cargo install
# tauri-driver --version '^2' --locked), and the app built with
#   (cd ui && npm run build) && cargo build -p sagedesk-app
# Environment: E2E_SCREENSHOT, E2E_EXPECT_ENGINE, E2E_APP, E2E_DRIVER_PORT
# (default 4444) and the others smoke.mjs reads.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
export E2E_APP=${E2E_APP:-${CARGO_TARGET_DIR:-$repo/target}/debug/sagedesk-app}
port=${E2E_DRIVER_PORT:-4444}
export E2E_DRIVER_URL=http://127.0.0.1:$port

if [[ ! -x $E2E_APP ]]; then
  echo "no app at $E2E_APP: run 'npm run build' in ui/, then 'cargo build -p sagedesk-app'" >&2
  exit 1
fi
for tool in tauri-driver WebKitWebDriver; do
  command -v "$tool" >/dev/null || { echo "$tool is not on PATH" >&2; exit 1; }
done

work=$(mktemp -d)
started=()
stop() {
  # Each process was started as the leader of its own process group, so this
  # also stops what it started (WebKitWebDriver, the app).
  for pid in "${started[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for pid in "${started[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  # The driver may end the app with SIGKILL, leaving its kernel behind as
  # after a crash: once the app is gone, remove that as the next launch would.
  for _ in $(seq 50); do
    pgrep -x -- "$(basename "$E2E_APP" | cut -c1-15)" >/dev/null || break
    sleep 0.2
  done
  # Kernels a test left running on purpose go too: their records are this
  # run's (see XDG_DATA_HOME below), and are dropped first.
  rm -rf "$work"/data-*/sagedesk/sessions
  local cli=${E2E_APP%/*}/sagedesk
  if [[ -x $cli ]]; then "$cli" gc || true; fi
  rm -rf "$work"
}
trap stop EXIT

if [[ -z ${DISPLAY:-} ]]; then
  # -displayfd: Xvfb picks a free display number and writes it once ready.
  setsid Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" 2>"$work/xvfb.log" &
  started+=($!)
  for _ in $(seq 100); do
    [[ -s $work/display ]] && break
    sleep 0.1
  done
  [[ -s $work/display ]] || { echo "Xvfb did not start:" >&2; cat "$work/xvfb.log" >&2; exit 1; }
  export DISPLAY=:$(head -n1 "$work/display")
  echo "Xvfb on $DISPLAY"
fi


# The app finds no D-Bus session here; say so instead of letting GTK retry.
export NO_AT_BRIDGE=1

# The scripts to run (default: smoke.mjs), each with a tauri-driver of its
# own (the app inherits the driver's environment). With E2E_SCREENSHOT_DIR,
# each writes its screenshot there as NAME.png.
scripts=("$@")
[[ ${#scripts[@]} -gt 0 ]] || scripts=(smoke.mjs)
status=0
for script in "${scripts[@]}"; do
  name=${script%.mjs}
  # Each script's app keeps its settings and its records of kernels left
  # running in a folder of its own: a first launch, whatever ran before.
  export XDG_DATA_HOME="$work/data-$name"
  mkdir -p "$XDG_DATA_HOME"
  setsid tauri-driver --port "$port" --native-port "$((port + 1))" >"$work/driver-$name.log" 2>&1 &
  driver=$!
  started+=("$driver")
  code=0
  if [[ -n ${E2E_SCREENSHOT_DIR:-} ]]; then
    E2E_SCREENSHOT="$E2E_SCREENSHOT_DIR/$name.png" node "$here/$script" || code=$?
  else
    node "$here/$script" || code=$?
  fi
  kill -TERM -- "-$driver" 2>/dev/null || true
  wait "$driver" 2>/dev/null || true
  if [[ $code -ne 0 ]]; then
    status=$code
    echo "--- $script: tauri-driver / WebKitWebDriver / app output:" >&2
    cat "$work/driver-$name.log" >&2
  fi
done
exit "$status"
