#!/usr/bin/env bash
# Installs iofab's build dependencies (Debian 12) if they are missing, then configures and
# builds in ./build (Release unless BUILD_TYPE says otherwise). Safe to run again: it skips
# packages that are present and rebuilds incrementally.
#
#   BUILD_DIR   build directory            (default: build)
#   BUILD_TYPE  CMake build type           (default: Release)
#   SANITIZE    ON for an ASan+UBSan build (default: OFF)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-Release}
SANITIZE=${SANITIZE:-OFF}

# The four fixed dependencies (SystemC, Verilator, libyaml, GoogleTest), the build tools, and
# the picture tools: Graphviz (`iofab draw`) and rsvg-convert (tests look at the pictures).
# Verilator only recommends libsystemc-dev, so it is named explicitly.
packages=(build-essential cmake ninja-build pkgconf git
          verilator libsystemc-dev libyaml-dev libgtest-dev
          graphviz librsvg2-bin)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "bootstrap: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  log=$(mktemp)
  if ! { $sudo apt-get update -qq &&
         DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
           "${missing[@]}"; } > "$log" 2>&1; then
    cat "$log" >&2
    echo "bootstrap: installing ${missing[*]} failed (apt output above)" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
else
  echo "bootstrap: all dependencies present"
fi

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DIOFAB_SANITIZE="$SANITIZE" >/dev/null
cmake --build "$BUILD_DIR"
