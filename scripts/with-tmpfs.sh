#!/usr/bin/env bash
# Run a command with TMPDIR on a memory file system when the machine has one with room, so that
# the test suite's temporary databases, copies of the demo database and the throwaway PostgreSQL
# cluster (scripts/with-postgres.sh makes its directory under TMPDIR) never wait on the disk:
# SQLite's and ext4's syncs are most of the suite's system time (make test: 367 → 325 s).
#
#   scripts/with-tmpfs.sh COMMAND [ARG...]
#
# The directory is /dev/shm/usage-tracker-tests.XXXXXX, removed when the command ends, Ctrl-C
# or TERM (so a failed run's temporary files go with it; KEEP_TMP=1 keeps them and prints where).
# Without a writable tmpfs at /dev/shm with TMPFS_MIN_GB (default 4) GiB free, or with
# TMPDIR already set, the command runs unchanged.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi

shm=/dev/shm
min_kb=$(( ${TMPFS_MIN_GB:-4} * 1024 * 1024 ))
if [[ -n "${TMPDIR:-}" ]] || [[ $(stat -f -c %T "$shm" 2>/dev/null) != tmpfs ]] \
    || [[ ! -w "$shm" ]] || (( $(df -Pk "$shm" | awk 'NR == 2 {print $4}') < min_kb )); then
    exec "$@"
fi

dir=$(mktemp -d "$shm/usage-tracker-tests.XXXXXX")
chmod 755 "$dir"  # the PostgreSQL cluster's own user reaches its directory under it
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ "${KEEP_TMP:-}" == 1 ]]; then
        echo "with-tmpfs: temporary files kept in $dir" >&2
    else
        rm -rf "$dir"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export TMPDIR="$dir"
"$@"
