#!/usr/bin/env python3
"""The layering rule of docs/ARCHITECTURE.md, checked over the sources' #include lines.

Each top-level folder is a layer and may include only the layers listed for it (and itself).
Entry points (*_main.cpp) may include any layer (apq-h5-models needs LibTorch); nothing includes
them. LibTorch stays out of
the torch-free layers, transitively: a file there must not reach <torch/...>, <ATen/...> or
<c10/...> through any chain of project headers. Usage: check_layers.py [SOURCE_ROOT]; prints one
line per violation and exits 1 when there is any.
"""
import os
import re
import sys

LAYERS = {
    "base": [],
    "io": ["base"],
    "kernels": ["base"],
    "actors": ["base", "kernels"],
    "analysis": ["base", "io"],
    "app": ["base", "io", "kernels"],
    "pipeline": ["base", "io", "kernels", "actors", "analysis", "app"],
    "tools": ["base", "io", "analysis"],
    "testing": ["base", "kernels"],  # for tests and benches only; no program links it
}
TORCH_FREE = ["base", "io", "actors", "analysis", "tools"]
TORCH_FREE_HEADERS = ["app"]  # its sources may call kernels; its headers stay light
TORCH = re.compile(r'#include\s*<(torch|ATen|c10)/')
PROJECT = re.compile(r'#include\s*"([a-z_]+)/([^"]+)"')


def sources(root):
    for layer in LAYERS:
        folder = os.path.join(root, layer)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith((".hpp", ".cpp", ".hpp.in")):
                yield layer, f"{layer}/{name}"


def main(root):
    text = {path: open(os.path.join(root, path), encoding="utf-8").read() for _, path in sources(root)}
    problems = []
    for layer, path in sources(root):
        entry = path.endswith("_main.cpp")
        for match in PROJECT.finditer(text[path]):
            target = f"{match.group(1)}/{match.group(2)}"
            if match.group(1) not in LAYERS:
                continue  # a generated header or a third-party one
            if target.endswith("_main.cpp"):
                problems.append(f"{path}: includes the entry point {target}")
            elif not entry and match.group(1) != layer and match.group(1) not in LAYERS[layer]:
                problems.append(f"{path}: {layer}/ may not include {target} (allowed: {', '.join(LAYERS[layer]) or 'nothing'})")

    torch_reached = {}

    def reaches_torch(path, seen):
        if path in torch_reached:
            return torch_reached[path]
        if path not in text or path in seen:
            return None
        seen.add(path)
        if TORCH.search(text[path]):
            torch_reached[path] = [path]
            return torch_reached[path]
        for match in PROJECT.finditer(text[path]):
            chain = reaches_torch(f"{match.group(1)}/{match.group(2)}", seen)
            if chain:
                torch_reached[path] = [path] + chain
                return torch_reached[path]
        torch_reached[path] = None
        return None

    for layer, path in sources(root):
        if path.endswith("_main.cpp"):
            continue
        if layer in TORCH_FREE or (layer in TORCH_FREE_HEADERS and path.endswith(".hpp")):
            chain = reaches_torch(path, set())
            if chain:
                problems.append(f"{path}: reaches LibTorch through {' -> '.join(chain)}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")))
