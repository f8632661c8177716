#!/usr/bin/env bash
# clang-format check (STYLE.md §9) over the folders formatted with .clang-format so far; the rest
# of the tree joins the list as it is reformatted (one folder per commit keeps blame readable).
# usage: scripts/check-format.sh [--fix]    (run by ctest as lint_format)
set -uo pipefail
cd "$(dirname "$0")/.."
formatted=(common cli emulator/model emulator/controller emulator/manager emulator/probes emulator/routing emulator/guestagent emulator/cloudservice tests/support
  arm-api/common arm-api/service arm-api/store)
command -v clang-format >/dev/null || { echo "SKIP: clang-format not installed (scripts/install-deps.sh --test)"; exit 77; }
mapfile -t files < <(find "${formatted[@]}" -name '*.h' -o -name '*.cpp' | sort)
if [[ ${1:-} == --fix ]]; then
  clang-format -i "${files[@]}" && echo "check-format: formatted ${#files[@]} files"
  exit
fi
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [[ ${#bad[@]} -gt 0 ]]; then
  echo "check-format: not formatted (run scripts/check-format.sh --fix):"
  printf '  %s\n' "${bad[@]}"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "check-format: ${#files[@]} files in ${formatted[*]} match .clang-format"
echo "1 passed, 0 failed"
