#!/usr/bin/env bash
# Sets up everything SageDesk needs on a Debian machine: packages, the
# Docker engine (started if nothing answers), the UI's npm packages, the
# sagedesk command and the SageMath image. Safe to run again: what is there
# is kept. Run as root on a fresh machine (it installs Debian packages).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

install_debian_packages
ensure_engine
install_node_packages
build_cli
ensure_image
"$sagedesk_bin" doctor
