# Shared by scripts/setup.sh, test.sh and app.sh: sourced, not run.

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/sagedesk-target}
export PATH="$HOME/.cargo/bin:$PATH"
sagedesk_bin="$CARGO_TARGET_DIR/debug/sagedesk"

# Debian packages: the Docker engine, debootstrap for a base image where no
# registry is reachable, Tauri's build prerequisites, and what the window
# tests need (Xvfb, WebKitWebDriver, ImageMagick for screenshots; strace to
# check the order of a save's flushes; pdftotext to read a printed PDF;
# xdotool to answer GTK's save dialog).
debian_packages=(
  docker.io docker-registry debootstrap ca-certificates curl file pkg-config build-essential
  libwebkit2gtk-4.1-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  xvfb xauth webkit2gtk-driver imagemagick iproute2 util-linux strace poppler-utils xdotool
)

install_debian_packages() {
  local missing=()
  for p in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get: install them by hand"
  [ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}): run as root, or apt-get install them"
  say "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Starts dockerd when no engine answers; remembers whether it did, so that
# the caller can stop what it started.
started_dockerd=
ensure_engine() {
  if docker info >/dev/null 2>&1; then return 0; fi
  [ "$(id -u)" = 0 ] || die "no Docker engine answers: start Docker (sudo systemctl start docker)"
  say "starting the Docker engine"
  if [ -d /run/systemd/system ] && systemctl start docker 2>/dev/null; then
    :
  else
    nohup dockerd >/var/log/sagedesk-dockerd.log 2>&1 &
    started_dockerd=$!
  fi
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 1
  done
  tail -20 /var/log/sagedesk-dockerd.log >&2 2>/dev/null
  die "the Docker engine did not start within 60 s"
}

stop_started_engine() {
  if [ -n "$started_dockerd" ]; then
    say "stopping the Docker engine this script started"
    kill "$started_dockerd" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$started_dockerd" 2>/dev/null || break; sleep 1; done
    started_dockerd=
  fi
}

install_node_packages() {
  say "installing the UI's npm packages"
  (cd "$repo/ui" && npm ci --no-audit --no-fund --loglevel=error)
}

build_cli() {
  say "building the sagedesk command"
  (cd "$repo" && cargo build --locked -p sagedesk)
}

# The SageMath image, built through SageDesk's own code. The engine pulls
# the base image when it can; on a machine with no registry (but Debian's
# mirror), scripts/make-base-image.sh makes it instead.
ensure_image() {
  # The base is needed by the build, and by the tests on its own.
  local base=debian:bookworm-slim
  if ! docker image inspect "$base" >/dev/null 2>&1; then
    say "getting the base image $base"
    timeout 120 docker pull "$base" >/dev/null 2>&1 || "$repo/scripts/make-base-image.sh" "$base"
  fi
  if "$sagedesk_bin" image status >/dev/null 2>&1; then
    say "the SageMath image $("$sagedesk_bin" image tag) is present"
    return 0
  fi
  say "building the SageMath image (a few minutes, once)"
  "$sagedesk_bin" image build --quiet
}
