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
With more than 100 subnets it also scores the loss on the images that reference subnets do not
mostly miss (settled_images).
Usage: label_targets.py FILE [FILE ...]"""
import sys

import h5py
import numpy as np

from fp_label_models import kendall_tau  # bench/, beside this script


def halves(per_image):
    """The mean over the images at even and at odd positions (NaN: an image left out)."""
    return np.nanmean(per_image[:, 0::2], 1), np.nanmean(per_image[:, 1::2], 1)


def r(a, b):
    return float(np.corrcoef(a, b)[0, 1])


def figures(per_image, hit):
    """A target's split-half r, reliability, validity against top-1 and worth, and its halves."""
    even, odd = halves(per_image)
    top1 = halves(hit)
    r_half = r(even, odd)
    cross = 0.5 * (r(even, top1[1]) + r(odd, top1[0]))
    validity = cross / np.sqrt(r_half * r(*top1))
    reliability = 2 * r_half / (1 + r_half)
    return r_half, reliability, validity, np.sqrt(reliability) * validity, (even, odd)


def row(name, per_image, hit):
    """Prints a target's split-half r and tau, reliability, validity against top-1, and worth."""
    r_half, reliability, validity, worth, (even, odd) = figures(per_image, hit)
    print(f"  {name:30s} {r_half:12.3f} {kendall_tau(even, odd):6.3f} {reliability:11.3f} {validity:8.3f} "
          f"{worth:6.3f}")


def settled_images(loss, hit, held=50, seed=1):
    """The loss on the images that k reference subnets do not mostly miss (the others are often
    mislabeled or ambiguous: their loss measures confidence more than accuracy), against the
    loss on every image. The first `held` subnets are the references; the rest are scored, and a
    bootstrap over them gives the standard error of each difference."""
    rest = np.arange(held, len(loss))
    rng = np.random.default_rng(seed)

    def stats(rows, keep):  # [all images, kept images] x [reliability, validity, worth]
        # The left-out images are NaN, not removed: the kept images keep their positions, so
        # each half of the target shares no image with the other half of top-1.
        return np.array([figures(per_image, hit[rows])[1:4]
                         for per_image in (-loss[rows], np.where(keep, -loss[rows], np.nan))])

    print(f"  the loss on the images k reference subnets (of the first {held}) do not mostly miss, "
          f"scored on the other {len(rest)} subnets:")
    print(f"  {'references':30s} {'images kept':>11s} {'reliability':>11s} {'validity':>8s} {'worth':>6s}"
          f"   {'(all images: reliability, validity, worth; 1 SE of each difference)'}")
    for k in (4, 8, 16, held):
        for right in (0.0, 0.25):
            keep = hit[:k].mean(0) > right
            here = stats(rest, keep)
            boot = [np.diff(stats(rng.choice(rest, len(rest)), keep), axis=0)[0] for _ in range(200)]
            se = np.std(boot, axis=0)
            print(f"  {k:3d}, more than {100 * right:2.0f}% right    {100 * keep.mean():10.1f}% {here[1][0]:11.3f} "
                  f"{here[1][1]:8.3f} {here[1][2]:6.3f}   ({here[0][0]:.3f}, {here[0][1]:.3f}, {here[0][2]:.3f}; "
                  f"{se[0]:.3f}, {se[1]:.3f}, {se[2]:.3f})")


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
    if items > 100:
        settled_images(loss, hit)
