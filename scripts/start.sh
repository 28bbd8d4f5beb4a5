#!/bin/sh
# `npm start`: the server as this very process (exec, so a supervisor's signals reach node).
# When this process may run on one CPU only (nproc counts the CPUs its affinity allows; OpenMP's
# variables, which nproc also obeys, are left out), V8's collector runs on the main thread alone:
# its background threads would share that CPU with the event loop and stall it for 10-40 ms at
# a time under load, where on two or more CPUs they run beside it (docs/DECISIONS.md, "One CPU").
if [ "$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null)" = 1 ]; then
  exec node --single-threaded-gc dist/cli/main.js serve "$@"
fi
exec node dist/cli/main.js serve "$@"
