"""make_image_sets.py OUT_DIR fashion TRAIN TEST | random TRAIN TEST [SIDE]

Writes OUT_DIR/train.h5 and OUT_DIR/test.h5 as apq-actors image sets (docs/DATA.md): `fashion`
takes the first TRAIN and TEST images of Debian's Fashion-MNIST files (chunked by 64 images),
`random` makes TRAIN and TEST random 1 x SIDE x SIDE images (SIDE 28 by default) with random
labels (contiguous), written a block at a time so the script's own memory stays small.
"""
import gzip
import os
import sys

import h5py
import numpy as np

FASHION = "/usr/share/datasets/fashion-mnist"


def idx(name, offset, count, shape):
    with gzip.open(os.path.join(FASHION, name)) as f:
        f.read(offset)
        return np.frombuffer(f.read(count * int(np.prod(shape))), dtype=np.uint8).reshape((count,) + shape)


def write(path, count, side, fill, chunks):
    with h5py.File(path, "w") as f:
        f.attrs["schema"] = "apq-actors/image-set"
        f.attrs["schema_version"] = 1
        f.attrs["num_classes"] = 10
        images = f.create_dataset("images", (count, 1, side, side), dtype=np.uint8, chunks=chunks)
        labels = f.create_dataset("labels", (count,), dtype=np.int32)
        fill(images, labels)


def main():
    out, kind, train, test = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    os.makedirs(out, exist_ok=True)
    if kind == "fashion":
        for split, prefix, n in (("train", "train", train), ("test", "t10k", test)):
            def fill(images, labels, prefix=prefix, n=n):
                images[:] = idx(f"{prefix}-images-idx3-ubyte.gz", 16, n, (28, 28))[:, None]
                labels[:] = idx(f"{prefix}-labels-idx1-ubyte.gz", 8, n, ())
            write(f"{out}/{split}.h5", n, 28, fill, (64, 1, 28, 28))
        return
    side = int(sys.argv[5]) if len(sys.argv) > 5 else 28
    rng = np.random.default_rng(1)
    for split, n in (("train", train), ("test", test)):
        def fill(images, labels, n=n):
            for first in range(0, n, 8192):
                last = min(n, first + 8192)
                images[first:last] = rng.integers(0, 256, (last - first, 1, side, side), dtype=np.uint8)
                labels[first:last] = rng.integers(0, 10, last - first, dtype=np.int32)
        write(f"{out}/{split}.h5", n, side, fill, None)


if __name__ == "__main__":
    main()
