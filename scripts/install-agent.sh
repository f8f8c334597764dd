#!/usr/bin/env bash
# Installs, updates or removes the Netronome agent (systemd on Linux, launchd on macOS).
#   curl -fsSL https://github.com/OWNER/REPO/releases/latest/download/install-agent.sh | sudo bash
#   sudo bash install-agent.sh [options]        (bash install-agent.sh --help lists them)
# The release archive is checked against the release's SHA-256 checksums and, when this copy carries a release key,
# their Ed25519 signature. Daily updates run `netronome update`, which checks both again.
set -Eeuo pipefail
trap 'printf "error: the installer stopped at line %s: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

# Filled in by scripts/release.sh in the copy attached to each release.
DEFAULT_REPOSITORY=""
RELEASE_PUBLIC_KEY=""

usage() {
  cat <<'USAGE'
Usage: install-agent.sh [options]
  --api-key <key>         key the hub must send (default: generated); "none" for an open agent
  --host <address>        address to listen on (default 0.0.0.0)
  --port <port>           port to listen on (default 8200)
  --interface <name>      interface to report (default: the default route's for live rates, every interface for history)
  --disk-include <list>   comma-separated extra mounts to report (globs allowed)
  --disk-exclude <list>   comma-separated mounts to hide (globs allowed)
  --auto-update <bool>    daily verified update (default true)
  --version <x.y.z>       install this release instead of the latest
  --update                update the installed agent in place
  --uninstall             remove everything the installer installed
  --yes                   ask nothing; use flags, the existing settings, then defaults
  --prefix <dir>          install into a scratch root (no user, no service started)
  --repository <o/name>   GitHub repository of the releases
  --api-url <url>         GitHub API (default https://api.github.com)
Asks through /dev/tty when there is one; keeps the settings of an existing installation.
USAGE
}

say() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

ACTION=install PREFIX="" YES=false VERSION=""
REPOSITORY="${NETRONOME_REPOSITORY:-$DEFAULT_REPOSITORY}"
API_URL="${NETRONOME__UPDATE_API_URL:-https://api.github.com}"
# The settings, opt_<name>, stay unset until a flag or an answer sets them (plain variables: macOS has bash 3.2).
SETTINGS=(api_key host port interface disk_include disk_exclude auto_update)

parse_args() {
  local name value
  while [ $# -gt 0 ]; do
    name="${1%%=*}" value=""
    case "$1" in *=*) value="${1#*=}" ;; esac
    case "$name" in
      --update) ACTION=update ;;
      --uninstall | -u) ACTION=uninstall ;;
      --yes | -y) YES=true ;;
      -h | --help) usage; exit 0 ;;
      --auto-update)
        if [[ "$1" != *=* && $# -ge 2 && "$2" != -* ]]; then value="$2" && shift; fi
        opt_auto_update="${value:-true}" ;;
      --api-key | --host | --port | --interface | --disk-include | --disk-exclude | --version | --prefix | \
        --repository | --api-url)
        if [[ "$1" != *=* ]]; then
          [ $# -ge 2 ] || die "$name needs a value"
          value="$2"
          shift
        fi
        case "$name" in
          --version) VERSION="${value#v}" ;;
          --prefix) PREFIX="${value%/}" ;;
          --repository) REPOSITORY="$value" ;;
          --api-url) API_URL="${value%/}" ;;
          *) name="${name#--}" && printf -v "opt_${name//-/_}" '%s' "$value" ;;
        esac ;;
      *) die "unknown option $1 (see --help)" ;;
    esac
    shift
  done
}

# Where things go; PREFIX only moves the files (the unit and config name the final paths).
set_paths() {
  OS="$(uname -s)"
  if [ "$OS" = Darwin ]; then
    AGENT_USER=_netronome LABEL=com.netronome.agent
    BIN_DIR=/usr/local/opt/netronome CONFIG_DIR=/usr/local/etc/netronome LOG_DIR=/Library/Logs/Netronome
    SERVICE_FILES=("/Library/LaunchDaemons/$LABEL.plist" "/Library/LaunchDaemons/$LABEL-update.plist")
  else
    AGENT_USER=netronome LABEL=netronome-agent.service
    BIN_DIR=/opt/netronome CONFIG_DIR=/etc/netronome STATE_DIR=/var/lib/netronome
    SERVICE_FILES=(/etc/systemd/system/netronome-agent.service /etc/systemd/system/netronome-agent-update.service
      /etc/systemd/system/netronome-agent-update.timer)
  fi
  BIN="$BIN_DIR/netronome" CONFIG="$CONFIG_DIR/agent.toml"
}

detect_platform() {
  local os arch
  case "$OS" in
    Linux) os=linux; if ldd --version 2>&1 | grep -qi musl; then os=linux-musl; fi ;;
    Darwin) os=darwin ;;
    *) die "unsupported system $OS (Linux and macOS are supported)" ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=arm64 ;;
    armv6* | armv7* | armhf | arm) die "32-bit ARM is not supported: Bun, which Netronome runs on, has no 32-bit ARM build" ;;
    *) die "unsupported architecture $(uname -m)" ;;
  esac
  PLATFORM="${os}_${arch}"
}

# Plain http only to this machine (local mirrors); everything else must be https, redirects included.
curl_get() {
  local url="$1" out="$2" max="$3" proto="=https" seconds=60
  [[ ! "$url" =~ ^http://(127\.[0-9.]+|localhost|\[::1\])(:[0-9]+)?/ ]] || proto="=http,https"
  [[ "$url" =~ ^https:// || "$proto" != "=https" ]] || die "refusing a non-https URL: $url"
  [ "$max" -le 10000000 ] || seconds=1800
  curl -fsSL --proto "$proto" --proto-redir "$proto" --connect-timeout 15 --max-time "$seconds" --max-filesize "$max" \
    -H "User-Agent: netronome-installer" -o "$out" "$url"
}

sha256() { if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1; }

# Release metadata: sets RELEASE_VERSION and ASSET_URLS (one URL a line).
fetch_release() {
  local which="latest" json="$WORK/release.json" tag
  [ -z "$VERSION" ] || which="tags/v$VERSION"
  curl_get "$API_URL/repos/$REPOSITORY/releases/$which" "$json" 2000000 ||
    die "cannot read release $which of $REPOSITORY from $API_URL"
  tag="$(tr -d '\n' <"$json" | { grep -o '"tag_name"[[:space:]]*:[[:space:]]*"[^"]*"' || true; } | head -1 |
    sed 's/.*"\([^"]*\)"$/\1/')"
  RELEASE_VERSION="${tag#v}"
  [[ "$RELEASE_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || die "release tag \"$tag\" is not a version"
  ASSET_URLS="$(tr -d '\n' <"$json" | { grep -o '"browser_download_url"[[:space:]]*:[[:space:]]*"[^"]*"' || true; } |
    sed 's/.*"\([^"]*\)"$/\1/')"
}

# The download URL of the asset named $1 (empty when the release has none).
asset_url() { awk -v name="$1" '{ n = split($0, p, "/"); if (p[n] == name) { print; exit } }' <<<"$ASSET_URLS"; }

# Downloads the release's archive for this machine, verifies it and leaves the executable in $WORK/netronome.
download_verified() {
  local archive="netronome_${RELEASE_VERSION}_${PLATFORM}.tar.gz" sums="netronome_${RELEASE_VERSION}_checksums.txt"
  local url expected actual
  url="$(asset_url "$archive")"
  [ -n "$url" ] || die "release $RELEASE_VERSION has no build for $PLATFORM ($archive)"
  [ -n "$(asset_url "$sums")" ] || die "release $RELEASE_VERSION has no $sums; refusing it"
  curl_get "$(asset_url "$sums")" "$WORK/$sums" 262144 || die "cannot download $sums"
  if [ -n "$RELEASE_PUBLIC_KEY" ]; then
    [ -n "$(asset_url "$sums.sig")" ] || die "release $RELEASE_VERSION is not signed; refusing it"
    curl_get "$(asset_url "$sums.sig")" "$WORK/$sums.sig" 1024 || die "cannot download $sums.sig"
    printf -- '-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n' "$RELEASE_PUBLIC_KEY" >"$WORK/key.pem"
    if openssl version 2>/dev/null | grep -q '^OpenSSL [3-9]'; then
      openssl pkeyutl -verify -pubin -inkey "$WORK/key.pem" -rawin -in "$WORK/$sums" -sigfile "$WORK/$sums.sig" \
        >/dev/null 2>&1 || die "the signature of $sums does not match the release key; refusing the release"
      say "signature of $sums verified"
    else
      warn "OpenSSL 3 is not available to check the release signature; checking the SHA-256 checksum only"
    fi
  fi
  expected="$(awk -v n="$archive" '$2 == n || $2 == "*" n { print tolower($1) }' "$WORK/$sums" | head -1)"
  [[ "$expected" =~ ^[0-9a-f]{64}$ ]] || die "$sums has no checksum for $archive; refusing it"
  say "downloading $archive"
  curl_get "$url" "$WORK/$archive" 536870912 || die "cannot download $archive"
  actual="$(sha256 "$WORK/$archive")"
  [ "$actual" = "$expected" ] || die "checksum mismatch for $archive (got $actual, expected $expected); refusing it"
  say "SHA-256 of $archive verified"
  tar -xzf "$WORK/$archive" -C "$WORK" netronome || die "$archive holds no netronome executable"
  if [ ! -f "$WORK/netronome" ] || [ -L "$WORK/netronome" ]; then die "$archive: netronome is not a regular file"; fi
  chmod 0755 "$WORK/netronome"
  [ "$("$WORK/netronome" version 2>/dev/null | head -1)" = "netronome $RELEASE_VERSION" ] ||
    die "the downloaded executable does not run here (expected netronome $RELEASE_VERSION)"
}

installed_version() { "$PREFIX$BIN" version 2>/dev/null | head -1 | sed 's/^netronome //'; }

install_binary() {
  if [ -x "$PREFIX$BIN" ] && [ "$(installed_version)" = "$RELEASE_VERSION" ]; then
    say "netronome $RELEASE_VERSION is already installed in $BIN"
    return 0
  fi
  download_verified
  mkdir -p "$PREFIX$BIN_DIR"
  chmod 0755 "$PREFIX$BIN_DIR"
  [ -e "$PREFIX$BIN" ] && ln -f "$PREFIX$BIN" "$PREFIX$BIN.previous"
  install -m 0755 "$WORK/netronome" "$PREFIX$BIN.new"
  as_root_owned "$PREFIX$BIN.new" "$PREFIX$BIN_DIR"
  mv -f "$PREFIX$BIN.new" "$PREFIX$BIN"
  CHANGED=true
  say "installed netronome $RELEASE_VERSION in $BIN"
}

# Root owns the executable (root:root, root:wheel on macOS): the agent user must not be able to replace what root runs.
as_root_owned() { [ "$(id -u)" != 0 ] || chown 0:0 "$@"; }

# --- settings -----------------------------------------------------------------------------------------------------

# A value from the existing config: strings unquoted, arrays as comma-separated lists.
config_value() {
  local line
  [ -f "$PREFIX$CONFIG" ] || return 0
  line="$(sed -n "s/^$1[[:space:]]*=[[:space:]]*//p" "$PREFIX$CONFIG" | head -1)"
  case "$line" in
    \[*) sed -e 's/^\[//; s/\]$//; s/"[[:space:]]*,[[:space:]]*"/,/g; s/^[[:space:]]*"//; s/"[[:space:]]*$//' \
      -e 's/\\"/"/g; s/\\\\/\\/g' <<<"$line" ;;
    \"*) sed -e 's/^"//; s/"$//; s/\\"/"/g; s/\\\\/\\/g' <<<"$line" ;;
    *) printf '%s\n' "$line" ;;
  esac
}

TTY=false
ask() { # variable question default
  local answer=""
  if $TTY; then
    printf '%s [%s]: ' "$2" "$3" >/dev/tty
    IFS= read -r answer </dev/tty || true
  fi
  printf -v "$1" '%s' "${answer:-$3}"
}

choose_settings() {
  local default_key existing timer_on=false
  if ! $YES && (: </dev/tty) 2>/dev/null; then TTY=true; fi
  existing="$(config_value api_key)"
  default_key="${existing:-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
  # Updates stay as they were on a re-run (the update timer or job exists), and are on for a fresh install.
  if [ ! -f "$PREFIX$CONFIG" ] || [ -f "$PREFIX${SERVICE_FILES[${#SERVICE_FILES[@]} - 1]}" ]; then timer_on=true; fi
  if $TTY && [ "$OS" = Linux ] && command -v ip >/dev/null; then
    say "Network interfaces: $(ip -o link show | awk -F': ' '$2 != "lo" {sub(/@.*/, "", $2); printf "%s ", $2}')"
  fi
  [ -n "${opt_interface+x}" ] || ask opt_interface \
    "Interface to report (empty: the default route's for live rates, every interface for history)" \
    "$(config_value interface)"
  [ -n "${opt_api_key+x}" ] || ask opt_api_key "API key (\"none\" for an open agent)" "$default_key"
  existing="$(config_value host)"
  [ -n "${opt_host+x}" ] || ask opt_host "Address to listen on" "${existing:-0.0.0.0}"
  existing="$(config_value port)"
  [ -n "${opt_port+x}" ] || ask opt_port "Port" "${existing:-8200}"
  [ -n "${opt_disk_include+x}" ] || ask opt_disk_include "Extra mounts to report" "$(config_value disk_includes)"
  [ -n "${opt_disk_exclude+x}" ] || ask opt_disk_exclude "Mounts to hide" "$(config_value disk_excludes)"
  [ -n "${opt_auto_update+x}" ] || ask opt_auto_update "Daily automatic updates (true/false)" "$timer_on"
  : "${opt_host:=0.0.0.0}" "${opt_port:=8200}"
  # The agent's own rule: what it would refuse at start is refused here, before a config that crash-loops it.
  [[ "${opt_interface}" =~ ^([A-Za-z0-9_][A-Za-z0-9_.:-]{0,14})?$ ]] || die "--interface must be an interface name"
  if [ -n "${opt_interface}" ] && command -v ip >/dev/null && ! ip link show dev "${opt_interface}" >/dev/null 2>&1; then
    warn "there is no interface ${opt_interface} here (yet); the agent reports it once it exists"
  fi
  [ "$opt_api_key" != none ] || { opt_api_key=""; warn "no API key: anyone who reaches port ${opt_port} can read this agent"; }
  if [[ ! "${opt_port}" =~ ^[1-9][0-9]{0,4}$ ]] || ((10#$opt_port > 65535)); then die "--port must be 1-65535"; fi
  [[ "${opt_host}" =~ ^[0-9A-Za-z.:_-]+$ ]] || die "--host must be an address or host name"
  [[ "${opt_auto_update}" =~ ^(true|false)$ ]] || die "--auto-update must be true or false"
  local name value
  for name in "${SETTINGS[@]}"; do
    value="opt_$name"
    [[ ! "${!value}" =~ [[:cntrl:]] ]] || die "--${name//_/-} contains control characters"
  done
}

toml_string() {
  local s="${1//\\/\\\\}"
  printf '"%s"' "${s//\"/\\\"}"
}

# Split with read, not word splitting, which would also expand globs ("/tmp*" into "/tmp") against this folder.
toml_list() {
  local item out="" items=()
  IFS=, read -r -a items <<<"$1"
  for item in ${items[@]+"${items[@]}"}; do
    item="$(sed 's/^[[:space:]]*//; s/[[:space:]]*$//' <<<"$item")"
    [ -z "$item" ] || out="$out${out:+, }$(toml_string "$item")"
  done
  printf '[%s]' "$out"
}

render_config() {
  cat <<EOF
# Netronome agent, written by install-agent.sh. Re-running the installer keeps these values unless new ones are
# given; keys added by hand are not kept when it rewrites this file. All keys: \`netronome generate-config\`.
[agent]
host = $(toml_string "${opt_host}")
port = ${opt_port}
interface = $(toml_string "${opt_interface}")
api_key = $(toml_string "${opt_api_key}")
disk_includes = $(toml_list "${opt_disk_include}")
disk_excludes = $(toml_list "${opt_disk_exclude}")

[logging]
level = "info"

[update]
api_url = $(toml_string "$API_URL")
repository = $(toml_string "$REPOSITORY")
EOF
}

# Owned by root, readable by the agent's group (mode 640): root's daily update reads [update] from it, so the agent
# must not be able to change it (else a compromised agent chooses what root installs and runs).
config_owner() {
  chmod 0640 "$1"
  if id "$AGENT_USER" >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then chown "0:$(id -gn "$AGENT_USER")" "$1"; fi
}

# Written only when it changes; an existing file gets the ownership above either way.
# Like the other steps, it reports a change in CHANGED, not in its status: set -e does not apply inside a function
# whose status is tested.
write_config() {
  local new="$WORK/agent.toml"
  render_config >"$new"
  mkdir -p "$PREFIX$CONFIG_DIR"
  if [ -f "$PREFIX$CONFIG" ] && cmp -s "$new" "$PREFIX$CONFIG"; then
    config_owner "$PREFIX$CONFIG"
    say "$CONFIG is unchanged"
    return 0
  fi
  install -m 0600 "$new" "$PREFIX$CONFIG.new"
  config_owner "$PREFIX$CONFIG.new"
  mv -f "$PREFIX$CONFIG.new" "$PREFIX$CONFIG"
  CHANGED=true
  say "wrote $CONFIG"
}

# --- services -----------------------------------------------------------------------------------------------------

render_systemd() {
  case "$1" in
    netronome-agent.service)
      printf '%s\n' "[Unit]" "Description=Netronome agent" "After=network-online.target" "Wants=network-online.target" \
        "" "[Service]" "Type=simple" "User=$AGENT_USER" "Group=$AGENT_USER" "ExecStart=$BIN agent --config $CONFIG" \
        "Restart=always" "RestartSec=10" "StateDirectory=netronome" "UMask=0077" "NoNewPrivileges=yes" \
        "ProtectSystem=strict" "# read-only, not hidden: the disk usage of /home stays measurable" \
        "ProtectHome=read-only" "PrivateTmp=yes" "ProtectKernelTunables=yes" "ProtectKernelModules=yes" \
        "ProtectKernelLogs=yes" "ProtectControlGroups=yes" "ProtectClock=yes" "ProtectHostname=yes" \
        "RestrictSUIDSGID=yes" "RestrictRealtime=yes" "RestrictNamespaces=yes" "LockPersonality=yes" \
        "CapabilityBoundingSet=" "" "[Install]" "WantedBy=multi-user.target" ;;
    netronome-agent-update.service)
      printf '%s\n' "[Unit]" "Description=Update the Netronome agent (verified release, then restart)" \
        "After=network-online.target" "Wants=network-online.target" "" "[Service]" "Type=oneshot" \
        "ExecStart=$BIN --config $CONFIG update --restart=netronome-agent.service" "NoNewPrivileges=yes" \
        "ProtectSystem=strict" "ReadWritePaths=$BIN_DIR" "ProtectHome=yes" "PrivateTmp=yes" ;;
    netronome-agent-update.timer)
      printf '%s\n' "[Unit]" "Description=Daily update of the Netronome agent" "" "[Timer]" "OnCalendar=daily" \
        "RandomizedDelaySec=4h" "Persistent=true" "" "[Install]" "WantedBy=timers.target" ;;
  esac
}

render_launchd() {
  local label arg minute
  label="$(basename "$1" .plist)"
  printf '%s\n' '<?xml version="1.0" encoding="UTF-8"?>' \
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">' \
    '<plist version="1.0">' '<dict>' "  <key>Label</key><string>$label</string>" '  <key>ProgramArguments</key>' \
    '  <array>'
  if [ "$label" = "$LABEL-update" ]; then set -- "$BIN" --config "$CONFIG" update "--restart=$LABEL"; else
    set -- "$BIN" agent --config "$CONFIG"
  fi
  for arg in "$@"; do printf '    <string>%s</string>\n' "$arg"; done
  printf '%s\n' '  </array>'
  if [ "$label" = "$LABEL-update" ]; then
    # A fixed minute per machine, so that agents do not all ask at once; launchd runs a missed job after sleep.
    minute="$(($(cksum <<<"$(hostname)" | cut -d' ' -f1) % 60))"
    printf '%s\n' "  <key>StartCalendarInterval</key>" \
      "  <dict><key>Hour</key><integer>3</integer><key>Minute</key><integer>$minute</integer></dict>"
  else
    printf '%s\n' "  <key>UserName</key><string>$AGENT_USER</string>" '  <key>RunAtLoad</key><true/>' \
      '  <key>KeepAlive</key><true/>' '  <key>ThrottleInterval</key><integer>10</integer>'
  fi
  printf '%s\n' "  <key>StandardOutPath</key><string>$LOG_DIR/$label.log</string>" \
    "  <key>StandardErrorPath</key><string>$LOG_DIR/$label.log</string>" '</dict>' '</plist>'
}

# Writes the service files (the update timer or job only with automatic updates).
write_services() {
  local file new
  for file in "${SERVICE_FILES[@]}"; do
    if [[ "$file" == *-update.* ]] && [ "${opt_auto_update}" = false ]; then
      if [ -e "$PREFIX$file" ]; then rm -f "$PREFIX$file" && say "removed $file" && CHANGED=true; fi
      continue
    fi
    new="$WORK/$(basename "$file")"
    if [ "$OS" = Darwin ]; then render_launchd "$file" >"$new"; else render_systemd "$(basename "$file")" >"$new"; fi
    ! cmp -s "$new" "$PREFIX$file" || continue
    mkdir -p "$(dirname "$PREFIX$file")"
    install -m 0644 "$new" "$PREFIX$file"
    as_root_owned "$PREFIX$file"
    say "wrote $file"
    CHANGED=true
  done
}

create_user() {
  ! id "$AGENT_USER" >/dev/null 2>&1 || return 0
  if [ "$OS" = Darwin ]; then
    local id=450
    while dscl . -list /Users UniqueID | awk '{print $2}' | grep -qx "$id" ||
      dscl . -list /Groups PrimaryGroupID | awk '{print $2}' | grep -qx "$id"; do id=$((id + 1)); done
    dscl . -create "/Groups/$AGENT_USER" PrimaryGroupID "$id"
    dscl . -create "/Users/$AGENT_USER" UniqueID "$id"
    dscl . -create "/Users/$AGENT_USER" PrimaryGroupID "$id"
    dscl . -create "/Users/$AGENT_USER" UserShell /usr/bin/false
    dscl . -create "/Users/$AGENT_USER" NFSHomeDirectory /var/empty
  elif command -v useradd >/dev/null; then
    useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell /usr/sbin/nologin "$AGENT_USER"
  else
    addgroup -S "$AGENT_USER" && adduser -S -D -H -h "$STATE_DIR" -s /sbin/nologin -G "$AGENT_USER" "$AGENT_USER"
  fi
  say "created the system user $AGENT_USER"
}

# Starts the agent (restarts it when something changed) and switches the daily update on or off.
activate() {
  local file
  if [ "$OS" = Darwin ]; then
    mkdir -p "$LOG_DIR"
    for file in "${SERVICE_FILES[@]}"; do
      [ -f "$file" ] || continue
      ! $1 || launchctl bootout system "$file" 2>/dev/null || true
      launchctl bootstrap system "$file" 2>/dev/null || true
    done
  elif [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable -q --now netronome-agent.service
    ! $1 || systemctl restart netronome-agent.service
    if [ "${opt_auto_update}" = true ]; then systemctl enable -q --now netronome-agent-update.timer; fi
  else
    warn "systemd is not running: start the agent yourself with $BIN agent --config $CONFIG"
  fi
}

deactivate() {
  local file
  if [ "$OS" = Darwin ]; then
    for file in "${SERVICE_FILES[@]}"; do launchctl bootout system "$file" 2>/dev/null || true; done
  elif [ -d /run/systemd/system ]; then
    systemctl disable -q --now netronome-agent-update.timer netronome-agent.service 2>/dev/null || true
  fi
}

# --- actions ------------------------------------------------------------------------------------------------------

CHANGED=false
do_install() {
  command -v vnstat >/dev/null || warn "vnstat is not installed: bandwidth then comes from /proc/net/dev, without" \
    "history. Install it (apt install vnstat, dnf install vnstat, apk add vnstat, pacman -S vnstat," \
    "brew install vnstat) and enable its service."
  choose_settings
  fetch_release
  [ -n "$PREFIX" ] || create_user
  install_binary
  write_config
  [ -n "$PREFIX" ] || [ "$OS" = Darwin ] || [ "${opt_auto_update}" = true ] || [ ! -d /run/systemd/system ] ||
    systemctl disable -q --now netronome-agent-update.timer 2>/dev/null || true
  write_services
  if [ -n "$PREFIX" ]; then say "installed into $PREFIX (no user created, no service started)"; else
    activate "$CHANGED"
  fi
  say "Agent: http://$(hostname):${opt_port}${opt_api_key:+   API key: ${opt_api_key}}"
}

do_update() {
  [ -x "$PREFIX$BIN" ] || die "the agent is not installed in $BIN; run the installer without --update"
  [ -z "$VERSION" ] || die "--update installs the latest release; for a given one use --version without --update"
  local args=(--config "$PREFIX$CONFIG" update)
  if [ -z "$PREFIX" ] && { [ "$OS" = Darwin ] || [ -d /run/systemd/system ]; }; then args+=("--restart=$LABEL"); fi
  NETRONOME__UPDATE_API_URL="$API_URL" NETRONOME__UPDATE_REPOSITORY="$REPOSITORY" "$PREFIX$BIN" "${args[@]}"
}

do_uninstall() {
  local file dir
  [ -n "$PREFIX" ] || deactivate
  for file in "${SERVICE_FILES[@]}"; do rm -f "$PREFIX$file"; done
  [ -n "$PREFIX" ] || [ "$OS" = Darwin ] || [ ! -d /run/systemd/system ] || systemctl daemon-reload
  rm -rf "$PREFIX$BIN_DIR" "$PREFIX$CONFIG" "$PREFIX$CONFIG.new"
  [ -z "${STATE_DIR:-}" ] || rm -rf "${PREFIX}$STATE_DIR"
  [ "$OS" != Darwin ] || rm -rf "${PREFIX}$LOG_DIR"
  rmdir "$PREFIX$CONFIG_DIR" 2>/dev/null || true
  if [ -z "$PREFIX" ] && id "$AGENT_USER" >/dev/null 2>&1; then
    if [ "$OS" = Darwin ]; then dscl . -delete "/Users/$AGENT_USER" && dscl . -delete "/Groups/$AGENT_USER"; else
      userdel "$AGENT_USER" 2>/dev/null || deluser "$AGENT_USER" 2>/dev/null || true
    fi
  fi
  # In a scratch root, the folders the installer made go too once empty.
  if [ -n "$PREFIX" ]; then
    for dir in "$PREFIX$CONFIG_DIR" "$PREFIX$BIN_DIR" "$PREFIX$(dirname "${SERVICE_FILES[0]}")"; do
      while [ "$dir" != "$PREFIX" ] && [ "$dir" != / ]; do
        [ ! -d "$dir" ] || rmdir "$dir" 2>/dev/null || break
        dir="$(dirname "$dir")"
      done
    done
  fi
  say "the Netronome agent is uninstalled"
}

# One installer at a time per root: two at once raced for the same files (one left the executable mode 600, and each
# printed its own generated key while only one was written). A lock left by a killed installer is taken over; one
# that root does not own (made by another user in /tmp) is removed.
take_lock() {
  local lock owner
  lock="${TMPDIR:-/tmp}/netronome-install.$(id -u).$(printf '%s' "$PREFIX" | cksum | cut -d' ' -f1)"
  for _ in 1 2 3; do
    if mkdir -m 700 "$lock" 2>/dev/null; then
      printf '%s\n' "$$" >"$lock/pid"
      LOCK="$lock"
      return 0
    fi
    owner="$(cat "$lock/pid" 2>/dev/null || true)"
    if [ -O "$lock" ] && { [ -z "$owner" ] || kill -0 "$owner" 2>/dev/null; }; then
      [ -n "$owner" ] || sleep 1
      [ -z "$owner" ] || die "another install-agent.sh is running (pid $owner); try again when it has finished"
    else
      rm -rf "$lock"
    fi
  done
  die "cannot take the installer's lock $lock"
}

main() {
  parse_args "$@"
  set_paths
  [ -n "$PREFIX" ] || [ "$(id -u)" = 0 ] || die "run as root (curl … | sudo bash, or sudo bash install-agent.sh)"
  [ -z "$PREFIX" ] || [[ "$PREFIX" = /* ]] || die "--prefix must be an absolute path"
  if [ "$ACTION" != uninstall ]; then
    command -v curl >/dev/null || die "curl is needed; install it first"
    [ -n "$REPOSITORY" ] || die "no repository: pass --repository OWNER/NAME (or use the install-agent.sh of a release)"
    [[ "$REPOSITORY" =~ ^[A-Za-z0-9-]+/[A-Za-z0-9_.-]+$ ]] || die "--repository must be OWNER/NAME"
    [[ -z "$VERSION" || "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || die "--version must be x.y.z"
  fi
  WORK="$(mktemp -d)" LOCK=""
  trap 'rm -rf "$WORK" ${LOCK:+"$LOCK"}' EXIT
  take_lock
  detect_platform
  case "$ACTION" in
    install) do_install ;;
    update) do_update ;;
    uninstall) do_uninstall ;;
  esac
}

# Runs unless sourced (piped into bash, BASH_SOURCE is empty).
if [ -z "${BASH_SOURCE[0]:-}" ] || [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
