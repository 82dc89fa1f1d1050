#!/usr/bin/env bash
# Every C source follows the root .clang-format (LLVM base, 4 spaces, 132 columns).
cd "$(dirname "$0")/../.."
command -v clang-format >/dev/null || { echo "clang-format is not installed (deploy/install-deps.sh installs it)"; exit 1; }
bad=0
for f in $(git ls-files '*.c' '*.h' 2>/dev/null || find gateway hubspot odata store tests -name '*.[ch]'); do
    if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
        echo "not formatted: $f (run: clang-format -i $f)"
        bad=1
    fi
done
[ "$bad" -eq 0 ] && echo "all sources formatted"
exit $bad
