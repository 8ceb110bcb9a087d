#!/bin/sh
# test.sh - install, build with AddressSanitizer + UndefinedBehaviorSanitizer and
# warnings as errors (the dev preset), and run every test with ctest.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
cmake --preset dev >/dev/null
cmake --build --preset dev -j"$(nproc)"
ctest --preset dev -j"$(nproc)"
