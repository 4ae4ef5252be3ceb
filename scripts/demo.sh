#!/usr/bin/env bash
# README command 1: on a fresh Debian 12 machine, installs what is missing, builds, and runs
# the headline scenario (a switch without ACS lets two SSDs in different IOMMU groups reach
# each other without the SMMU seeing it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
iofab=${BUILD_DIR:-build}/harness/iofab
echo
echo "== IOMMU groups of platforms/plx-no-acs.yaml, as Linux forms them"
"$iofab" groups platforms/plx-no-acs.yaml --explain
echo
echo "== scenarios/p2p/switch-no-acs-bypass.yaml"
"$iofab" run scenarios/p2p/switch-no-acs-bypass.yaml
