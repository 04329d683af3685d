#!/usr/bin/env bash
# Sets up everything (as scripts/setup.sh does) and runs every test tier:
# formatting and lints, the core-has-no-Tauri check, the layers test, the
# UI's type check and unit tests, the desk with no window, the Rust unit and
# integration tests against the real Docker engine and SageMath image, and
# the end-to-end test of the real window under Xvfb. Stops a Docker engine
# it had to start.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$repo"

install_debian_packages
ensure_engine
trap stop_started_engine EXIT
install_node_packages
build_cli
ensure_image
if ! command -v tauri-driver >/dev/null; then
  say "installing tauri-driver"
  cargo install tauri-driver --version '^2' --locked --quiet
fi

passed=0
failed=0
failures=()
stage() {
  local name=$1; shift
  say "$name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
  fi
}

core_has_no_tauri() {
  # The core must build and run with no window: nothing in its dependency
  # graph may be Tauri.
  local deps
  deps=$(cargo tree --locked -p sagedesk -e normal,build --prefix none --format '{p}') || return 1
  grep -q '^sagedesk ' <<<"$deps" || { echo "cargo tree did not list sagedesk" >&2; return 1; }
  if grep -E '^tauri([-_ ]|$)' <<<"$deps"; then
    echo "the sagedesk crate depends on Tauri (above)" >&2
    return 1
  fi
  echo "sagedesk has no Tauri in its dependency graph ($(wc -l <<<"$deps") packages checked)"
}

stage "cargo fmt" cargo fmt --all -- --check
stage "core has no Tauri" core_has_no_tauri
stage "layers: no use crosses a forbidden arrow" cargo test --locked -p sagedesk --test architecture
stage "UI build" bash -c 'cd ui && npm run build'
stage "UI type check" bash -c 'cd ui && npm run check'
stage "clippy" cargo clippy --locked --workspace --all-targets -- -D warnings
stage "UI unit tests" bash -c 'cd ui && npm test'
stage "the desk with no window" cargo test --locked -p sagedesk --test desk
# Every other Rust test: the two above are named stages of their own.
rust_tests() {
  local targets=() name
  for test in tests/*.rs; do
    name=$(basename "$test" .rs)
    [[ $name == architecture || $name == desk ]] || targets+=(--test "$name")
  done
  cargo test --locked -p sagedesk --lib --bins "${targets[@]}" &&
    cargo test --locked -p sagedesk --doc &&
    cargo test --locked -p sagedesk-app
}
stage "Rust unit and integration tests" rust_tests
window_end_to_end() {
  cargo build --locked -p sagedesk-app &&
    E2E_EXPECT_ENGINE=1 E2E_SCREENSHOT_DIR="${E2E_SCREENSHOT_DIR:-$CARGO_TARGET_DIR}" \
      ui/e2e/run.sh smoke.mjs notebook.mjs reopen.mjs links.mjs badnotebook.mjs frames.mjs daily.mjs large.mjs widgets.mjs
}
stage "desktop window end to end" window_end_to_end

echo
if [ "$failed" -gt 0 ]; then
  printf 'failed stage: %s\n' "${failures[@]}"
fi
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
