#!/usr/bin/env bash
# Makes sure the tools the test suite drives are present, installing what is missing on Debian/Ubuntu
# (as root or with passwordless sudo), starts PostgreSQL and exports TEST_PG_URL for a throw-away test role.
# Sourced by scripts/test.sh and .ci/run.

APT_PACKAGES=(iperf3 mtr-tiny traceroute iputils-ping vnstat postgresql chromium iproute2 iptables shellcheck systemd
  bsdutils util-linux openssl curl)
declare -A PROVIDES=([iperf3]=iperf3 [mtr]=mtr-tiny [traceroute]=traceroute [ping]=iputils-ping [vnstat]=vnstat
  [pg_ctlcluster]=postgresql [chromium]=chromium [ip]=iproute2 [iptables]=iptables [shellcheck]=shellcheck
  [systemd-analyze]=systemd [script]=bsdutils [setpriv]=util-linux [openssl]=openssl [curl]=curl)

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif sudo -n true 2>/dev/null; then sudo "$@"; else return 1; fi
}

missing=()
for cmd in "${!PROVIDES[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${PROVIDES[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && as_root true; then
    echo "test-env: installing ${missing[*]}" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
  else
    echo "test-env: missing ${missing[*]} and cannot install them (needs apt-get and root); dependent tests will be skipped" >&2
  fi
fi

if [ -z "${TEST_PG_URL:-}" ] && command -v pg_lsclusters >/dev/null 2>&1; then
  cluster=$(pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1" "$2" "$3" "$4}')
  if [ -z "$cluster" ]; then
    version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -n | tail -1)
    [ -n "$version" ] && as_root pg_createcluster "$version" main >/dev/null 2>&1
    cluster=$(pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1" "$2" "$3" "$4}')
  fi
  read -r pg_version pg_name pg_port pg_status <<<"$cluster"
  if [ -n "${pg_version:-}" ]; then
    [ "$pg_status" = online ] || as_root pg_ctlcluster "$pg_version" "$pg_name" start >/dev/null 2>&1
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$pg_port" && break; sleep 0.5; done
    if as_root runuser -u postgres -- psql -q -p "$pg_port" -v ON_ERROR_STOP=1 >/dev/null 2>&1 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'netronome_test') THEN
    CREATE ROLE netronome_test LOGIN CREATEDB PASSWORD 'netronome_test';
  END IF;
END $$;
SQL
    then
      export TEST_PG_URL="postgres://netronome_test:netronome_test@127.0.0.1:${pg_port}/postgres"
    else
      echo "test-env: could not create the PostgreSQL test role" >&2
    fi
  fi
fi
