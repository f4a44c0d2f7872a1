"""The finalized networks of a finished tiny run, used as a user would, with Debian's python3-torch
and h5py and no code from this project:
- each <run>/models/<rank>-<method>.pt loads with torch.jit.load and reproduces, on the test images
  (read from the IDX file), the test top-1 that final.h5 records, within 0.1 point;
- its float forward runs too;
- the h5py and torch examples in docs/HDF5.md run as written (on this run instead of runs/quick).
Usage: check_export.py RUN_DIR DATA_DIR DOCS_HDF5_MD"""
import gzip
import os
import re
import subprocess
import sys

import h5py
import numpy as np
import torch

run, data_dir, docs = sys.argv[1:4]
problems = []


def read_idx_images(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    count, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(count, 1, rows, cols)


def read_idx_labels(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, dtype=np.uint8, offset=8).astype(np.int64)


def data_file(stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(data_dir, name)):
            return os.path.join(data_dir, name)
    sys.exit(f"check_export: no {stem}[.gz] in {data_dir}")


images = torch.from_numpy(read_idx_images(data_file("t10k-images-idx3-ubyte")).copy())
labels = torch.from_numpy(read_idx_labels(data_file("t10k-labels-idx1-ubyte")).copy())

with h5py.File(os.path.join(run, "final.h5"), "r") as f:
    report = f["report"]
    rows = list(zip(report["rank"][()], [m.decode() if isinstance(m, bytes) else m for m in report["method"][()]],
                    report["test_accuracy"][()], report["test_images"][()]))
if not rows:
    problems.append("final.h5 has no entries")
for rank, method, recorded, n in rows:
    path = os.path.join(run, "models", f"{rank}-{method}.pt")
    if not os.path.exists(path):
        problems.append(f"{path} is missing")
        continue
    model = torch.jit.load(path)
    correct = 0
    correct_float = 0
    with torch.no_grad():
        for begin in range(0, n, 500):  # the evaluation's batch size
            x, y = images[begin:min(begin + 500, n)], labels[begin:min(begin + 500, n)]
            correct += int((model(x).argmax(1) == y).sum())
            correct_float += int((model.forward_float(x).argmax(1) == y).sum())
    top1 = correct / n
    print(f"{os.path.basename(path)}: test top-1 {100 * top1:.2f}% in PyTorch, {100 * recorded:.2f}% in final.h5 "
          f"({n} images); float forward {100 * correct_float / n:.2f}%")
    if abs(top1 - recorded) > 0.001:
        problems.append(f"{path}: test top-1 {top1:.4f} in PyTorch vs {recorded:.4f} recorded")
    if correct_float < n / 10:  # worse than chance would mean the float path is broken
        problems.append(f"{path}: float forward gets {correct_float}/{n}")

# The documented examples, as written, on this run.
with open(docs) as md:
    text = md.read()
examples = re.findall(r"<!-- run in CI -->\s*```python\n(.*?)```", text, re.S)
if len(examples) < 2:
    problems.append(f"{docs}: expected the h5py and the torch example marked '<!-- run in CI -->'")
for code in examples:
    code = code.replace("runs/quick", run)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        problems.append(f"docs example failed:\n{code}\n{done.stderr}")
    else:
        print(done.stdout, end="")

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print("check_export: ok")
