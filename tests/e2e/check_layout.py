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
gain_items = config.getint("finalize", "gain-items")

expected = {
    "supernet.h5": "apq-actors/supernet",
    "costs.h5": "apq-actors/cost-table",
    "fp_dataset.h5": "apq-actors/fp-dataset",
    "quant_dataset.h5": "apq-actors/quant-dataset",
    "predictors.h5": "apq-actors/predictors",
    "search.h5": "apq-actors/search",
    "final.h5": "apq-actors/final",
    "finetune_gain.h5": "apq-actors/quant-dataset",
    "report.h5": "apq-actors/report",
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

# The search scenario: search.h5, final.h5 and models link into scenarios/<name>/, which also holds
# the scenario's cost table.
scenarios = sorted(os.listdir(os.path.join(run, "scenarios"))) if os.path.isdir(os.path.join(run, "scenarios")) else []
check(len(scenarios) == 1, f"scenarios/: {scenarios}, expected one scenario")
for name in ("search.h5", "final.h5", "models"):
    target = os.readlink(os.path.join(run, name)) if os.path.islink(os.path.join(run, name)) else None
    check(scenarios and target == f"scenarios/{scenarios[0]}/{name}", f"{name}: links to {target}")
if scenarios:
    check(os.path.exists(os.path.join(run, "scenarios", scenarios[0], "costs.h5")), "the scenario has no costs.h5")

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
        # The two halves of the evaluation images: disjoint, together all of them, and their
        # counts and losses add up to the item's top-1 and loss.
        for column in ("loss", "images", "even_images", "even_correct", "even_loss", "odd_images", "odd_correct", "odd_loss"):
            check(column in items and len(items[column]) == len(ids), f"{name}: column {column} missing or short")
        if all(c in items for c in ("images", "even_images", "odd_images", "even_correct", "odd_correct", "loss")):
            n, ne, no = items["images"][:], items["even_images"][:], items["odd_images"][:]
            ce, co = items["even_correct"][:], items["odd_correct"][:]
            check(((ne + no) == n).all() and (abs(ne - no) <= 1).all(), f"{name}: halves do not split the images")
            check((abs((ce + co) / n - acc) < 1e-12).all(), f"{name}: half counts disagree with accuracy")
            mixed = (items["even_loss"][:] * ne + items["odd_loss"][:] * no) / n
            check((abs(mixed - items["loss"][:]) < 1e-9 * (1 + abs(mixed))).all(), f"{name}: half losses disagree with loss")
        if name == "quant_dataset.h5":  # collect-quant.fp-accuracy is off by default: not measured
            fp_acc = items["fp_accuracy"][:]
            check((fp_acc != fp_acc).all(), f"{name}: fp_accuracy measured with collect-quant.fp-accuracy off")

with h5py.File(os.path.join(run, "predictors.h5"), "r") as f:
    for group in ("fp", "quant", "quant_scratch"):
        check(group in f and "members/0" in f[group], f"predictors.h5: /{group}/members/0 missing")
        if group in f:
            g = f[group]
            for attr in ("kendall_tau", "members", "label_target", "label_reliability", "label_tau_ceiling",
                         "label_split_half_tau"):
                check(attr in g.attrs, f"predictors.h5: /{group} has no {attr}")
            check(len(g["members"]) == g.attrs.get("members", -1), f"predictors.h5: /{group} member count")
            # tiny.ini's predictor.cv-folds = 3: every pair scored by the ensemble trained without it
            check(g.attrs.get("cv_folds") == 3 and -1 <= g.attrs.get("cv_kendall_tau", 9) <= 1 and
                  g.attrs.get("cv_kendall_tau_se", -1) >= 0, f"predictors.h5: /{group} cross-validation attributes")
            check(len(g["heldout/stddev"]) == len(g["heldout/target"]), f"predictors.h5: /{group}/heldout/stddev")
            # predictor.bitops-input (default true): the quantized predictors take log2(BitOps), trained
            if "members/0" in g:
                member = g["members/0"]
                if group == "fp":
                    check("bitops.weight" not in member, "predictors.h5: /fp has a bitops layer")
                else:
                    check("bitops.weight" in member and member["bitops.weight"].shape[1] == 1 and
                          abs(member["bitops.weight"][:]).max() > 0, f"predictors.h5: /{group} bitops layer missing or zero")

# The baselines: each search.h5 group holds at most one result; finalize measures the joint top K
# and every baseline that found one, with the same recipe.
baselines = ["staged", "random", "uniform8", "uniform4"]  # tiny.ini's bits are 4,8
with h5py.File(os.path.join(run, "search.h5"), "r") as f:
    found = []
    for method in baselines:
        check(method in f and f[method].attrs.get("completed") == 1, f"search.h5: /{method} missing or not completed")
        if method in f and "results" in f[method]:
            n = len(f[method]["results/arch"])
            check(n <= 1, f"search.h5: /{method} has {n} results")
            found += [method] * n
    check("random" in found and "uniform4" in found, f"search.h5: random and uniform4 fit any budget, found {found}")

with h5py.File(os.path.join(run, "final.h5"), "r") as f:
    methods = [m.decode() for m in f["report"]["method"][:]]
    check(methods == ["joint"] * top_k + found, f"final.h5: methods {methods}, expected {top_k} joint then {found}")
    ranks = list(f["report"]["rank"][:])
    check(ranks == list(range(len(methods))), f"final.h5: ranks {ranks}")
    # Every finalist is also measured as the labels are (what the predictor predicts).
    as_labelled = f["report"]["label_recipe_val_accuracy"][:]
    check(len(as_labelled) == len(ranks) and all(0 < a <= 1 for a in as_labelled),
          f"final.h5: label_recipe_val_accuracy {list(as_labelled)}")
    with h5py.File(os.path.join(run, "report.h5"), "r") as r:
        reported = r["finalized"]["label_recipe_val_accuracy"][:]
        check(sorted(reported) == sorted(as_labelled),
              f"report.h5: label_recipe_val_accuracy {list(reported)}, final.h5 {list(as_labelled)}")
        for column in ("forecast_val_accuracy", "forecast_stddev"):
            check(sorted(r["finalized"][column][:]) == sorted(f["report"][column][:]), f"report.h5: {column} differs from final.h5's")
    sd = f["report"]["forecast_stddev"][:]
    check(len(sd) == len(ranks) and all(0 < s < 1 for s in sd), f"final.h5: forecast_stddev {list(sd)}")
    # The forecast: each prediction plus the mean gain of finalize's recipe over the labels of
    # the gain-items best labelled items, measured on those same items (finetune_gain.h5).
    with h5py.File(os.path.join(run, "quant_dataset.h5"), "r") as q, \
            h5py.File(os.path.join(run, "finetune_gain.h5"), "r") as g:
        label = dict(zip(q["items/id"][:], q["items/accuracy"][:]))
        gain_ids = sorted(g["items/id"][:])
        best = sorted(sorted(label, key=lambda i: (-label[i], i))[:gain_items])
        check(gain_ids == best, f"finetune_gain.h5: ids {gain_ids}, expected the {gain_items} best labels' {best}")
        check(list(g["items/arch"][:]) == [q["items/arch"][list(q["items/id"][:]).index(i)] for i in g["items/id"][:]],
              "finetune_gain.h5: architectures differ from the labels' of the same ids")
        gains = [a - label[i] for i, a in zip(g["items/id"][:], g["items/accuracy"][:])]
        mean_gain = sum(gains) / len(gains) if gains else float("nan")
        expected_forecast = f["report"]["predicted_accuracy"][:] + mean_gain
        forecast = f["report"]["forecast_val_accuracy"][:]
        check(len(forecast) == len(ranks) and all(abs(a - b) < 1e-9 for a, b in zip(forecast, expected_forecast)),
              f"final.h5: forecast_val_accuracy {list(forecast)}, expected prediction + {mean_gain}")
    for rank in ranks:
        net = f[f"models/{rank}"]
        names = list(net["state_dict"])
        check("blocks.0.dw.conv.weight" in names and "classifier.linear.weight" in names,
              f"final.h5: models/{rank}/state_dict lacks PyTorch names, has {names[:4]}...")
        blocks = net["blocks"]
        columns = blocks.attrs["columns"].split(",")
        check(blocks.shape == (len([n for n in names if n.endswith(".dw.conv.weight") and n.startswith("blocks.")]), 12),
              f"final.h5: models/{rank}/blocks has shape {blocks.shape}")
        kernel = columns.index("kernel")
        for i, row in enumerate(blocks[()]):
            k = net["state_dict"][f"blocks.{i}.dw.conv.weight"].shape[-1]
            check(row[kernel] == k, f"final.h5: models/{rank}/blocks row {i} kernel {row[kernel]}, weights {k}")
        check(net.attrs["input_stddev"] > 0, f"final.h5: models/{rank} has no input normalisation")
        check(os.path.exists(os.path.join(run, "models", f"{rank}-{methods[rank]}.pt")),
              f"models/{rank}-{methods[rank]}.pt missing")

if problems:
    print("\n".join(problems))
    sys.exit(1)
for name in ("report.md", "report-transfer.svg", "report-methods.svg", "report-predicted.svg"):
    check(os.path.isfile(os.path.join(run, name)), f"{name} is missing")
print("layout ok:", ", ".join(expected))
