"""fp_label_models.py RUN_DIR [--quant]: how far simple models get on a run's accuracy labels.

Reads RUN_DIR/fp_dataset.h5 (items/arch_code, the predictor's one-hot input, and items/loss) and
prints, for the loss labels (the target `predictor.label-target = auto` picks on the quick run):
  - the labels' split-half reliability and tau ceiling, as the predictor stage computes them;
  - 5-fold Kendall tau of ridge regression (alpha 10 and 30) on the encoding, on the encoding
    plus its pairwise products, and of RBF kernel ridge, against the ceiling;
  - ridge's learning curve: mean held-out tau (120 held out, 20 random splits) against the
    number of training items.
A model-free check of whether the predictor's gap to the ceiling is the model or the data
(docs/PREDICTOR-AND-SEARCH.md). With --quant the same for quant_dataset.h5's loss labels, on the
quantization-aware predictor's inputs (architecture and policy codes, log2 of BitOps).
numpy and h5py only (Debian's /usr/bin/python3).
"""
import math
import sys

import h5py
import numpy as np


def kendall_tau(a, b):
    n, s = len(a), 0.0
    for i in range(n - 1):
        s += float((np.sign(a[i] - a[i + 1:]) * np.sign(b[i] - b[i + 1:])).sum())
    return s / (n * (n - 1) / 2)


def ridge(alpha):
    def fit_predict(xt, yt, xe):
        mu, sd = xt.mean(0), xt.std(0) + 1e-9
        z, ym = (xt - mu) / sd, yt.mean()
        if z.shape[1] <= z.shape[0]:
            w = np.linalg.solve(z.T @ z + alpha * np.eye(z.shape[1]), z.T @ (yt - ym))
        else:  # more features than items: the same solution from the items' side
            w = z.T @ np.linalg.solve(z @ z.T + alpha * np.eye(z.shape[0]), yt - ym)
        return ((xe - mu) / sd) @ w + ym
    return fit_predict


def pairwise(alpha):
    def features(x):
        i, j = np.triu_indices(x.shape[1], 1)
        return np.hstack([x, x[:, i] * x[:, j]])
    fit = ridge(alpha)
    return lambda xt, yt, xe: fit(features(xt), yt, features(xe))


def kernel_ridge(gamma, lam):
    def fit_predict(xt, yt, xe):
        def k(a, b):
            return np.exp(-gamma * ((a[:, None, :] - b[None, :, :]) ** 2).sum(2))
        ym = yt.mean()
        coef = np.linalg.solve(k(xt, xt) + lam * np.eye(len(xt)), yt - ym)
        return k(xe, xt) @ coef + ym
    return fit_predict


def main():
    quant = "--quant" in sys.argv[2:]
    items = h5py.File(f"{sys.argv[1]}/{'quant' if quant else 'fp'}_dataset.h5", "r")["items"]
    by_id = np.argsort(items["id"][:])  # rows are in completion order: folds by id, the same for the same items
    x = items["arch_code"][:][by_id].astype(np.float64)
    if quant:
        x = np.hstack([x, items["policy_code"][:][by_id], np.log2(items["bitops"][:][by_id])[:, None]])
    y = -items["loss"][:][by_id]
    even, odd = -items["even_loss"][:][by_id], -items["odd_loss"][:][by_id]
    n = len(y)
    r = np.corrcoef(even, odd)[0, 1]
    reliability = 2 * r / (1 + r)
    ceiling = 2 / math.pi * math.asin(math.sqrt(max(reliability, 0.0)))
    print(f"{n} loss labels: split-half tau {kendall_tau(even, odd):.3f}, reliability {reliability:.3f}, "
          f"tau ceiling {ceiling:.3f}")
    folds = np.array_split(np.random.default_rng(0).permutation(n), 5)

    def cross_validated(fit_predict):
        predicted = np.zeros(n)
        for k in range(5):
            train = np.concatenate([folds[j] for j in range(5) if j != k])
            predicted[folds[k]] = fit_predict(x[train], y[train], x[folds[k]])
        return kendall_tau(predicted, y)

    for name, model in (("ridge (alpha 10)", ridge(10)), ("ridge (alpha 30)", ridge(30)),
                        ("ridge + pairwise products (alpha 1000)", pairwise(1000)),
                        ("RBF kernel ridge (gamma 0.01, lambda 0.03)", kernel_ridge(0.01, 0.03))):
        print(f"5-fold tau, {name}: {cross_validated(model):.3f}")
    rng = np.random.default_rng(1)
    held = min(120, n // 5)
    for m in [s for s in (100, 200, 300, 400, 480, 800, 1600) if s <= n - held]:
        taus = []
        for _ in range(20):
            p = rng.permutation(n)
            taus.append(kendall_tau(ridge(10)(x[p[held:held + m]], y[p[held:held + m]], x[p[:held]]), y[p[:held]]))
        print(f"learning curve, ridge: {m} training items -> held-out tau {np.mean(taus):.3f} "
              f"(+- {np.std(taus) / math.sqrt(len(taus)):.3f})")


if __name__ == "__main__":
    main()
