#!/bin/bash
# The test suite's PostgreSQL pass: starts Debian's PostgreSQL (installed by the README's
# test command), makes an empty database, and runs every test of the office hub's store
# again with the store on PostgreSQL (each test hub in a fresh schema of its own; see
# FRONTDESK_TEST_POSTGRES in tests/support). The tests are the ones run by the first
# pass: the store's unit tests and every integration test that starts a hub.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$version main"; then
    pg_createcluster "$version" main >/dev/null
fi
# Already running is fine.
pg_ctlcluster "$version" main start 2>/dev/null || pg_ctlcluster "$version" main status >/dev/null
# The tests connect over the local socket as the user running them (peer authentication).
me=$(id -un)
if [ "$(su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname = '$me'\"")" != 1 ]; then
    su postgres -c "createuser --superuser $me"
fi
dropdb --if-exists frontdesk_test
createdb frontdesk_test
export FRONTDESK_TEST_POSTGRES="host=/var/run/postgresql dbname=frontdesk_test"

# Every integration test that opens a hub or its store.
targets=()
for file in $(grep -l "start_office\|Office::open\|OfficeStore\|OfficeRig" tests/*.rs | sort); do
    targets+=(--test "$(basename "$file" .rs)")
done
echo "PostgreSQL pass: the store's unit tests and $(( ${#targets[@]} / 2 )) integration tests"
cargo test --lib office::
cargo test "${targets[@]}"
