#!/usr/bin/env bash
# Installs what the test bed needs on a Debian machine, and only what is missing (idempotent):
# apt: docker-registry, apache2-utils (htpasswd), docker.io (dockerd), mount (umount), skopeo, zstd and the
# vendored Rust crates the test-cache fixture builds offline (with Debian's cargo when no other is
# installed), jq and unzip for the workflow and buildspec tests, tinyproxy (a real forward proxy),
# openssl (a private test CA), git (git http-backend serves the GitOps config repositories),
# python3-jinja2 and python3-yaml for the Jinja2 conformance oracle (when no python has jinja2 and
# PyYAML); pip: moto[server] and cfn-lint.
set -euo pipefail

log() { echo "install-testbed: $*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# package:command pairs; an empty command means "check with dpkg".
wanted=(
  docker-registry:docker-registry
  apache2-utils:htpasswd
  docker.io:dockerd
  # The test bed unmounts what a stopped dockerd leaves mounted in its state folder.
  mount:umount
  skopeo:skopeo
  zstd:zstd
  jq:jq
  unzip:unzip
  tinyproxy:tinyproxy
  openssl:openssl
  git:git
  cargo:cargo
  rustc:rustc
  # One package per crate of test/fixtures/rust-workspace/Cargo.lock, named explicitly: Debian
  # ships the crates behind default features (regex → aho-corasick, memchr) as Recommends, which
  # --no-install-recommends leaves out. job.ts's checkFixtureCrates names any that is missing.
  librust-aho-corasick-dev:
  librust-anyhow-dev:
  librust-itoa-dev:
  librust-memchr-dev:
  librust-regex-dev:
  librust-regex-syntax-dev:
  librust-ryu-dev:
  librust-serde-dev:
  librust-serde-json-dev:
)
missing=()
for item in "${wanted[@]}"; do
  pkg="${item%%:*}"
  cmd="${item#*:}"
  if [ -n "$cmd" ]; then have "$cmd" && continue; fi
  installed "$pkg" && continue
  missing+=("$pkg")
done

# The Jinja2 conformance oracle (test/conformance/oracle.py) needs a python with jinja2 and PyYAML;
# the conformance test tries the same interpreters, in this order.
python_with_jinja2() {
  local py
  for py in ${SLIPWAY_PYTHON:-} python3 /usr/bin/python3 python; do
    "$py" -c 'import jinja2, yaml' >/dev/null 2>&1 && return 0
  done
  return 1
}
if ! python_with_jinja2; then
  for pkg in python3 python3-jinja2 python3-yaml; do
    installed "$pkg" || missing+=("$pkg")
  done
fi

if [ ${#missing[@]} -gt 0 ]; then
  if ! have apt-get; then
    log "missing ${missing[*]} and apt-get is not available; install them by hand"
    exit 1
  fi
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if have sudo; then sudo=(sudo); else log "need root (or sudo) to install ${missing[*]}"; exit 1; fi
  fi
  lock=()
  have flock && lock=(flock /tmp/slipway-apt.lock)
  log "installing ${missing[*]}"
  "${sudo[@]}" "${lock[@]}" apt-get update -qq
  "${sudo[@]}" "${lock[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

pip_install() {
  local what="$1" spec="$2"
  local pip=()
  if have pip3; then pip=(pip3); elif have pip; then pip=(pip); elif have python3; then pip=(python3 -m pip); fi
  if [ ${#pip[@]} -eq 0 ]; then
    log "warning: $what is missing and there is no pip to install it with"
    return 0
  fi
  log "installing $spec with pip"
  "${pip[@]}" install --quiet --disable-pip-version-check "$spec" && return 0
  # Debian's system Python refuses plain pip installs (PEP 668); a CI machine is throwaway.
  "${pip[@]}" install --quiet --disable-pip-version-check --break-system-packages "$spec" && return 0
  # Without a reachable package index this fails; the test bed then says which component is missing.
  log "warning: could not pip install $spec"
}

have moto_server || pip_install moto_server 'moto[server]'
have cfn-lint || pip_install cfn-lint cfn-lint
exit 0
