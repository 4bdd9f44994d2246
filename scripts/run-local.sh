#!/bin/bash
# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Runs mod_bits (from this checkout's .libs/mod_bits.so) in a private
# Apache httpd on 127.0.0.1:8080, out of run/ in the checkout.
#
#   scripts/run-local.sh start    write run/httpd.conf, start (or gracefully
#                                 restart) the server, print the upload URL
#   scripts/run-local.sh stop     stop it and wait until it is gone
#   scripts/run-local.sh status   is it running? (exit 0 yes, 3 no)
#   scripts/run-local.sh demo     upload a random ~1 MiB file with bitsup,
#                                 interrupted once (kill -9) and resumed,
#                                 compare sha256, print PASS/FAIL
#
# Environment: BITS_PORT (default 8080), BITS_HOST (default 127.0.0.1),
# APACHE2 (default /usr/sbin/apache2).
set -euo pipefail

SELF=$(readlink -f "$0")
TOP=$(dirname "$(dirname "$SELF")")
RUN="$TOP/run"
CONF="$RUN/httpd.conf"
PIDFILE="$RUN/httpd.pid"
LOGS="$RUN/logs"
ENVFILE="$RUN/server.env"          # port/host of the running server
MODULE="$TOP/.libs/mod_bits.so"
APACHE2=${APACHE2:-/usr/sbin/apache2}
MODDIR=/usr/lib/apache2/modules
CLIENT="$TOP/bitsup/bitsup"

PORT=${BITS_PORT:-8080}
HOST=${BITS_HOST:-127.0.0.1}

say() { echo "run-local: $*"; }
die() { echo "run-local: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

url_host() {        # IPv6 literals need brackets in URLs and Listen
    case "$1" in *:*) echo "[$1]" ;; *) echo "$1" ;; esac
}

# PID of our running server, or nothing.  Checks that the process really is
# an httpd started with our config (not a recycled PID).
server_pid() {
    local pid
    [ -s "$PIDFILE" ] || return 0
    pid=$(cat "$PIDFILE" 2>/dev/null || true)
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    if [ -r "/proc/$pid/cmdline" ] &&
       tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$CONF"; then
        echo "$pid"
    fi
}

port_open() {       # host port
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# Loads HOST/PORT of the running server (they may differ from the
# environment of this call).
load_env() {
    if [ -s "$ENVFILE" ]; then
        # shellcheck disable=SC1090
        . "$ENVFILE"
        HOST=$RUN_HOST
        PORT=$RUN_PORT
    fi
}

upload_url() { echo "http://$(url_host "$HOST"):$PORT/uploads/"; }

# As root the children run as nobody:nogroup, so nobody has to be able to
# reach the document root.  Prints the first directory on the way to $1
# that nobody cannot search, or nothing if all are fine.
blocking_dir() {
    local path=$1 p=""
    local IFS=/
    for part in $path; do
        [ -n "$part" ] || continue
        p="$p/$part"
        if ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$p" 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
}

# Sets HTDOCS to the real document root, creating it (and uploads/) if
# needed.  As root, if nobody cannot reach run/htdocs, the document root
# moves to a private directory under /tmp and run/htdocs becomes a link to it.
prepare_htdocs() {
    local blocked
    mkdir -p "$RUN" "$LOGS"
    if is_root; then
        if [ -L "$RUN/htdocs" ]; then
            local target
            target=$(readlink "$RUN/htdocs")
            # Reuse the /tmp directory of an earlier start if it is still ours.
            if [ ! -d "$target" ] || [ "$(stat -c %u "$target")" != 0 ] ||
               [ -n "$(blocking_dir "$target")" ]; then
                rm -f "$RUN/htdocs"
            fi
        fi
        if [ ! -e "$RUN/htdocs" ]; then
            mkdir -p "$RUN/htdocs"
        fi
        if [ ! -L "$RUN/htdocs" ]; then
            chmod 755 "$RUN/htdocs"
            blocked=$(blocking_dir "$RUN/htdocs")
            if [ -n "$blocked" ]; then
                local tmp
                tmp=$(mktemp -d /tmp/mod_bits-run.XXXXXX)
                chmod 755 "$tmp"
                rm -rf "$RUN/htdocs"
                ln -s "$tmp" "$RUN/htdocs"
                say "NOTE: the server runs as nobody, which cannot search $blocked"
                say "      (it needs o+x on every directory above run/)."
                say "      Uploads are stored in $tmp/uploads instead (run/htdocs links there)."
                say "      To keep them in the checkout: chmod o+x $blocked (and any other"
                say "      such parent), then: rm run/htdocs && make run"
            fi
        fi
    else
        mkdir -p "$RUN/htdocs"
    fi
    HTDOCS=$(readlink -f "$RUN/htdocs")
    mkdir -p "$HTDOCS/uploads"
    if is_root; then
        chown nobody:nogroup "$HTDOCS/uploads"
        chmod 755 "$HTDOCS/uploads"
    fi
    [ -f "$HTDOCS/index.html" ] ||
        echo '<html><body>mod_bits test server: BITS uploads go to /uploads/</body></html>' \
            >"$HTDOCS/index.html"
}

write_conf() {
    local user_lines="" listen
    if is_root; then
        user_lines="User nobody
Group nogroup"
    fi
    listen="$(url_host "$HOST"):$PORT"
    cat >"$CONF.new" <<EOF
# Generated by scripts/run-local.sh on $(date -u '+%Y-%m-%d %H:%M:%S UTC'): do not edit,
# it is rewritten on every start.
ServerRoot "$RUN"
ServerName $listen
Listen $listen
PidFile "$PIDFILE"
DefaultRuntimeDir "$RUN"
ErrorLog "$LOGS/error_log"
LogLevel info bits:info
$user_lines

LoadModule mpm_event_module  $MODDIR/mod_mpm_event.so
LoadModule authz_core_module $MODDIR/mod_authz_core.so
LoadModule authz_host_module $MODDIR/mod_authz_host.so
LoadModule mime_module       $MODDIR/mod_mime.so
LoadModule alias_module      $MODDIR/mod_alias.so
LoadModule dir_module        $MODDIR/mod_dir.so
LoadModule reqtimeout_module $MODDIR/mod_reqtimeout.so
LoadModule bits_module       "$MODULE"

<IfModule mpm_event_module>
    StartServers         2
    ServerLimit          4
    ThreadsPerChild      8
    MaxRequestWorkers   32
    MinSpareThreads      8
    MaxSpareThreads     24
</IfModule>

TypesConfig /etc/mime.types
DirectoryIndex index.html
KeepAlive On
Timeout 300
# Bounds stalled clients without cutting a Windows client throttled by
# policy to about 250 B/s (Debian's default body=10,MinRate=500 would, and
# the client would have to resend): 60 s to start, then at least 100 B/s.
RequestReadTimeout header=20-40,MinRate=500 body=60,MinRate=100

# One line per request, with the BITS headers that matter.
LogFormat "%h %t \"%r\" %>s type=%{BITS-Packet-Type}i id=%{BITS-Session-Id}i range=\"%{Content-Range}i\" N=%{BITS-Received-Content-Range}o err=%{BITS-Error-Code}o %D us" bits
CustomLog "$LOGS/access_log" bits

<Directory />
    Options None
    AllowOverride None
    Require all denied
</Directory>

DocumentRoot "$HTDOCS"
<Directory "$HTDOCS">
    Options None
    AllowOverride None
    Require all granted
</Directory>

Alias /uploads "$HTDOCS/uploads"
<Directory "$HTDOCS/uploads">
    BITSUploadEnabled On
    BITSAllowOverwrites On
    # Windows sends fragments of up to 13 MB; this limits one request.
    LimitRequestBody 16777216
    Options None
    AllowOverride None
    Require all granted
</Directory>
EOF
    mv -f "$CONF.new" "$CONF"
}

config_test() {
    local out
    if ! out=$("$APACHE2" -d "$RUN" -f "$CONF" -t 2>&1); then
        echo "$out" >&2
        die "configuration test failed ($CONF)"
    fi
}

wait_for_port() {       # wait until our server answers

    for _ in $(seq 1 100); do
        if port_open "$HOST" "$PORT" && [ -n "$(server_pid)" ]; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

show_info() {
    local url
    url=$(upload_url)
    say "server running (pid $(server_pid)) on http://$(url_host "$HOST"):$PORT/"
    say "upload URL:  ${url}<name>   e.g. bitsup/bitsup FILE ${url}"
    say "uploads in:  $(readlink -f "$RUN/htdocs")/uploads"
    say "error log:   $LOGS/error_log   (access log: $LOGS/access_log)"
    say "stop with:   make stop"
}

cmd_start() {
    local pid
    [ -x "$APACHE2" ] || die "$APACHE2 not found: run scripts/install-deps.sh"
    [ -f "$MODULE" ] || die "$MODULE not built yet: run make"
    pid=$(server_pid)
    if [ -n "$pid" ]; then
        # Keep host/port of the running server: Listen can't move in a
        # graceful restart without a port clash check, so do it simply.
        local want_host=$HOST want_port=$PORT
        load_env
        if [ "$want_host" != "$HOST" ] || [ "$want_port" != "$PORT" ]; then
            say "running on $HOST:$PORT, wanted $want_host:$want_port: restarting fully"
            cmd_stop
            HOST=$want_host PORT=$want_port
            cmd_start
            return
        fi
    fi
    prepare_htdocs
    write_conf
    config_test
    if [ -n "$pid" ]; then
        say "already running (pid $pid): graceful restart with the current config and module"
        "$APACHE2" -d "$RUN" -f "$CONF" -k graceful
        sleep 0.5
    else
        if port_open "$HOST" "$PORT"; then
            die "$HOST:$PORT is already in use by another program; choose another port: BITS_PORT=8081 make run"
        fi
        : >>"$LOGS/error_log"
        local mark
        mark=$(wc -c <"$LOGS/error_log")
        if ! "$APACHE2" -d "$RUN" -f "$CONF" -k start; then
            tail -c +"$((mark + 1))" "$LOGS/error_log" | tail -20 >&2
            die "apache2 failed to start"
        fi
    fi
    if ! wait_for_port; then
        tail -n 20 "$LOGS/error_log" >&2 || true
        die "server did not come up on $HOST:$PORT (see $LOGS/error_log)"
    fi
    printf 'RUN_HOST=%q\nRUN_PORT=%q\n' "$HOST" "$PORT" >"$ENVFILE"
    show_info
}

cmd_stop() {
    local pid
    pid=$(server_pid)
    if [ -z "$pid" ]; then
        say "not running"
        rm -f "$PIDFILE"
        return 0
    fi
    "$APACHE2" -d "$RUN" -f "$CONF" -k stop 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "pid $pid still there after 10 s: sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
    fi
    # The children exit with the parent; make sure none is left over.
    for _ in $(seq 1 50); do
        pgrep -f -- "-f $CONF" >/dev/null 2>&1 || break
        sleep 0.1
    done
    if pgrep -f -- "-f $CONF" >/dev/null 2>&1; then
        die "processes of the server are still running: $(pgrep -f -- "-f $CONF" | tr '\n' ' ')"
    fi
    rm -f "$PIDFILE"
    say "stopped (pid $pid)"
}

cmd_status() {
    local pid
    pid=$(server_pid)
    if [ -z "$pid" ]; then
        say "not running"
        return 3
    fi
    load_env
    show_info
}

cmd_demo() {
    local pid src name dest size want got rc url
    pid=$(server_pid)
    if [ -z "$pid" ]; then
        cmd_start
    fi
    load_env
    url=$(upload_url)
    name=demo.bin
    dest="$(readlink -f "$RUN/htdocs")/uploads/$name"
    src=$(mktemp /tmp/mod_bits-demo.XXXXXX)
    DEMO_SRC=$src                    # global: the EXIT trap runs after return
    trap 'rm -f "${DEMO_SRC:-}"' EXIT
    # ~1 MiB with an odd size so that no fragment boundary is aligned.
    size=$((1048576 + RANDOM % 65536 + 1))
    head -c "$size" /dev/urandom >"$src"
    want=$(sha256sum "$src" | cut -d' ' -f1)

    [ -x "$CLIENT" ] || die "$CLIENT is missing (run make)"
    say "uploading $size random bytes to $url$name with bitsup in 100000-byte"
    say "fragments at 300 kB/s, killed after a second, then run again to resume"
    rm -f "$dest"
    set +e
    "$CLIENT" --state-dir "$RUN/bitsup-state" --fragment-size 100000 --limit-rate 300k \
        "$src" "$url$name" &
    pid=$!
    sleep 1
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    say "bitsup killed; running the same command again"
    "$CLIENT" --state-dir "$RUN/bitsup-state" --fragment-size 100000 "$src" "$url$name"
    rc=$?
    set -e
    if [ "$rc" -ne 0 ]; then
        say "bitsup failed (exit $rc); last lines of $LOGS/error_log:"
        tail -n 10 "$LOGS/error_log" || true
        echo "FAIL"
        return 1
    fi
    if [ ! -f "$dest" ]; then
        say "$dest does not exist"
        echo "FAIL"
        return 1
    fi
    got=$(sha256sum "$dest" | cut -d' ' -f1)
    say "source      sha256 $want ($size bytes)"
    say "$dest sha256 $got ($(stat -c %s "$dest") bytes)"
    if [ "$got" = "$want" ]; then
        echo "PASS"
        return 0
    fi
    echo "FAIL"
    return 1
}

case "${1:-}" in
    start)  cmd_start ;;
    stop)   cmd_stop ;;
    status) cmd_status ;;
    demo)   cmd_demo ;;
    restart) cmd_stop; cmd_start ;;
    *)
        echo "usage: $0 start|stop|status|demo|restart" >&2
        echo "  env: BITS_PORT (8080), BITS_HOST (127.0.0.1)" >&2
        exit 2
        ;;
esac
