#!/usr/bin/env bash
# README command 2: on a fresh Debian 12 machine, installs what is missing, builds, and runs
# the whole test suite with ctest. `.ci/run` runs exactly this.
#   SANITIZE=ON BUILD_DIR=build-asan scripts/test.sh   runs it under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j"$(nproc)"
