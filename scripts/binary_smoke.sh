#!/usr/bin/env bash
# Smoke test of the one-file binary (`make binary`, run by .ci/run): `version` works with no
# server; `up` on free ports with a throw-away data dir runs a steps workflow (a container step
# and a script step) to Succeeded and `logs` shows its output; as root, `version` also runs in
# a chroot holding only the binary, an empty /tmp and /proc, as in an executor image.
# Usage: bash scripts/binary_smoke.sh [dist/argoapp]
set -euo pipefail

bin="$(realpath "${1:-dist/argoapp}")"
[ -x "${bin}" ] || { echo "smoke: no executable at ${bin} (run make binary)" >&2; exit 1; }

work="$(mktemp -d /tmp/argoapp-smoke.XXXXXX)"
up_pid=""
root_dir=""
cleanup() {
  status=$?
  if [ -n "${up_pid}" ] && kill -0 "${up_pid}" 2>/dev/null; then
    kill "${up_pid}" 2>/dev/null || true
    # bounded wait for a clean shutdown, then make sure
    for _ in $(seq 1 50); do kill -0 "${up_pid}" 2>/dev/null || break; sleep 0.2; done
    kill -9 "${up_pid}" 2>/dev/null || true
  fi
  if [ -n "${root_dir}" ] && mountpoint -q "${root_dir}/proc"; then
    umount "${root_dir}/proc" || umount -l "${root_dir}/proc" || true
  fi
  if [ "${status}" -ne 0 ] && [ -f "${work}/up.log" ]; then
    echo "smoke: FAILED; last lines of argoapp up's log:" >&2
    tail -n 40 "${work}/up.log" >&2 || true
  fi
  rm -rf "${work}"
  exit "${status}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { echo "smoke: $*"; }
fail() { echo "smoke: FAIL: $*" >&2; exit 1; }

step "version"
"${bin}" version | tee "${work}/version.txt"
grep -q 'GitCommit' "${work}/version.txt" || fail "version does not print the git commit"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port="$(free_port)"
kube_port="$(free_port)"
data="${work}/data"
step "argoapp up on :${port} (localkube :${kube_port}), data in ${data}"
"${bin}" up --data-dir "${data}" --port "${port}" --kube-port "${kube_port}" \
  --auth-mode server >"${work}/up.log" 2>&1 &
up_pid=$!

api="http://127.0.0.1:${port}"
ready=""
for _ in $(seq 1 120); do
  kill -0 "${up_pid}" 2>/dev/null || fail "argoapp up exited early"
  if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "${api}/api/v1/version" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.5
done
[ -n "${ready}" ] || fail "the API at ${api} did not answer within 60 s"
step "API answers at ${api}"

cat >"${work}/hello.yaml" <<'YAML'
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: smoke-
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - name: hello
            template: hello
        - - name: script
            template: script
    - name: hello
      container:
        image: alpine:3
        command: [echo, hello]
    - name: script
      script:
        image: alpine:3
        command: [sh]
        source: |
          echo "from-script $((6 * 7))"
YAML

client=(-s "127.0.0.1:${port}" --no-secure)
step "submit --wait"
timeout 180 "${bin}" submit "${client[@]}" --wait -o name "${work}/hello.yaml" \
  | tee "${work}/submit.txt" || fail "submit --wait failed"
name="$(grep -o 'smoke-[a-z0-9]*' "${work}/submit.txt" | head -n 1)"
[ -n "${name}" ] || fail "no workflow name in submit's output"
phase="$("${bin}" get "${client[@]}" -o json "${name}" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"]["phase"])')"
[ "${phase}" = "Succeeded" ] || fail "workflow ${name} ended ${phase}, not Succeeded"
step "workflow ${name} Succeeded"

"${bin}" logs "${client[@]}" --no-color "${name}" | tee "${work}/logs.txt"
grep -qE '(^|: )hello$' "${work}/logs.txt" || fail "logs lack the container step's hello"
grep -qE '(^|: )from-script 42$' "${work}/logs.txt" || fail "logs lack the script step's output"
step "logs show both steps' output"

if [ "$(id -u)" -eq 0 ]; then
  # what the executor image holds: the binary, an empty /tmp and (given by the pod) /proc
  root_dir="${work}/root"
  mkdir -p "${root_dir}/tmp" "${root_dir}/proc"
  cp "${bin}" "${root_dir}/argoapp"
  mount -t proc proc "${root_dir}/proc"
  step "version in a chroot holding only the binary"
  env -i TMPDIR=/tmp "$(command -v chroot)" "${root_dir}" /argoapp version || fail "version fails in the chroot"
  umount "${root_dir}/proc"
else
  step "not root: the chroot check is SKIPPED"
fi
step "PASSED"
