#!/usr/bin/env bash
# Checks every .tf file under DIR: HCL syntax and references (hcl2json.mjs) and `tofu fmt`
# canonical layout (hclfmt.mjs, HashiCorp's hclwrite formatter compiled to WASM).
#
#   tests/check-hcl-format.sh DIR
#
# TOFUGEN_VALIDATORS: directory with node_modules/@cdktf/{hcl-tools,hcl2json} (default /work/.validators).
# TOFUGEN_VALIDATOR_SCRIPTS: directory with hclfmt.mjs and hcl2json.mjs (default /work/shared/validators).
# Exit status: 0 all good, 1 a check failed, 2 usage or missing tools.
set -euo pipefail
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
V="${TOFUGEN_VALIDATORS:-/work/.validators}"
S="${TOFUGEN_VALIDATOR_SCRIPTS:-/work/shared/validators}"
for f in "$V/node_modules" "$S/hclfmt.mjs" "$S/hcl2json.mjs"; do
  if [ ! -e "$f" ]; then
    echo "missing $f (set TOFUGEN_VALIDATORS / TOFUGEN_VALIDATOR_SCRIPTS)" >&2
    exit 2
  fi
done
export NODE_PATH="$V/node_modules"
status=0
node "$S/hcl2json.mjs" -q -r "$1" || { echo "FAIL: HCL syntax ($1)"; status=1; }
node "$S/hclfmt.mjs" -q --diff -r "$1" || { echo "FAIL: tofu fmt layout ($1)"; status=1; }
[ $status -eq 0 ] && echo "PASS: HCL syntax and tofu fmt layout ($1)"
exit $status
