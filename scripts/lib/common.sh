# Shared by scripts/deploy and scripts/test. Source it; do not run it.
# Tools live in virtualenvs of Debian's python3 under /opt/polls-tools, never in
# the system Python and never in the repository.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_DIR="${POLLS_TOOLS_DIR:-/opt/polls-tools}"
ANSIBLE_VENV="$TOOLS_DIR/ansible"
TEST_VENV="$TOOLS_DIR/test"

log() { printf '\n==> %s\n' "$*" >&2; }

require_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "Run this as root on a Debian 12 machine (it installs packages)." >&2
        exit 1
    fi
}

apt_packages_missing() {
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || return 0
    done
    return 1
}

# apt_install PKG...: install what is missing (apt-get update first, once).
apt_install() {
    if apt_packages_missing "$@"; then
        log "Installing Debian packages: $*"
        if [ -z "${APT_UPDATED:-}" ]; then
            apt-get update -q
            APT_UPDATED=1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 "$@"
    fi
}

# A requirements file and, depth first, every file it includes with -r.
requirement_files() {
    local file="$1" included
    echo "$file"
    sed -n 's/^-r[[:space:]]*//p' "$file" | while read -r included; do
        requirement_files "$(dirname "$file")/$included"
    done
}

# venv_sync VENV REQUIREMENTS...: create VENV from Debian's python3 and install
# the requirement files, skipping pip when they have not changed since last time.
# One stamp per set of files: scripts/test adds ansible-lint to the virtualenv
# scripts/deploy uses, and neither set's stamp makes the other reinstall.
venv_sync() {
    local venv="$1"; shift
    local want req files_key
    files_key="$(for req in "$@"; do echo "${req#"$REPO_ROOT"/}"; done | sha256sum | cut -c1-12)"
    local stamp="$venv/.requirements-$files_key.sha256"
    # Included files count too: a new pin in requirements.txt must reach the
    # test virtualenv, whose file only includes it.
    want="$(for req in "$@"; do requirement_files "$req"; done | xargs -d '\n' cat | sha256sum | cut -d' ' -f1)"
    if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    log "Preparing $venv"
    [ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
    local args=() req
    for req in "$@"; do args+=(-r "$req"); done
    "$venv/bin/pip" install -q "${args[@]}"
    echo "$want" > "$stamp"
}

ensure_ansible() {
    apt_install python3-venv python3-apt rsync
    venv_sync "$ANSIBLE_VENV" "$REPO_ROOT/ansible/requirements.txt" "$@"
}

# The Debian packages the site's virtualenv builds with (mod_wsgi, mysqlclient):
# the polls_app role's list, their one source (ansible/roles/polls_app/vars/main.yml).
# Needs the Ansible virtualenv (ensure_ansible) for its YAML parser.
build_packages() {
    "$ANSIBLE_VENV/bin/python" - "$REPO_ROOT/ansible/roles/polls_app/vars/main.yml" <<'PY'
import sys

import yaml

with open(sys.argv[1]) as f:
    print(" ".join(yaml.safe_load(f)["polls_app_build_packages"]))
PY
}
