#!/bin/sh
# Runs a command in a fresh network namespace for the SFU tests (`npm run test:sfu`):
# loopback up, plus a port-less bridge `cairn0` carrying 127.0.0.2/32. Janus 1.1.2 skips every
# loopback interface when it gathers ICE candidates (src/ice.c), so it needs a non-loopback
# one; this kernel has no veth or dummy link types, a bridge works (measured recipe:
# ../shared/reference/feas-calls/netns.sh). Nothing in the namespace reaches any other
# network: every packet stays in 127.0.0.0/8. Needs root (or CAP_SYS_ADMIN), as in CI.
set -eu
if ip -o link show cairn0 >/dev/null 2>&1; then
  exec "$@"
fi
if ! command -v unshare >/dev/null 2>&1; then
  echo "sfuNetns: unshare (util-linux) is missing; the SFU tests need a network namespace." >&2
  exit 1
fi
exec unshare -n sh -c '
set -e
ip link set lo up
ip link add cairn0 type bridge
ip link set cairn0 up
ip addr add 127.0.0.2/32 dev cairn0
sysctl -qw net.ipv6.conf.cairn0.disable_ipv6=1 2>/dev/null || true
exec "$@"' sh "$@"
