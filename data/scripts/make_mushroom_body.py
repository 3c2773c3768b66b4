"""Make data/mushroom_body/connectome.npz: the Drosophila larva mushroom-body connectome.

Source: Eichler et al. (2017), "The complete connectome of a learning and memory centre in
an insect brain", Nature 548, 175-182, as redistributed (MIT licence) inside the PyPI wheel
of ``graspologic``: ``graspologic/datasets/drosophila/{left,right}_adjacency.csv`` (one row
of whitespace-separated synapse counts per neuron) and ``{left,right}_cell_labels.csv`` (one
cell-type letter per neuron). Get the wheel with ``pip download --no-deps graspologic==3.4.4``
(it is read as a zip; graspologic itself is not installed) and pass it as ``--wheel``, or
pass the unpacked ``graspologic/datasets/drosophila`` folder.

Output arrays: ``left_adjacency (209, 209) uint16``, ``left_labels (209,) <U1``,
``right_adjacency (213, 213) uint16``, ``right_labels (213,) <U1``, ``label_names (4,) <U17``
and ``label_codes (4,) <U1`` (K Kenyon cell, I input neuron, O output neuron, P projection
neuron). Neurons keep the order of the source files.

Usage:  python data/scripts/make_mushroom_body.py --wheel graspologic-3.4.4-py3-none-any.whl
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from _common import finish, npz_bytes, parser, sha256_file, write_and_check

SCRIPT = "data/scripts/make_mushroom_body.py"
MEMBER = "graspologic/datasets/drosophila/{}"
CODES = {"K": "Kenyon cell", "I": "input neuron", "O": "output neuron", "P": "projection neuron"}


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--wheel", type=Path, required=True,
                   help="graspologic-*.whl from `pip download --no-deps graspologic==3.4.4`, "
                        "or the folder graspologic/datasets/drosophila")
    args = p.parse_args()
    if args.wheel.is_dir():
        read = lambda name: (args.wheel / name).read_bytes()          # noqa: E731
        where = f"{args.wheel.name}/"
    else:
        zf = zipfile.ZipFile(args.wheel)
        read = lambda name: zf.read(MEMBER.format(name))               # noqa: E731
        where = f"{args.wheel.name} (sha256 {sha256_file(args.wheel)}):{MEMBER.format('')}"
    arrays = {"label_codes": np.array(list(CODES)), "label_names": np.array(list(CODES.values()))}
    for side in ("left", "right"):
        A = np.loadtxt(io.BytesIO(read(f"{side}_adjacency.csv")), dtype=np.int64, ndmin=2)
        labels = np.array(read(f"{side}_cell_labels.csv").decode("ascii").split())
        if A.shape != (len(labels), len(labels)) or A.min() < 0 or A.max() >= 2 ** 16:
            raise ValueError(f"{side}: adjacency {A.shape} does not fit {len(labels)} labels / uint16")
        if not set(labels) <= set(CODES):
            raise ValueError(f"{side}: unknown cell types {set(labels) - set(CODES)}")
        arrays[f"{side}_adjacency"] = A.astype(np.uint16)
        arrays[f"{side}_labels"] = labels
    src = f"graspologic 3.4.4 wheel (MIT), data of Eichler et al. 2017: {where}{{left,right}}_{{adjacency,cell_labels}}.csv"
    finish(write_and_check(args, "mushroom_body/connectome.npz", npz_bytes(arrays), script=SCRIPT, source=src))


if __name__ == "__main__":
    main()
