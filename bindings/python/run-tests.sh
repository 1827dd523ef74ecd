#!/usr/bin/env bash
# Proves the Python binding as a user gets it: a fresh virtual environment installs the wheel that
# jsii-pacmak built into dist/python plus aws-cdk-lib from PyPI, and pytest synthesizes the stacks.
# Extra arguments go to pytest (e.g. `-k bundled`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

shopt -s nullglob
wheels=("$root"/dist/python/*.whl)
if [ "${#wheels[@]}" -ne 1 ]; then
  echo "bindings/python: expected exactly one wheel in dist/python, found ${#wheels[@]}; run 'npx projen package:python' first" >&2
  exit 1
fi

# Pin the same aws-cdk-lib the TypeScript build resolved, so every language synthesizes with one CDK.
cdk_version="$(cd "$root" && node -p "require('aws-cdk-lib/package.json').version")"

venv="$here/.venv"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  "${wheels[0]}" "aws-cdk-lib==$cdk_version" -r "$here/requirements-test.txt"
echo "bindings/python: installed $(basename "${wheels[0]}") with aws-cdk-lib $cdk_version"

cd "$here"
exec "$venv/bin/python" -m pytest "$@"
