#!/usr/bin/env bash
# Differential test of the query options: random well-typed $filter/$select/$top/$skip/$count queries
# and /$count, each answer compared row by row with an independent evaluation over the simulator's
# ground truth. DIFF_QUERIES sets the number of queries (default 3000, 1000 under the sanitizers),
# DIFF_SEED the seed (default: the time; the seed is printed, and `--seed S --only I` replays one query).
. "$(dirname "$0")/lib.sh"
# a small page size, so that nextLinks are followed on results of a few hundred rows
it_setup it_differential --page-size 100

"$GW_BUILD_DIR/tests/differential" --self-test >"$T_DIR/self" 2>&1
rc=$?
grep -v '^ok' "$T_DIR/self" | sed 's/^/# /'
t_ok $rc "the independent evaluator passes its self-test ($(tail -n 1 "$T_DIR/self" | sed 's/^\(not \)\{0,1\}ok - self-test: //'))"

# under ASan+UBSan (deploy/test.sh sets ASAN_OPTIONS) everything runs about four times slower
queries=${DIFF_QUERIES:-$([ -n "${ASAN_OPTIONS:-}" ] && echo 1000 || echo 3000)}
start=$(date +%s)
"$GW_BUILD_DIR/tests/differential" "$GW_URL" "$DS" "$TOKEN" "$GW_TEST_SIM_URL" --queries "$queries" >"$T_DIR/diff" 2>&1
rc=$?
grep -v '^ok' "$T_DIR/diff" | head -n 300 | sed 's/^/# /'
summary=$(tail -n 1 "$T_DIR/diff" | sed 's/^\(not \)\{0,1\}ok - //')
t_ok $rc "gateway answers equal the independent evaluation: $summary in $(($(date +%s) - start)) s"

t_done
