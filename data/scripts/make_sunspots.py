"""Make data/sunspots/yearly.npz: yearly mean sunspot numbers, 1700-2008.

Source: the yearly sunspot series of the National Geophysical Data Center (NOAA), public
domain, as bundled inside the PyPI wheel of ``statsmodels``:
``statsmodels/datasets/sunspots/sunspots.csv`` (a header ``"YEAR","SUNACTIVITY"`` and one
``year,value`` line per year; its ``data.py`` states "This data is public domain."). Get the
wheel with ``pip download --no-deps statsmodels==0.14.5`` (it is read as a zip; statsmodels
itself is not installed; every platform's wheel holds the same csv) and pass it as
``--wheel``, or pass the csv file itself.

Output arrays: ``year (309,) int16`` (1700 ... 2008, consecutive) and ``sunspots (309,)
float64`` (the yearly mean sunspot number of the source, version 1 of the international
series: values 0 ... 190.2, one decimal).

Usage:  python data/scripts/make_sunspots.py --wheel statsmodels-0.14.5-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from _common import finish, npz_bytes, parser, sha256_file, write_and_check

SCRIPT = "data/scripts/make_sunspots.py"
MEMBER = "statsmodels/datasets/sunspots/sunspots.csv"


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--wheel", type=Path, required=True,
                   help="statsmodels-*.whl from `pip download --no-deps statsmodels==0.14.5`, or sunspots.csv")
    args = p.parse_args()
    if args.wheel.suffix == ".csv":
        raw, where = args.wheel.read_bytes(), args.wheel.name
    else:
        raw = zipfile.ZipFile(args.wheel).read(MEMBER)
        where = f"{args.wheel.name} (sha256 {sha256_file(args.wheel)}):{MEMBER}"
    lines = raw.decode("ascii").split()
    if lines[0].replace('"', "") != "YEAR,SUNACTIVITY":
        raise ValueError(f"unexpected header {lines[0]!r}")
    rows = [line.split(",") for line in lines[1:]]
    year = np.array([int(y) for y, _ in rows], dtype=np.int64)
    spots = np.array([float(v) for _, v in rows], dtype=np.float64)
    if not (np.array_equal(year, np.arange(1700, 1700 + len(year))) and len(year) == 309
            and spots.min() >= 0 and np.isfinite(spots).all()):
        raise ValueError("the csv is not 309 consecutive years from 1700 with non-negative values")
    src = f"statsmodels 0.14.5 wheel (data public domain, NOAA NGDC): {where}"
    arrays = {"year": year.astype(np.int16), "sunspots": spots}
    finish(write_and_check(args, "sunspots/yearly.npz", npz_bytes(arrays), script=SCRIPT, source=src))


if __name__ == "__main__":
    main()
