#!/usr/bin/env bash
# Set up webtrack on this machine: browsers (Debian packages, when no usable
# build is found), a virtual environment in .venv, the package and its test
# extras. Safe to run again: each step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")"

have_chromium() {
    ls -d "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"/chromium*/INSTALLATION_COMPLETE >/dev/null 2>&1 ||
        [ -x /usr/lib/chromium/chromium-headless-shell ] || [ -x /usr/lib/chromium/chromium ] ||
        command -v chromium >/dev/null 2>&1
}
have_firefox() {
    ls -d "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"/firefox-*/INSTALLATION_COMPLETE >/dev/null 2>&1 ||
        command -v firefox-esr >/dev/null 2>&1
}

missing=()
have_chromium || missing+=(chromium-headless-shell)
have_firefox || missing+=(firefox-esr)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "setup: installing ${missing[*]} from Debian" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "setup: no usable browser for: ${missing[*]}" >&2
        echo "setup: run as root once, or: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
# Every dependency is fetched once, as a wheel, into .venv/wheels and installed from there:
# tests/test_package.py installs the built package into a fresh environment from the same
# folder, without the network. Reinstall only when the project description changed since the
# last setup.
wheels=.venv/wheels
stamp=.venv/.webtrack-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ ! -d "$wheels" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    # setuptools: pyproject.toml's build-system requirement, for builds without the network.
    .venv/bin/python -m pip wheel -q --wheel-dir "$wheels" --find-links "$wheels" \
        '.[test]' 'setuptools>=77'
    rm -f "$wheels"/webtrack_harness-*.whl
    .venv/bin/python -m pip install -q --no-index --find-links "$wheels" -e '.[test]'
    touch "$stamp"
fi

# The consent audit's `auto` choice and tracker classification use two npm packages, and the
# rendered audit's tests serve two module loaders (RequireJS, SystemJS) as pages load them:
# installed into .venv/node (never into the repository). Node comes from Debian if missing.
NODE_PACKAGES="@duckduckgo/autoconsent@16.23.0 third-party-web@0.30.0 requirejs@2.3.8 systemjs@6.15.1"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "setup: installing nodejs and npm from Debian" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
    else
        echo "setup: node and npm are needed for the consent audit's \`auto\` choice" >&2
        echo "setup: run as root once, or: sudo apt-get install nodejs npm" >&2
        exit 1
    fi
fi
node_stamp=.venv/node/.webtrack-packages
if [ "$(cat "$node_stamp" 2>/dev/null)" != "$NODE_PACKAGES" ]; then
    mkdir -p .venv/node
    # shellcheck disable=SC2086  # one word per package
    npm install --prefix .venv/node --no-audit --no-fund --no-save --loglevel=error $NODE_PACKAGES
    echo "$NODE_PACKAGES" > "$node_stamp"
fi
