#!/bin/sh
# test.sh - install, build with AddressSanitizer + UndefinedBehaviorSanitizer and
# warnings as errors (the dev preset), and run every test with ctest. The
# optimised build of the main job (release preset) is built too: -O2 finds
# warnings (maybe-uninitialized, format-truncation) that -O0 does not.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
cmake --preset dev >/dev/null
cmake --build --preset dev -j"$(nproc)"
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"
ctest --preset dev -j"$(nproc)"
