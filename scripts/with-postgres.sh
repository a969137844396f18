#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 and removes it afterwards.
#
#   scripts/with-postgres.sh swift test
#
# The server lives in a fresh temporary directory, listens only on a unix socket in that
# directory (no TCP, nothing shared with other runs) on a random port, trusts local
# connections, and has a superuser named `rulec`. The command sees:
#
#   RULEC_TEST_PGHOST  the socket directory (also PGHOST)
#   RULEC_TEST_PGPORT  the port (also PGPORT)
#   RULEC_TEST_PGUSER  the superuser (also PGUSER)
#
# and the script exits with the command's status. The server is stopped and the directory
# deleted on every exit path (trap), including Ctrl-C and a failing command.
#
# initdb refuses to run as root, so as root the server runs as the `postgres` user (or
# `nobody` when there is none) through runuser. Binaries come from $PG_BIN, else
# /usr/lib/postgresql/15/bin, else $PATH.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi

find_bin() {
    local name=$1
    for dir in "${PG_BIN:-}" /usr/lib/postgresql/15/bin; do
        if [ -n "$dir" ] && [ -x "$dir/$name" ]; then echo "$dir/$name"; return; fi
    done
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
    echo "with-postgres: cannot find \`$name\` (install PostgreSQL 15 or set PG_BIN)" >&2
    exit 1
}
INITDB=$(find_bin initdb)
PG_CTL=$(find_bin pg_ctl)

# As root, run the server as an unprivileged user.
as_server_user=()
server_user=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
    if id postgres >/dev/null 2>&1; then server_user=postgres; else server_user=nobody; fi
    as_server_user=(runuser -u "$server_user" --)
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/rulec-pg.XXXXXX")
chmod 755 "$workdir"
datadir="$workdir/data"
sockdir="$workdir/socket"
mkdir -p "$sockdir"
if [ "$(id -u)" -eq 0 ]; then chown "$server_user" "$workdir" "$sockdir"; fi

cleanup() {
    local status=$?
    if [ -f "$datadir/postmaster.pid" ]; then
        "${as_server_user[@]}" "$PG_CTL" -D "$datadir" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$workdir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${as_server_user[@]}" "$INITDB" -D "$datadir" -U rulec --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$workdir/initdb.log" 2>&1 || { cat "$workdir/initdb.log" >&2; exit 1; }

# A random port; the socket file is per directory, so a clash is only possible with a
# server using the same directory, but retry a few times anyway.
started=false
for _ in 1 2 3 4 5; do
    port=$(( 20000 + RANDOM % 30000 ))
    if "${as_server_user[@]}" "$PG_CTL" -D "$datadir" -w -t 60 -l "$workdir/server.log" \
        -o "-c listen_addresses='' -c unix_socket_directories='$sockdir' -p $port -c fsync=off -c full_page_writes=off" \
        start >/dev/null 2>&1; then
        started=true
        break
    fi
done
if [ "$started" != true ]; then
    echo "with-postgres: the server did not start; its log:" >&2
    cat "$workdir/server.log" >&2 || true
    exit 1
fi

export RULEC_TEST_PGHOST="$sockdir" RULEC_TEST_PGPORT="$port" RULEC_TEST_PGUSER=rulec
export PGHOST="$sockdir" PGPORT="$port" PGUSER=rulec PGDATABASE=postgres
echo "with-postgres: PostgreSQL on $sockdir port $port (user rulec)" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
