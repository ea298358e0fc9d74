#!/bin/sh
# Starts workerd for an aerostack host so that workerd never outlives it, and leaves the terminal's Ctrl-C to it.
#
# Miniflare runs this file in place of workerd (MINIFLARE_WORKERD_PATH, set by workerd-guard.ts). It becomes
# workerd with exec, so the pid Miniflare holds (and kills on dispose) is workerd's own. Before that it forks a
# watchdog that polls /proc: once workerd's parent is no longer the host (the host died, even by SIGKILL, and the
# kernel re-parented workerd), it kills workerd. The watchdog ends by itself once workerd is gone (its own parent
# changes), so it never signals a pid that was reused. Linux only: elsewhere workerd-guard.ts does not install it.

# Ctrl-C in a terminal signals the whole process group; the host stops workerd in order (and a hang-up likewise).
# Ignored signals stay ignored across exec, in the watchdog too.
trap '' INT HUP

host=$PPID
workerd=$$
(
  # Hold none of workerd's pipes: Miniflare must see them close when workerd ends.
  exec </dev/null >/dev/null 2>&1 3>&-
  while read -r _ _ _ parent _ </proc/self/stat && [ "$parent" = "$workerd" ]; do
    read -r _ _ _ workerd_parent _ <"/proc/$workerd/stat" || exit 0
    if [ "$workerd_parent" != "$host" ]; then
      kill -KILL "$workerd" 2>/dev/null
      exit 0
    fi
    sleep 0.2
  done
) &

exec "$AEROSTACK_WORKERD_BINARY" "$@"
