#!/usr/bin/env bash
# Proves the Java binding as a user gets it: the jar jsii-pacmak built (dist/java, a Maven repository
# layout) is installed into the local Maven repository, overwriting any earlier build of the same
# version, and JUnit synthesizes the stacks. Everything else comes from Maven Central.
# Extra arguments go to Maven (e.g. `-Dtest=SidecarStacksTest#activeTaskRoleMayDescribeTasksTaskDefinitionsAndSubnets`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

shopt -s nullglob
poms=("$root"/dist/java/io/asserts/cdk-ecs-sidecar/*/cdk-ecs-sidecar-*.pom)
if [ "${#poms[@]}" -ne 1 ]; then
  echo "bindings/java: expected exactly one cdk-ecs-sidecar build in dist/java, found ${#poms[@]}; run 'npx projen package:java' first" >&2
  exit 1
fi
pom="${poms[0]}"
version="$(basename "$(dirname "$pom")")"
jar="${pom%.pom}.jar"

# Same aws-cdk-lib as the TypeScript build, so every language synthesizes with one CDK.
cdk_version="$(cd "$root" && node -p "require('aws-cdk-lib/package.json').version")"

mvn_flags=(--batch-mode --no-transfer-progress)
# The README's command ("Use it before it is published"), as a user types it.
mvn "${mvn_flags[@]}" --quiet install:install-file -Dfile="$jar" -DpomFile="$pom"
echo "bindings/java: installed io.asserts:cdk-ecs-sidecar:$version; testing with aws-cdk-lib $cdk_version"

cd "$here"
exec mvn "${mvn_flags[@]}" test -Dsidecar.version="$version" -Dcdk.version="$cdk_version" "$@"
