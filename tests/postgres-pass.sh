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
# The tests connect over the local socket as the user running them (peer authentication),
# as a hub should: a role of its own that may make databases, not a superuser (row-level
# security, which keeps practices sharing a schema apart, does not bind superusers, and
# the hub refuses to run as one).
me=$(id -un)
if [ "$(su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname = '$me'\"")" != 1 ]; then
    su postgres -c "createuser --createdb $me"
fi
su postgres -c "psql -qc 'ALTER ROLE \"$me\" NOSUPERUSER NOBYPASSRLS CREATEDB'"
dropdb --if-exists frontdesk_test
createdb frontdesk_test
export FRONTDESK_TEST_POSTGRES="host=/var/run/postgresql dbname=frontdesk_test"

# TLS (tests/office_postgres_tls.rs): the server gets a certificate for "localhost" from a
# CA made for this run, and the test role a password for TCP (scram-sha-256). SSL settings
# take effect on reload; ALTER SYSTEM keeps them in the cluster's postgresql.auto.conf.
tls_dir=/var/lib/postgresql/frontdesk-test-tls
rm -rf "$tls_dir" && mkdir -p "$tls_dir"
new_key="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
openssl req -x509 $new_key -days 2 -subj "/CN=frontdesk test CA" \
    -keyout "$tls_dir/ca.key" -out "$tls_dir/ca.pem" 2>/dev/null
openssl req $new_key -subj "/CN=localhost" \
    -keyout "$tls_dir/server.key" -out "$tls_dir/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    >"$tls_dir/server.ext"
openssl x509 -req -in "$tls_dir/server.csr" -CA "$tls_dir/ca.pem" -CAkey "$tls_dir/ca.key" \
    -CAcreateserial -days 2 -extfile "$tls_dir/server.ext" -out "$tls_dir/server.pem" 2>/dev/null
chown -R postgres "$tls_dir" && chmod 600 "$tls_dir"/*.key
su postgres -c "psql -qtA -c \"ALTER SYSTEM SET ssl_cert_file = '$tls_dir/server.pem'\" \
    -c \"ALTER SYSTEM SET ssl_key_file = '$tls_dir/server.key'\" -c 'ALTER SYSTEM SET ssl = on' \
    -c 'SELECT pg_reload_conf()'" >/dev/null
password=$(openssl rand -hex 16)
psql -q -d frontdesk_test -c "ALTER ROLE \"$me\" PASSWORD '$password'"
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
export FRONTDESK_TEST_POSTGRES_TLS="host=localhost port=$port dbname=frontdesk_test user=$me password=$password"
export FRONTDESK_TEST_POSTGRES_CA="$tls_dir/ca.pem"
export FRONTDESK_TEST_POSTGRES_CERT="$tls_dir/server.pem"

# A role row-level security does not bind, which the hub must refuse
# (tests/office_clinics.rs).
unbound_password=$(openssl rand -hex 16)
su postgres -c "psql -qc 'DROP ROLE IF EXISTS frontdesk_unbound' \
    -c \"CREATE ROLE frontdesk_unbound LOGIN BYPASSRLS PASSWORD '$unbound_password'\"" >/dev/null
export FRONTDESK_TEST_POSTGRES_UNBOUND="host=localhost port=$port dbname=frontdesk_test user=frontdesk_unbound password=$unbound_password"

# Every integration test that opens a hub or its store.
targets=()
for file in $(grep -l "start_office\|Office::open\|OfficeStore\|OfficeRig" tests/*.rs | sort); do
    targets+=(--test "$(basename "$file" .rs)")
done
echo "PostgreSQL pass: the store's unit tests and $(( ${#targets[@]} / 2 )) integration tests"
cargo test --lib office::
cargo test "${targets[@]}"
