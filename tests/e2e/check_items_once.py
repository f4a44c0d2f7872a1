"""check_items_once.py DATASET_H5 N: exit 0 when the dataset's items/id holds 0..N-1, each once."""
import sys

import h5py

ids = sorted(h5py.File(sys.argv[1], "r")["items/id"][:].tolist())
n = int(sys.argv[2])
if ids != list(range(n)):
    sys.exit(f"{len(ids)} rows, {len(ids) - len(set(ids))} duplicated, {n - len(set(ids))} missing")
