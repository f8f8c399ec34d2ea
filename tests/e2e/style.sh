#!/bin/sh
# timeout: 300
# House style (design.md 7.7): every project C file and header
# (scripts/format-files.sh, the list `make format` uses too) is clean
# under clang-format 14 with the repository's .clang-format.  One verdict
# per file that is not, naming it; `make format` fixes them.
set -u
. "$(dirname "$0")/lib.sh"
cd "$CHARLIE_ROOT" || exit 4
command -v clang-format >/dev/null 2>&1 ||
	skip_all "clang-format not installed (scripts/setup.sh installs clang-format)"
command -v git >/dev/null 2>&1 && git rev-parse --git-dir >/dev/null 2>&1 ||
	skip_all "not a git checkout (scripts/format-files.sh lists tracked files)"
v=$(clang-format --version | sed -n 's/.*version \([0-9]*\).*/\1/p')
[ "$v" = 14 ] || skip_all "clang-format $v, the house style is clang-format 14's"
files=$(scripts/format-files.sh) || fail_all "scripts/format-files.sh failed"
[ -n "$files" ] || fail_all "scripts/format-files.sh lists no files"
n=0
dirty=0
for f in $files; do
	n=$((n + 1))
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		dirty=$((dirty + 1))
		fail "$f" "not clang-format clean ($(clang-format "$f" | diff "$f" - | grep -c '^[<>]') lines differ; make format)"
	fi
done
[ $dirty = 0 ] && pass clang-format "$n files clean"
exit 0
