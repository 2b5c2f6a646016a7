#!/bin/bash
# ntlm-apache.sh — a real NTLM front end for the EWS simulator, built only from
# Debian packages we did not write: Apache 2.4 + mod_auth_gssapi + gss-ntlmssp.
#
#   scripts/ntlm-apache.sh start    configure (idempotently) and start Apache
#   scripts/ntlm-apache.sh stop     stop Apache
#   scripts/ntlm-apache.sh status   exit 0 when the front end answers on 127.0.0.1:8089
#
# Apache listens on 127.0.0.1:8089 only, authenticates /EWS/ and /autodiscover/
# with NTLM (connection-bound, as on IIS) and reverse-proxies them to the
# simulator on http://127.0.0.1:8099/, passing the authenticated account in
# X-Remote-User. ews/ntlm_test.go starts that simulator and drives the Go
# client through this front end. See docs in /work/shared/reference
# EWS-PROTOCOL.md §3.1 for the recipe this follows.
#
# Needs root and: apt-get install -y apache2 libapache2-mod-auth-gssapi gss-ntlmssp
# The distro's default site is disabled and every other Listen is moved to
# loopback, so running this never exposes anything beyond 127.0.0.1.
set -eu

# TEST FIXTURE, not a secret: the password of the only account of a test
# server that listens on loopback only. ews/ntlm_test.go holds the same
# default; ROOMBOARD_NTLM_PASSWORD overrides it for both (export it before
# running this script and the tests).
NTLM_TEST_FIXTURE_PASSWORD='Raumbuchung-Test-2026'
NTLM_DOMAIN=CONTOSO
NTLM_USER=svc-roomboard
PASSWORD=${ROOMBOARD_NTLM_PASSWORD:-$NTLM_TEST_FIXTURE_PASSWORD}

FRONT=127.0.0.1:8089
BACKEND=http://127.0.0.1:8099

CONFDIR=/etc/apache2
SITE=roomboard-ntlm
USERS_FILE=$CONFDIR/roomboard_ntlm_users
ENVVARS=$CONFDIR/envvars
MARK='# roomboard-ntlm: gss-ntlmssp reads its users from here'

# apache2ctl warns (AH00558) that the host has no FQDN; that is noise here.
actl() { apache2ctl "$@" 2> >(grep -v AH00558 >&2); }

die() { echo "ntlm-apache: $*" >&2; exit 1; }

# probe reports whether the front end answers an anonymous request with the
# NTLM challenge offer, i.e. it is ours and it is up. bash's /dev/tcp keeps
# this free of curl, which a fresh Debian lacks.
probe() {
	timeout 3 bash -c '
		exec 3<>/dev/tcp/127.0.0.1/8089 || exit 1
		printf "GET /EWS/Exchange.asmx HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3
		grep -qi "^WWW-Authenticate: *NTLM" <&3
	' 2>/dev/null
}

PIDFILE=/var/run/apache2/apache2.pid

running() {
	[ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

configure() {
	[ "$(id -u)" -eq 0 ] || die "must run as root (it writes $CONFDIR)"
	for f in /usr/sbin/apache2ctl /usr/lib/apache2/modules/mod_auth_gssapi.so; do
		[ -e "$f" ] || die "$f missing: apt-get install -y apache2 libapache2-mod-auth-gssapi gss-ntlmssp"
	done
	ls /usr/lib/*/gssntlmssp/gssntlmssp.so >/dev/null 2>&1 ||
		die "gss-ntlmssp missing: apt-get install -y gss-ntlmssp"
	case $PASSWORD in *:*) die "ROOMBOARD_NTLM_PASSWORD must not contain ':'" ;; esac

	# DOMAIN:USER:PASSWORD, the format of gss-ntlmssp's NTLM_USER_FILE.
	umask 027
	printf '%s:%s:%s\n' "$NTLM_DOMAIN" "$NTLM_USER" "$PASSWORD" >"$USERS_FILE.tmp"
	chown root:www-data "$USERS_FILE.tmp"
	chmod 640 "$USERS_FILE.tmp"
	mv -f "$USERS_FILE.tmp" "$USERS_FILE"
	umask 022

	# gss-ntlmssp reads NTLM_USER_FILE from the process environment, which
	# apache2ctl takes from envvars; a change there needs stop+start.
	ENV_CHANGED=0
	if ! grep -q "^export NTLM_USER_FILE=$USERS_FILE\$" "$ENVVARS"; then
		sed -i '/^# roomboard-ntlm:/d; /^export NTLM_USER_FILE=/d' "$ENVVARS"
		printf '%s\nexport NTLM_USER_FILE=%s\n' "$MARK" "$USERS_FILE" >>"$ENVVARS"
		ENV_CHANGED=1
	fi

	# Keep the distro's default site off, and pin any remaining Listen to
	# loopback so nothing of this test setup is reachable from outside.
	a2dissite -q 000-default >/dev/null 2>&1 || true
	sed -i -E 's/^([[:space:]]*Listen[[:space:]]+)([0-9]+)[[:space:]]*$/\1127.0.0.1:\2/' "$CONFDIR/ports.conf"

	a2enmod -q auth_gssapi proxy proxy_http headers >/dev/null

	cat >"$CONFDIR/sites-available/$SITE.conf" <<EOF
# Written by roomboard scripts/ntlm-apache.sh; rewritten on every start.
# NTLM front end (mod_auth_gssapi + gss-ntlmssp) for the EWS simulator.
Listen $FRONT
<VirtualHost $FRONT>
    ServerName localhost
    ErrorLog \${APACHE_LOG_DIR}/$SITE-error.log
    CustomLog \${APACHE_LOG_DIR}/$SITE-access.log combined
    # NTLM authenticates the connection, not the request: keep it open.
    KeepAlive On
    MaxKeepAliveRequests 0
    KeepAliveTimeout 30

    <LocationMatch "^/(EWS|[Aa]utodiscover)/">
        AuthType GSSAPI
        AuthName "EWS NTLM test"
        GssapiAllowedMech ntlmssp
        GssapiConnectionBound On
        GssapiBasicAuth Off
        Require valid-user
        # Overwrites anything the client sent; expr= forwards the value
        # ("%{REMOTE_USER}s" would forward "(null)").
        RequestHeader set X-Remote-User expr=%{REMOTE_USER}
    </LocationMatch>

    ProxyRequests Off
    ProxyPass        /EWS/          $BACKEND/EWS/
    ProxyPassReverse /EWS/          $BACKEND/EWS/
    ProxyPass        /autodiscover/ $BACKEND/autodiscover/
    ProxyPassReverse /autodiscover/ $BACKEND/autodiscover/
    ProxyPass        /Autodiscover/ $BACKEND/Autodiscover/
    ProxyPassReverse /Autodiscover/ $BACKEND/Autodiscover/
</VirtualHost>
EOF
	a2ensite -q "$SITE" >/dev/null
	apache2ctl configtest >/dev/null 2>&1 || { apache2ctl configtest; die "apache configuration invalid"; }
}

wait_up() {
	i=0
	while [ $i -lt 50 ]; do
		probe && return 0
		sleep 0.2
		i=$((i + 1))
	done
	die "apache started but $FRONT does not offer NTLM; see /var/log/apache2/$SITE-error.log"
}

case ${1:-} in
start)
	configure
	if running; then
		if [ "$ENV_CHANGED" -eq 1 ]; then
			actl stop
			i=0
			while running && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
			actl start
		else
			actl graceful
		fi
	else
		actl start
	fi
	wait_up
	echo "ntlm-apache: NTLM front end on http://$FRONT/EWS/Exchange.asmx -> $BACKEND (user $NTLM_DOMAIN\\$NTLM_USER)"
	;;
stop)
	if running; then
		actl stop
		i=0
		while running && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
	fi
	echo "ntlm-apache: stopped"
	;;
status)
	if probe; then
		echo "ntlm-apache: up on http://$FRONT"
	else
		echo "ntlm-apache: down"
		exit 3
	fi
	;;
*)
	echo "usage: $0 start|stop|status" >&2
	exit 2
	;;
esac
