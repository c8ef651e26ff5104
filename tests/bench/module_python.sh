#!/usr/bin/env bash
# Benchmark-only Python interpreter for the lab's masters (ansible_python_interpreter): runs the real one
# (BENCH_REAL_PYTHON) and appends "start end user system" to BENCH_MODULE_CPU_LOG: the CPU seconds the
# module and everything it waited for (kubectl, the importer) used. The bench splits a play's CPU with it:
# the modules on the masters (their own cores on real masters) against the controller's share.
start=$EPOCHREALTIME
"$BENCH_REAL_PYTHON" "$@"
rc=$?
end=$EPOCHREALTIME
# The builtin, redirected, runs in this shell: $(times) would report a subshell's (empty) children.
scratch="$BENCH_MODULE_CPU_LOG.$$"
times > "$scratch"
{ read -r _; read -r user system; } < "$scratch"
rm -f "$scratch"
echo "$start $end $user $system" >> "$BENCH_MODULE_CPU_LOG"
exit $rc
