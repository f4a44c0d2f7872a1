"""Checks the files of a finished tiny run against docs/HDF5.md (every file, its schema and the
datasets the later stages and users read), and that each dataset item id appears once."""
import configparser
import os
import sys

import h5py

run = sys.argv[1]
config = configparser.ConfigParser()
with open(os.path.join(os.environ["APQ_SOURCE_DIR"], "configs", "tiny.ini")) as ini:
    config.read_string("[top]\n" + ini.read())  # keys before the first section
fp_samples = config.getint("collect-fp", "samples")
quant_samples = config.getint("collect-quant", "samples")
top_k = config.getint("finalize", "top-k")

expected = {
    "supernet.h5": "apq-actors/supernet",
    "costs.h5": "apq-actors/cost-table",
    "fp_dataset.h5": "apq-actors/fp-dataset",
    "quant_dataset.h5": "apq-actors/quant-dataset",
    "predictors.h5": "apq-actors/predictors",
    "search.h5": "apq-actors/search",
    "final.h5": "apq-actors/final",
}
problems = []


def check(ok, what):
    if not ok:
        problems.append(what)


for name, schema in expected.items():
    path = os.path.join(run, name)
    if not os.path.exists(path):
        problems.append(f"{name} is missing")
        continue
    with h5py.File(path, "r") as f:
        got = f.attrs.get("schema")
        got = got.decode() if isinstance(got, bytes) else got
        check(got == schema, f"{name}: schema {got!r}, expected {schema!r}")
        check(int(f.attrs.get("schema_version", 0)) >= 1, f"{name}: schema_version missing")

with h5py.File(os.path.join(run, "supernet.h5"), "r") as f:
    check(int(f.attrs["completed"]) == 1, "supernet.h5: training not marked completed")
    check(len(f["weights"]) > 0, "supernet.h5: no weights")

for name, samples, extra in (("fp_dataset.h5", fp_samples, []),
                             ("quant_dataset.h5", quant_samples, ["policy", "policy_code", "bitops", "latency_ms", "energy_mj"])):
    with h5py.File(os.path.join(run, name), "r") as f:
        items = f["items"]
        ids = list(items["id"][:])
        check(sorted(ids) == list(range(samples)), f"{name}: ids {sorted(ids)} are not 0..{samples - 1} once each")
        for column in ["arch", "arch_code", "accuracy"] + extra:
            check(column in items and len(items[column]) == len(ids), f"{name}: column {column} missing or short")
        acc = items["accuracy"][:]
        check(((acc >= 0) & (acc <= 1)).all(), f"{name}: accuracy outside [0, 1]")

with h5py.File(os.path.join(run, "predictors.h5"), "r") as f:
    for group in ("fp", "quant", "quant_scratch"):
        check(group in f and "weights" in f[group], f"predictors.h5: /{group}/weights missing")
        if group in f:
            check("kendall_tau" in f[group].attrs, f"predictors.h5: /{group} has no kendall_tau")

with h5py.File(os.path.join(run, "final.h5"), "r") as f:
    check(len(f["report"]["arch"]) == top_k, f"final.h5: {len(f['report']['arch'])} report rows, expected {top_k}")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print("layout ok:", ", ".join(expected))
