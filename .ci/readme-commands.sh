#!/usr/bin/env bash
# Runs the README's commands as a new user would: in a fresh clone of the current commit, with the
# Node.js on PATH. Covers the quick start (example app), the demo, "Use it before it is published"
# for npm (tarball into a new TypeScript app with the latest TypeScript, run with tsx and with the
# CDK CLI the README names), and the deploy command's app under that CLI. The wheel and the jar are
# built and used by test:python and test:java (which installs the jar with the README's mvn command).
# Usage: bash .ci/readme-commands.sh   (needs network access to the npm registry)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d /tmp/readme-commands-XXXXXX)"
DEMO_PID=""
cleanup() {
  if [ -n "$DEMO_PID" ]; then kill -- -"$DEMO_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

readme_has() {
  grep -qF -- "$1" "$ROOT/README.md" || { echo "README no longer shows: $1" >&2; exit 1; }
}
# The commands below are the README's; fail when the README changes them without this script.
readme_has 'npm ci && npx projen example'
readme_has 'npx projen demo'
readme_has 'npx projen compile'
readme_has 'npx projen package:js         # dist/js/cdk-ecs-sidecar@0.0.0.jsii.tgz'
readme_has 'npm install aws-cdk-lib constructs /path/to/clone/dist/js/cdk-ecs-sidecar@0.0.0.jsii.tgz'
readme_has '"app": "npx tsx bin/app.ts"'
# Run by bindings/java/run-tests.sh (test:java) on the jar it builds.
readme_has 'mvn install:install-file -Dfile=/path/to/clone/dist/java/io/asserts/cdk-ecs-sidecar/0.0.0/cdk-ecs-sidecar-0.0.0.jar -DpomFile=/path/to/clone/dist/java/io/asserts/cdk-ecs-sidecar/0.0.0/cdk-ecs-sidecar-0.0.0.pom'
readme_has "npx aws-cdk@2 deploy --app 'npx ts-node --project examples/tsconfig.json examples/app.ts' AssertsSidecarFargatePassive"

echo "== fresh clone of $(git -C "$ROOT" rev-parse --short HEAD) in $WORK/clone"
git clone -q "$ROOT" "$WORK/clone"
cd "$WORK/clone"

echo "== quick start: npm ci && npx projen example"
npm ci --no-audit --no-fund >/dev/null
npx projen example
ls examples/cdk.out/AssertsSidecarFargatePassive.template.json >/dev/null

echo "== deploy: the README's --app under the CDK CLI it names (synth: deploying needs AWS and Docker)"
npx --yes aws-cdk@2 synth --quiet --app 'npx ts-node --project examples/tsconfig.json examples/app.ts' AssertsSidecarFargatePassive
ls cdk.out/AssertsSidecarFargatePassive.template.json >/dev/null

echo "== demo: npx projen demo (runtime/node_modules absent)"
test ! -d runtime/node_modules
# A free port for the exporter, so the check does not depend on 8014 being free on this machine.
PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
setsid env httpListenPort="$PORT" npx projen demo >"$WORK/demo.log" 2>&1 &
DEMO_PID=$!
for _ in $(seq 1 240); do
  grep -q 'Press Ctrl+C to stop.' "$WORK/demo.log" && break
  if ! kill -0 "$DEMO_PID" 2>/dev/null; then cat "$WORK/demo.log"; echo 'demo exited early' >&2; exit 1; fi
  sleep 1
done
grep -q 'Press Ctrl+C to stop.' "$WORK/demo.log" || { cat "$WORK/demo.log"; echo 'demo did not start within 240 s' >&2; exit 1; }
grep -q "The exporter reads it every 5 s" "$WORK/demo.log"
grep -q "curl http://127.0.0.1:$PORT/container-stats/actuator/prometheus" "$WORK/demo.log"
grep -q '^  container_cpu_usage_seconds_total{container="app-0"' "$WORK/demo.log"
# Into a file first: under pipefail, grep -q closing the pipe at its first match fails curl (23).
curl -fsS "http://127.0.0.1:$PORT/container-stats/actuator/prometheus" >"$WORK/demo-scrape.txt"
grep -q '^container_memory_working_set_bytes{' "$WORK/demo-scrape.txt"
kill -- -"$DEMO_PID"
wait "$DEMO_PID" 2>/dev/null || true
DEMO_PID=""

echo "== use it before it is published: compile, package:js"
npx projen compile >/dev/null
npx projen package:js >/dev/null
TARBALL="$WORK/clone/dist/js/cdk-ecs-sidecar@0.0.0.jsii.tgz"
test -f "$TARBALL"

echo "== a new TypeScript app with the tarball, the latest TypeScript and tsx"
mkdir -p "$WORK/app/bin" && cd "$WORK/app"
npm init -y >/dev/null
npm install --no-audit --no-fund aws-cdk-lib constructs "$TARBALL" typescript tsx >/dev/null
cat >bin/app.ts <<'TS'
import { App, Duration, Stack, aws_ecs as ecs } from 'aws-cdk-lib';
import { AssertsSidecar } from '@asserts/cdk-ecs-sidecar';

const app = new App();
const stack = new Stack(app, 'ReadmeApp');
const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
taskDefinition.addContainer('web', { image: ecs.ContainerImage.fromRegistry('nginx') });
new AssertsSidecar(taskDefinition, 'Metrics', { collectInterval: Duration.seconds(30) });
app.synth();
TS
echo '{ "app": "npx tsx bin/app.ts" }' >cdk.json
echo "typescript $(npx tsc --version)"
npx tsx bin/app.ts
npx --yes aws-cdk@2 synth --quiet ReadmeApp
grep -q 'ecs-dockerstats-exporter' cdk.out/ReadmeApp.template.json

echo "README commands OK"
