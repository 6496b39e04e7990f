#!/bin/bash
# sanitizers.sh: runs the bad-input, job, privacy, DNS-SD, web security, TLS, device,
# direct-queue, release, policy and console queue/settings tests against quired built with AddressSanitizer, LeakSanitizer and
# UndefinedBehaviorSanitizer (build-asan/, made by `make asan`), then fails if any sanitizer wrote a report. quired stops
# with SIGTERM at the end of each test, so LeakSanitizer checks every allocation of every
# request path (and of the device monitor and forwarders).
#
#   tests/integration/sanitizers.sh [BUILD_ASAN_DIR]
# Last line: "N passed, N failed".
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="${1:-$HERE/../../build-asan}"
LOGS="$(mktemp -d /tmp/quire-sanitizers-XXXXXX)"
trap 'rm -rf "$LOGS"' EXIT
export ASAN_OPTIONS="log_path=$LOGS/asan:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$LOGS/ubsan:print_stacktrace=1"
export QUIRE_SANITIZED=1

passed=0; failed=0
for t in test_badinput test_jobs test_privacy test_dnssd test_dnssd_zone test_web_security test_web_tls \
         test_devices test_direct test_release test_policies test_web_queues; do
  out="$(python3 "$HERE/$t.py" --bin "$BIN" 2>&1)"
  line="$(echo "$out" | tail -n 1)"
  echo "$out" | grep -E '^FAIL' | sed "s/^/$t: /"
  echo "$t under sanitizers: $line"
  p=$(echo "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\1/p')
  f=$(echo "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\2/p')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-1}))
done
reports=$(find "$LOGS" -type f | wc -l)
if [ "$reports" -eq 0 ]; then
  echo "PASS no sanitizer report (leaks, memory errors, undefined behaviour)"
  passed=$((passed + 1))
else
  echo "FAIL $reports sanitizer report(s):"
  for f in "$LOGS"/*; do head -n 40 "$f"; done
  failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
