#!/usr/bin/env bash
# Rehearses the Dockerfile's build without Docker, in a temp dir, and proves the runtime layout:
#   build stage   npm ci (all deps, lockfile) + npm run build            → dist/
#   deps stage    npm ci --omit=dev (lockfile) + better-sqlite3 addon    → node_modules/
#   runtime       /app = node_modules + dist + package*.json, read-only (chmod 555), run as uid 10001
#                 when started as root; the image's default config (the Dockerfile heredoc) validates;
#                 `serve` starts with storage under a temp /data, answers /healthz and the image's
#                 HEALTHCHECK command, exits 0 on SIGTERM, and nothing is written outside /data.
# The native addon is compiled from source like in the image when SIMULATE_FROM_SOURCE=1 (minutes);
# otherwise the repository's build of the same locked version is reused (same Node ABI).
# Usage: test/docker/simulate-build.sh [REPO_DIR]        (prints "simulate-build: ok" at the end)
set -euo pipefail

REPO="$(cd "${1:-$(dirname "$0")/../..}" && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/portcullis-image-XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
  chmod -R u+w "$WORK" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
step() { echo "simulate-build: $*"; }
fail() { echo "simulate-build: FAILED: $*" >&2; exit 1; }
# Runs a step with its output kept aside; shows it only when the step fails.
quiet() { local what="$1"; shift; "$@" >"$WORK/step.log" 2>&1 || { cat "$WORK/step.log" >&2; fail "$what"; }; }
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false npm_config_loglevel=error

# The build context, as .dockerignore lets it through.
context="$WORK/context"
mkdir -p "$context"
cp "$REPO/package.json" "$REPO/package-lock.json" "$REPO/tsconfig.json" "$REPO/tsconfig.build.json" "$context/"
(cd "$REPO" && find src -type f ! -name '*.test.ts' -print0 | tar --null -cf - --files-from=-) | tar -xf - -C "$context"

step "build stage: npm ci + npm run build"
build="$WORK/build"
mkdir -p "$build"
cp "$context/package.json" "$context/package-lock.json" "$build/"
quiet "build: npm ci" bash -c "cd '$build' && npm ci --ignore-scripts --prefer-offline"
cp -r "$context/tsconfig.json" "$context/tsconfig.build.json" "$context/src" "$build/"
quiet "build: npm run build" bash -c "cd '$build' && npm run build"
[ -f "$build/dist/cli.js" ] || fail "dist/cli.js was not built"

step "deps stage: npm ci --omit=dev"
deps="$WORK/deps"
mkdir -p "$deps"
cp "$context/package.json" "$context/package-lock.json" "$deps/"
quiet "deps: npm ci --omit=dev" bash -c "cd '$deps' && npm ci --omit=dev --ignore-scripts --prefer-offline"
for dev in typescript tsx @types/node fast-check; do
  [ ! -e "$deps/node_modules/$dev" ] || fail "dev dependency $dev is in the production node_modules"
done
if [ "${SIMULATE_FROM_SOURCE:-0}" = "1" ]; then
  quiet "deps: npm rebuild better-sqlite3" bash -c "cd '$deps' && npm_config_build_from_source=true npm rebuild better-sqlite3"
else
  want="$(node -p "require('$deps/node_modules/better-sqlite3/package.json').version")"
  have="$(node -p "require('$REPO/node_modules/better-sqlite3/package.json').version")"
  [ "$want" = "$have" ] || fail "repository better-sqlite3 $have differs from the lockfile's $want"
  mkdir -p "$deps/node_modules/better-sqlite3/build/Release"
  cp "$REPO/node_modules/better-sqlite3/build/Release/better_sqlite3.node" "$deps/node_modules/better-sqlite3/build/Release/"
fi
(cd "$deps" && node -e "new (require('better-sqlite3'))(':memory:').close()") || fail "better-sqlite3 does not load"

step "runtime layout: /app read-only, /data writable"
app="$WORK/app"
data="$WORK/data"
etc="$WORK/etc"
mkdir -p "$app" "$data/tmp" "$etc"
cp -r "$deps/node_modules" "$build/dist" "$context/package.json" "$context/package-lock.json" "$app/"
# The image's default config is the heredoc in the Dockerfile.
awk '/^COPY <<"EOF" \/etc\/portcullis\/portcullis.yaml$/{on=1; next} on && /^EOF$/{exit} on{print}' "$REPO/Dockerfile" > "$etc/portcullis.yaml"
[ -s "$etc/portcullis.yaml" ] || fail "no default config heredoc in the Dockerfile"
healthcheck="$(sed -n 's/^  CMD \(\[.*\]\)$/\1/p' "$REPO/Dockerfile")"
[ -n "$healthcheck" ] || fail "no HEALTHCHECK CMD in the Dockerfile"
# What serve runs with: the default config, paths moved from /data to the temp data dir, a free port.
sed -e "s#/data#$data#g" -e 's#0.0.0.0:5000#127.0.0.1:0#' -e '/osv-vulnerabilities/d' -e 's#^  sources:$#  sources: []#' "$etc/portcullis.yaml" > "$etc/serve.yaml"
chmod 755 "$WORK"
chmod -R a-w,a+rX "$app" "$etc"
chmod 555 "$app"
run_as=()
if [ "$(id -u)" = "0" ]; then
  chown -R 10001:10001 "$data"
  run_as=(setpriv --reuid=10001 --regid=10001 --clear-groups)
fi
touch "$WORK/marker"
# Replaces the calling (sub)shell, so `runtime_exec … &` leaves $! = the node process itself.
runtime_exec() { cd "$app" && exec env -i PATH="$PATH" HOME=/nonexistent NODE_ENV=production TMPDIR="$data/tmp" "${run_as[@]}" "$@"; }
runtime() { (runtime_exec "$@"); }

step "node dist/cli.js --help"
runtime node "$app/dist/cli.js" --help | grep -q '^usage: portcullis' || fail "--help"

step "config validate on the image's default config"
out="$(runtime node "$app/dist/cli.js" config validate --config "$etc/portcullis.yaml")" || fail "config validate: $out"
[ "$out" = "ok" ] || fail "config validate printed: $out"

step "serve from a read-only /app with storage under a temp /data"
log="$WORK/serve.log"
runtime_exec node "$app/dist/cli.js" serve --config "$etc/serve.yaml" >"$log" 2>&1 &
SERVER_PID=$!
url=""
for _ in $(seq 1 300); do
  url="$(sed -n 's/.*"msg":"listening".*"url":"\([^"]*\)".*/\1/p' "$log" | head -n 1)"
  [ -n "$url" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; fail "serve exited"; }
  sleep 0.1
done
[ -n "$url" ] || { cat "$log" >&2; fail "no listening line"; }
node -e "fetch('$url/healthz').then(async (r) => { if (!r.ok) process.exit(1); })" || fail "/healthz"
node -e "fetch('$url/readyz').then((r) => process.exit(r.status === 200 || r.status === 503 ? 0 : 1))" || fail "/readyz"
node -e "fetch('$url/metrics').then(async (r) => process.exit(r.ok && (await r.text()).includes('portcullis_http_requests_total') ? 0 : 1))" || fail "/metrics"
hc_cmd=()
while IFS= read -r arg; do hc_cmd+=("$arg"); done < <(node -e 'for (const a of JSON.parse(process.argv[1])) console.log(a)' "$healthcheck")
(cd "$app" && PORTCULLIS_HEALTHCHECK_URL="$url/healthz" "${run_as[@]}" "${hc_cmd[@]}") || fail "the image's HEALTHCHECK command failed"

step "SIGTERM → exit 0"
kill -TERM "$SERVER_PID"
code=0
wait "$SERVER_PID" || code=$?
SERVER_PID=""
[ "$code" = "0" ] || { cat "$log" >&2; fail "serve exited $code after SIGTERM"; }
if grep -v '^{' "$log" | grep -q .; then cat "$log" >&2; fail "non-JSON output from serve"; fi

written="$(find "$app" "$etc" -newer "$WORK/marker" -print)"
[ -z "$written" ] || fail "written outside /data: $written"
[ -d "$data/blobs" ] || fail "nothing was written under /data"
step "ok"
