"""compare_runs.py RUN_A RUN_B [--supernet]: exit 0 when two run directories hold the same results.

Compared exactly (as text, so NaN equals NaN): every row of the datasets' item tables (ordered by
id; the per-item wall time excepted), every search method's results, the final report, the
predictors' quality figures, and report.h5's transfer curve and finalized rows when the runs have it. With --supernet also every array of supernet.h5 (weights, optimizer
state), for runs that trained their own supernet.
"""
import os
import sys

import h5py
import numpy as np


def table(path, group, key):
    with h5py.File(path, "r") as f:
        g = f[group]
        cols = {name: g[name][:] for name in g if isinstance(g[name], h5py.Dataset) and g[name].ndim == 1}
    order = sorted(range(len(cols[key])), key=lambda i: cols[key][i])
    return {name: [str(v[i]) for i in order] for name, v in cols.items() if name != "seconds"}


def arrays(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


def main():
    a, b = sys.argv[1], sys.argv[2]
    with h5py.File(f"{a}/search.h5", "r") as f:
        methods = sorted(f)
    checks = [("fp_dataset.h5", "items", "id"), ("quant_dataset.h5", "items", "id"), ("final.h5", "report", "rank")]
    checks += [("search.h5", f"{m}/results", "rank") for m in methods]
    bad = []
    # Files a run has only with some stages or settings: compared when both have them.
    optional = {"report.h5": [("report.h5", "transfer_curve", "pairs"), ("report.h5", "finalized", "rank")],
                "finetune_gain.h5": [("finetune_gain.h5", "items", "id")]}
    for name, tables in optional.items():
        present = [os.path.exists(f"{d}/{name}") for d in (a, b)]
        if present == [True, True]:
            checks += tables
        elif any(present):
            bad.append(f"{name} exists in one run only")
    for name, group, key in checks:
        ta, tb = table(f"{a}/{name}", group, key), table(f"{b}/{name}", group, key)
        bad += [f"{name}:{group}/{col}" for col in sorted(set(ta) | set(tb)) if ta.get(col) != tb.get(col)]
    for group in ("fp", "quant", "quant_scratch"):
        attrs = [dict(h5py.File(f"{d}/predictors.h5", "r")[group].attrs) for d in (a, b)]
        same = lambda x, y: x == y or (x != x and y != y)  # NaN (cross-validation off) matches NaN
        bad += [f"predictors.h5:/{group}@{k}" for k in ("rmse", "pearson", "kendall_tau", "n_train", "cv_kendall_tau")
                if not same(attrs[0].get(k), attrs[1].get(k))]
    if "--supernet" in sys.argv[3:]:
        sa, sb = arrays(f"{a}/supernet.h5"), arrays(f"{b}/supernet.h5")
        bad += [f"supernet.h5:{n}" for n in sorted(set(sa) | set(sb))
                if n not in sa or n not in sb or not np.array_equal(sa[n], sb[n], equal_nan=sa[n].dtype.kind == "f")]
    if bad:
        sys.exit("differ: " + ", ".join(bad))
    print("identical:", ", ".join(f"{n}:{g}" for n, g, _ in checks) + (", supernet.h5" if "--supernet" in sys.argv else ""))


if __name__ == "__main__":
    main()
