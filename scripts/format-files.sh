#!/bin/sh
# The project's C sources and headers that follow the house style
# (.clang-format), one per line: the one list both `make format` and
# tests/e2e/style.sh use.  Tracked files only (git ls-files), so nothing
# generated under build/ is listed; run from anywhere.
set -eu
cd "$(dirname "$0")/.."
git ls-files -- 'src/*.c' 'src/*.h' 'include/*.h' 'tests/unit/*.c' \
	'tests/unit/*.h' 'tests/corpus/*.c' 'tests/kernels/*.c' 'guest/*.c' \
	'guest/*.h' 'bench/*.c' 'tests/disk/*.h' 'tests/fuzz/*.c' | sort
