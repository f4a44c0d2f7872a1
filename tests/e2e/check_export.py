"""The finalized networks of a finished tiny run, used as a user would, with Debian's python3-torch
and h5py and no code from this project:
- each <run>/models/<rank>-<method>.pt loads with torch.jit.load and reproduces the validation
  top-1 (on final.h5's /val_indices of the training file) and the test top-1 (on the test file)
  that final.h5 records, within 0.1 point;
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


def read_idx(path):
    """An IDX file (gzip'ed or not) as a uint8 array of the shape its header gives."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def read_idx_images(path):
    images = read_idx(path)
    return images.reshape(images.shape[0], 1, *images.shape[1:])


def read_idx_labels(path):
    return read_idx(path).astype(np.int64)


def data_file(stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(data_dir, name)):
            return os.path.join(data_dir, name)
    sys.exit(f"check_export: no {stem}[.gz] in {data_dir}")


def as_tensor(array):
    return torch.from_numpy(np.array(array))  # a writable copy


def top1(forward, images, labels):
    correct = 0
    with torch.no_grad():
        for begin in range(0, len(labels), 500):  # the evaluation's batch size
            x, y = images[begin:begin + 500], labels[begin:begin + 500]
            correct += int((forward(x).argmax(1) == y).sum())
    return correct / len(labels)


train_images = read_idx_images(data_file("train-images-idx3-ubyte"))
train_labels = read_idx_labels(data_file("train-labels-idx1-ubyte"))
test_images = as_tensor(read_idx_images(data_file("t10k-images-idx3-ubyte")))
test_labels = as_tensor(read_idx_labels(data_file("t10k-labels-idx1-ubyte")))

with h5py.File(os.path.join(run, "final.h5"), "r") as f:
    report = f["report"]
    rows = list(zip(report["rank"][()], report["method"].asstr()[()], report["val_accuracy"][()],
                    report["val_images"][()], report["test_accuracy"][()], report["test_images"][()]))
    val_indices = f["val_indices"][()]
if not rows:
    problems.append("final.h5 has no entries")
for rank, method, val_recorded, n_val, test_recorded, n_test in rows:
    path = os.path.join(run, "models", f"{rank}-{method}.pt")
    if not os.path.exists(path):
        problems.append(f"{path} is missing")
        continue
    model = torch.jit.load(path)
    val_x, val_y = as_tensor(train_images[val_indices[:n_val]]), as_tensor(train_labels[val_indices[:n_val]])
    val = top1(model, val_x, val_y)
    test = top1(model, test_images[:n_test], test_labels[:n_test])
    test_float = top1(model.forward_float, test_images[:n_test], test_labels[:n_test])
    print(f"{os.path.basename(path)}: in PyTorch validation {100 * val:.2f}% ({n_val} images), test {100 * test:.2f}% "
          f"({n_test}); final.h5 records {100 * val_recorded:.2f}% and {100 * test_recorded:.2f}%; "
          f"float forward test {100 * test_float:.2f}%")
    for name, got, recorded in (("validation", val, val_recorded), ("test", test, test_recorded)):
        if abs(got - recorded) > 0.001:
            problems.append(f"{path}: {name} top-1 {got:.4f} in PyTorch vs {recorded:.4f} recorded")
    if test_float < 0.1:  # worse than chance would mean the float path is broken
        problems.append(f"{path}: float forward test top-1 {test_float:.4f}")

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
