"""Make data/fashion_mnist/{train,test}.npz: a class-stratified subset of Fashion-MNIST.

Source: the four IDX files of Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, MIT licence), as
installed by the Debian package ``dataset-fashion-mnist`` into
``/usr/share/datasets/fashion-mnist`` (``apt-get install dataset-fashion-mnist``), or the
same four ``*-ubyte.gz`` files from the project's GitHub release.

Subset: from the 60 000 training images, 1 000 per class (10 000); from the 10 000 test
images, 200 per class (2 000); drawn without replacement with ``np.random.default_rng(0)``,
classes in order 0..9, then sorted back into their original order. Each file holds
``images (n, 28, 28) uint8``, ``labels (n,) uint8``, ``source_index (n,) int32`` (the row in
the original IDX file) and ``class_names (10,) <U11``.

Usage:  python data/scripts/make_fashion_mnist.py [--source /usr/share/datasets/fashion-mnist]
"""
from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from _common import finish, npz_bytes, parser, sha256_file, write_and_check

SCRIPT = "data/scripts/make_fashion_mnist.py"
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
PER_CLASS = {"train": 1000, "test": 200}
FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
         "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
SEED = 0


def read_idx(path: Path) -> np.ndarray:
    """Read a gzip-compressed IDX file (big-endian header: magic, then one uint32 per dimension)."""
    raw = gzip.open(path, "rb").read()
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: header says {dims}, found {data.size} values")
    return data.reshape(dims)


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--source", type=Path, default=Path("/usr/share/datasets/fashion-mnist"),
                   help="folder with the four Fashion-MNIST *-ubyte.gz files "
                        "(default: where Debian's dataset-fashion-mnist installs them)")
    args = p.parse_args()
    rng = np.random.default_rng(SEED)
    ok = True
    for split in ("train", "test"):   # this order fixes the random stream
        img_file, lab_file = (args.source / f for f in FILES[split])
        images, labels = read_idx(img_file), read_idx(lab_file)
        chosen = [rng.choice(np.flatnonzero(labels == c), PER_CLASS[split], replace=False) for c in range(10)]
        idx = np.sort(np.concatenate(chosen))
        arrays = {"images": images[idx], "labels": labels[idx].astype(np.uint8),
                  "source_index": idx.astype(np.int32), "class_names": np.array(CLASS_NAMES)}
        source = (f"Fashion-MNIST (Debian dataset-fashion-mnist): {img_file.name} sha256 {sha256_file(img_file)}, "
                  f"{lab_file.name} sha256 {sha256_file(lab_file)}; {PER_CLASS[split]} per class, seed {SEED}")
        ok &= write_and_check(args, f"fashion_mnist/{split}.npz", npz_bytes(arrays), script=SCRIPT, source=source)
    finish(ok)


if __name__ == "__main__":
    main()
