#!/usr/bin/env bash
# check_layers.py fails on a tree that breaks the rule: an upward include, LibTorch reached
# through a chain of headers from actors/, and an entry point included by a library file. An
# entry point may reach LibTorch (apq-h5-models does).
set -euo pipefail
script=$1
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree"/{base,io,kernels,actors,tools}
echo '#include <vector>' > "$tree/base/value.hpp"
echo '#include "kernels/model.hpp"' > "$tree/io/store.hpp"
echo '#include <torch/torch.h>' > "$tree/kernels/model.hpp"
echo '#include "base/value.hpp"' > "$tree/kernels/facade.hpp"
printf '#include "kernels/facade.hpp"\n#include "kernels/model.hpp"\n' > "$tree/actors/worker.hpp"
echo '#include "tools/apq_h5_main.cpp"' > "$tree/tools/h5tool_x.cpp"
echo '#include "kernels/model.hpp"' > "$tree/tools/apq_h5_main.cpp"
status=0
out=$(python3 "$script" "$tree") || status=$?
expected="actors/worker.hpp: reaches LibTorch through actors/worker.hpp -> kernels/model.hpp
io/store.hpp: io/ may not include kernels/model.hpp (allowed: base)
io/store.hpp: reaches LibTorch through io/store.hpp -> kernels/model.hpp
tools/h5tool_x.cpp: includes the entry point tools/apq_h5_main.cpp
tools/h5tool_x.cpp: reaches LibTorch through tools/h5tool_x.cpp -> tools/apq_h5_main.cpp -> kernels/model.hpp"
if [[ $status -ne 1 || "$(sort <<<"$out")" != "$(sort <<<"$expected")" ]]; then
  echo "expected exit 1 and:"; echo "$expected"; echo "got exit $status and:"; echo "$out"; exit 1
fi
# The same tree without the violations passes.
echo '#include "base/value.hpp"' > "$tree/io/store.hpp"
echo '#include "kernels/facade.hpp"' > "$tree/actors/worker.hpp"
echo '#include "base/value.hpp"' > "$tree/tools/h5tool_x.cpp"
echo '#include "io/store.hpp"' > "$tree/tools/apq_h5_main.cpp"
python3 "$script" "$tree"
echo "layering violations caught"
