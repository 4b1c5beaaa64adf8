#!/usr/bin/env bash
# Build @tensorflow/tfjs-node's native binding against the libtensorflow that
# the Python tensorflow wheel in .venv already ships, so that no download is
# needed and Python and Node run the very same TensorFlow kernels.
# Idempotent: does nothing when the binding is already built and loads.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
py=${PYTHON:-$root/.venv/bin/python}
node_bin=${NODE:-node}
pkg=$root/node_modules/@tensorflow/tfjs-node

if [ ! -d "$pkg" ]; then
  echo "build_tfjs_binding: $pkg is missing; run 'npm ci --ignore-scripts' first (make install does)." >&2
  exit 1
fi
# The stamp holds the hash of the source patch the binding was built with
# (scripts/patch_tfjs_binding.py): a binding built before it, with another version of it, or by
# tfjs-node's own install, is built again.
patch_id=$(sha256sum "$root/scripts/patch_tfjs_binding.py" | cut -c1-16)
stamp=$pkg/lib/napi-v8/streamfit-binding
if [ -f "$pkg/lib/napi-v8/tfjs_binding.node" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$patch_id" ] && \
   "$node_bin" -e "require('$pkg')" >/dev/null 2>&1; then
  exit 0
fi
tfdir=$("$py" -c 'import os, tensorflow; print(os.path.dirname(tensorflow.__file__))' 2>/dev/null) || {
  echo "build_tfjs_binding: Python's tensorflow is not importable with $py." >&2
  echo "  Install the Python side first: make install-python (or: $py -m pip install tensorflow-cpu)" >&2
  exit 1
}
for f in libtensorflow_cc.so.2 libtensorflow_framework.so.2 include; do
  [ -e "$tfdir/$f" ] || { echo "build_tfjs_binding: $tfdir/$f not found in the tensorflow wheel" >&2; exit 1; }
done
rm -rf "$pkg/deps"
mkdir -p "$pkg/deps/lib"
for n in libtensorflow.so libtensorflow.so.2 libtensorflow.so.2.9.1 libtensorflow_cc.so.2; do
  ln -s "$tfdir/libtensorflow_cc.so.2" "$pkg/deps/lib/$n"
done
for n in libtensorflow_framework.so libtensorflow_framework.so.2 libtensorflow_framework.so.2.9.1; do
  ln -s "$tfdir/libtensorflow_framework.so.2" "$pkg/deps/lib/$n"
done
ln -s "$tfdir/include" "$pkg/deps/include"
# Node's headers: from npm_config_nodedir, else the running Node's own prefix
# (/usr for a system Node, site-packages/nodejs for the nodejs-bin wheel).
nodedir=${npm_config_nodedir:-$("$node_bin" -p 'require("path").resolve(process.execPath, "..", "..")')}
if [ ! -f "$nodedir/include/node/node_api.h" ]; then
  echo "build_tfjs_binding: Node headers not found under $nodedir/include/node; install them (Debian: libnode-dev)" >&2
  echo "  or set npm_config_nodedir to a folder with include/node/node_api.h" >&2
  exit 1
fi
"$py" "$root/scripts/patch_tfjs_binding.py" "$pkg/binding/tfjs_backend.cc"
rm -f "$stamp"
echo "build_tfjs_binding: compiling tfjs-node against $tfdir (Node headers: $nodedir)" >&2
(cd "$pkg" && PATH="$root/node_modules/.bin:$(dirname "$(command -v "$node_bin")"):$PATH" \
  npm_config_nodedir=$nodedir "$node_bin" scripts/install.js >"$root/.tfjs-build.log" 2>&1) || {
  echo "build_tfjs_binding: building the binding failed; see .tfjs-build.log" >&2; tail -20 "$root/.tfjs-build.log" >&2; exit 1; }
"$node_bin" -e "const tf=require('$pkg'); if (tf.getBackend()!=='tensorflow') process.exit(3)" || {
  echo "build_tfjs_binding: the binding was built but does not load; see .tfjs-build.log" >&2; exit 1; }
echo "$patch_id" >"$stamp"
echo "build_tfjs_binding: tfjs-node binding ready" >&2
