"""Label targets by what they are worth to the predictor, from per-image results of many subnets
(build/bench/label_target_bench writes them and starts this script). For each target, every
subnet's label is its mean over the even and over the odd images. Across subnets:
  split-half r, tau   the two halves' Pearson r and Kendall tau;
  reliability         2r / (1 + r) (Spearman-Brown): the share of the label's variance on all
                      images that is not evaluation noise, as the predictor stage computes it;
  validity            the correlation of the target's true score with top-1's true score, from the
                      halves (one half's target against the other half's top-1, corrected for
                      both halves' noise): whether the target measures accuracy at all. A target
                      can be reliable by measuring something else consistently (confidence);
  worth               sqrt(reliability) x validity: the label's correlation with the subnet's true
                      top-1, what a predictor trained on it can at best recover.
Usage: label_targets.py FILE [FILE ...]"""
import sys

import h5py
import numpy as np

from fp_label_models import kendall_tau  # bench/, beside this script


def halves(per_image):
    return per_image[:, 0::2].mean(1), per_image[:, 1::2].mean(1)


def r(a, b):
    return float(np.corrcoef(a, b)[0, 1])


def row(name, per_image, hit):
    """Prints a target's split-half r and tau, reliability, validity against top-1, and worth."""
    even, odd = halves(per_image)
    top1 = halves(hit)
    r_half = r(even, odd)
    cross = 0.5 * (r(even, top1[1]) + r(odd, top1[0]))
    validity = cross / np.sqrt(r_half * r(*top1))
    reliability = 2 * r_half / (1 + r_half)
    print(f"  {name:30s} {r_half:12.3f} {kendall_tau(even, odd):6.3f} {reliability:11.3f} {validity:8.3f} "
          f"{np.sqrt(reliability) * validity:6.3f}")


for path in sys.argv[1:]:
    f = h5py.File(path, "r")
    loss, prob, margin, hit, flipped = (f[k][()].astype(np.float64)
                                        for k in ("loss", "prob", "margin", "hit", "flipped_loss"))
    items, images = loss.shape
    print(f"{path}: {items} subnets x {images} images; top-1 spread (std) {100 * hit.mean(1).std():.2f} points")
    targets = {
        "top-1": hit,
        "loss (the labels' target)": -loss,
        "correct-class probability": prob,
        "loss clipped at 1": -np.minimum(loss, 1.0),
        "loss clipped at 2": -np.minimum(loss, 2.0),
        "margin clipped to [-1, 1]": np.clip(margin, -1, 1),
        "margin clipped to [-2, 2]": np.clip(margin, -2, 2),
        "margin clipped to [-8, 8]": np.clip(margin, -8, 8),
        "sigmoid(margin)": 1 / (1 + np.exp(-margin)),
        "loss, image and its mirror": -(loss + flipped) / 2,
    }
    print(f"  {'target':30s} {'split-half r':>12s} {'tau':>6s} {'reliability':>11s} {'validity':>8s} {'worth':>6s}")
    for name, per_image in targets.items():
        row(name, per_image, hit)
    # Leaving out the images that reference subnets mostly miss (mislabeled or ambiguous ones):
    # the first 8 subnets pick the images, the others are scored, with and without them.
    keep = hit[:8].mean(0) > 0.25
    print(f"  images that more than 2 of the first 8 subnets get right: {keep.sum()} of {images}; the other subnets:")
    row("loss, all images", -loss[8:], hit[8:])
    row("loss, those images", -loss[8:, keep], hit[8:])
