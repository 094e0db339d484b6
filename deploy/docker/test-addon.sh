#!/usr/bin/env bash
# Build the Home Assistant add-on (addon/) from a clean checkout of HEAD and run it as the Supervisor would: its
# options in /data/options.json, a token, and a Supervisor (here a local HTTP server) that must hear the
# discovery message; then speech through its port, heard by Whisper, and a clean stop on SIGTERM.
#
#   deploy/docker/test-addon.sh                  # FROM Home Assistant's Debian base, pulled from ghcr.io
#   BUILD_FROM=local deploy/docker/test-addon.sh # FROM a Debian bookworm base made here (deploy/docker/local-base.sh)
#
# The add-on installs the package from the project's repository at its release tag; here it installs a wheel of
# HEAD instead (put into the build context), so what is tested is this checkout. Needs what test-image.sh needs.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

DOCKER=${DOCKER:-docker}
TAG=${TAG:-wyoming-kokoro-addon:test}
BUILD_FROM=${BUILD_FROM:-ghcr.io/home-assistant/amd64-base-debian:bookworm}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
CA_CERT=${CA_CERT:-/etc/ssl/certs/ca-certificates.crt}
TEXT="Good evening. The garage door is closed."
export DOCKER_BUILDKIT=1
# shellcheck source=deploy/docker/lib.sh
. deploy/docker/lib.sh

work=$(mktemp -d)
name=kokoro-addon-$$
supervisor_pid=
cleanup() {
    "$DOCKER" rm -f "$name" >/dev/null 2>&1 || true
    [ -z "$supervisor_pid" ] || kill "$supervisor_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

BUILD_FROM=$(base_image "$BUILD_FROM")

say "A wheel of $(git rev-parse --short HEAD), and the add-on's build context"
mkdir "$work/src"
git archive HEAD | tar -x -C "$work/src"
"$PYTHON" -m pip wheel --quiet --no-deps -w "$work/wheels" "$work/src"
wheel=$(basename "$work"/wheels/wyoming_kokoro-*.whl)
cp -r "$work/src/addon" "$work/context"
mkdir -p "$work/context/rootfs/tmp/wheels"
cp "$work/wheels/$wheel" "$work/context/rootfs/tmp/wheels/"
chmod 1777 "$work/context/rootfs/tmp"  # COPY rootfs / gives the image's /tmp these modes: apt needs it open
chmod -R a+rX "$work/context/rootfs/tmp/wheels"
echo "$wheel"

say "Build $TAG FROM $BUILD_FROM"
started=$(date +%s)
"$DOCKER" build --build-arg "BUILD_FROM=$BUILD_FROM" --build-arg "PACKAGE=/tmp/wheels/$wheel[zh,ja]" "${SECRET[@]}" \
    -t "$TAG" "$work/context"
echo "built in $(( $(date +%s) - started )) s; image size $(( $("$DOCKER" image inspect -f '{{.Size}}' "$TAG") / 1000000 )) MB"

say "Run it as the Supervisor would"
# the host, as the container sees it: the default bridge's gateway (its first address when none is recorded)
gateway=$("$DOCKER" network inspect bridge -f '{{range .IPAM.Config}}{{.Gateway}}{{end}}')
if [ -z "$gateway" ]; then
    subnet=$("$DOCKER" network inspect bridge -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}')
    gateway=$("$PYTHON" -c 'import ipaddress, sys; print(next(ipaddress.ip_network(sys.argv[1]).hosts()))' "$subnet")
fi
supervisor_port=$(free_port)
"$PYTHON" - "$supervisor_port" "$work/discovery.json" <<'EOF' &
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class Supervisor(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(sys.argv[2], "w") as out:
            json.dump({"path": self.path, "authorization": self.headers["Authorization"], "body": body}, out)
        answer = b'{"result": "ok", "data": {"uuid": "test"}}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

HTTPServer(("", int(sys.argv[1])), Supervisor).serve_forever()
EOF
supervisor_pid=$!
mkdir "$work/data"
cat > "$work/data/options.json" <<'EOF'
{"voice": "bf_emma", "language_voices": [{"language": "fr", "voice": "ff_siwis"}], "speed": 1.0, "cache_size": 16, "log_level": "info"}
EOF
chmod -R a+rwX "$work/data"
port=$(free_port 127.0.0.1)
"$DOCKER" run -d --name "$name" --init -v "$work/data:/data" -p "127.0.0.1:$port:10200" \
    -e SUPERVISOR_TOKEN=test-token -e "SUPERVISOR_URL=http://$gateway:$supervisor_port" "$TAG" >/dev/null
for _ in $(seq 1 600); do
    "$DOCKER" logs "$name" 2>&1 | grep -q "Announced" && break
    [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$name")" = true ] || { "$DOCKER" logs "$name"; fail "the add-on exited"; }
    sleep 0.2
done
"$DOCKER" logs "$name" 2>&1 | grep "kokoro add-on" || true
[ -f "$work/discovery.json" ] || { "$DOCKER" logs "$name"; fail "the Supervisor heard nothing"; }
"$PYTHON" - "$work/discovery.json" <<'EOF' || fail "a wrong discovery message"
import json, re, sys
got = json.load(open(sys.argv[1]))
print("the Supervisor heard:", got)
assert got["path"] == "/discovery" and got["authorization"] == "Bearer test-token"
assert got["body"]["service"] == "wyoming" and re.fullmatch(r"tcp://[\w.-]+:10200", got["body"]["config"]["uri"])
EOF
"$DOCKER" logs "$name" 2>&1 | grep -q "voice bf_emma\|default voice bf_emma" || { "$DOCKER" logs "$name" | tail; fail "the voice option was not applied"; }

say "Speech through its port, in the voice of its options"
"$PYTHON" deploy/docker/speak.py --uri "tcp://127.0.0.1:$port" --text "$TEXT" > "$work/reply.wav" || fail "no speech"
"$PYTHON" deploy/docker/hears.py "$work/reply.wav" --text "$TEXT" || fail "Whisper did not hear the text"

say "SIGTERM"
"$DOCKER" stop -t 30 "$name" >/dev/null
code=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$name")
[ "$code" = 0 ] || { "$DOCKER" logs "$name" | tail; fail "exit code $code"; }
echo "stopped, exit code 0"
ls "$work/data/cache" >/dev/null 2>&1 && echo "audio cache in /data/cache: $(ls "$work/data/cache" | wc -l) entries"

say "All checks passed: $TAG"
