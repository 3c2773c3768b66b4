"""The course's data: one call per dataset, every shipped file verified on load.

``load(name, **options)`` returns a :class:`Bunch` (a dict with attribute access).
Data comes either from files in the repository's ``data/`` folder, each listed with its
SHA-256 in ``data/MANIFEST.json``, or from files bundled inside installed packages
(scikit-learn, scikit-image, ...). Nothing is ever downloaded.

``list_datasets()`` gives a table of what is available, with source, licence and citation.
Set ``LOWDIM_DATA`` to use a ``data/`` folder elsewhere.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["load", "list_datasets", "register", "data_dir", "data_path", "verify_all",
           "Bunch", "DataIntegrityError", "sha256_of"]


class DataIntegrityError(RuntimeError):
    """A shipped data file is missing or does not match its checksum."""


class Bunch(dict):
    """A dict whose keys are also attributes: ``d.X`` is ``d["X"]``."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"this dataset has no field {key!r}; fields: {sorted(self)}") from None

    def __dir__(self):
        return list(self.keys())


def data_dir() -> Path:
    """The folder holding the shipped data (``$LOWDIM_DATA`` or the repository's ``data/``)."""
    env = os.environ.get("LOWDIM_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "data"


def sha256_of(path: Path | str) -> str:
    """The hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _manifest() -> dict:
    path = data_dir() / "MANIFEST.json"
    if not path.exists():
        raise DataIntegrityError(f"the checksum manifest {path} is missing; restore it with "
                                 "`git checkout -- data/MANIFEST.json`.")
    return json.loads(path.read_text())["files"]


_VERIFIED: dict[str, tuple[int, int]] = {}


def data_path(relpath: str) -> Path:
    """Path of the shipped file ``data/<relpath>``, after checking it against the manifest.

    Raises:
        DataIntegrityError: the file is not in the manifest, is missing, or its checksum
            differs; the message names the file and how to restore it.
    """
    if not isinstance(relpath, str) or not relpath:
        raise TypeError(f"relpath must be a non-empty string such as 'fashion_mnist/train.npz', got {relpath!r}.")
    files = _manifest()
    if relpath not in files:
        raise DataIntegrityError(f"data/{relpath} is not listed in data/MANIFEST.json; known files: "
                                 f"{sorted(files)}.")
    entry = files[relpath]
    path = data_dir() / relpath
    restore = (f"restore it with `git checkout -- data/{relpath}`"
               + (f" or regenerate it with `python {entry['script']}`" if entry.get("script") else ""))
    if not path.exists():
        raise DataIntegrityError(f"data file data/{relpath} is missing; {restore}.")
    st = path.stat()
    stamp = (st.st_size, st.st_mtime_ns)
    if _VERIFIED.get(str(path)) != stamp:
        digest = sha256_of(path)
        if digest != entry["sha256"]:
            raise DataIntegrityError(f"data file data/{relpath} is corrupted (sha256 {digest[:12]}… but "
                                     f"the manifest expects {entry['sha256'][:12]}…); {restore}.")
        _VERIFIED[str(path)] = stamp
    return path


def verify_all() -> list[str]:
    """Verify every file in the manifest; return their names (raises on the first bad one)."""
    return [str(data_path(rel)) and rel for rel in sorted(_manifest())]


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    loader: object
    description: str
    source: str
    licence: str
    citation: str
    shipped: bool  # True: files in data/; False: bundled in an installed package


_REGISTRY: dict[str, DatasetInfo] = {}


def register(name: str, *, description: str, source: str, licence: str, citation: str = "",
             shipped: bool = False):
    """Decorator adding a loader function to the registry under ``name``."""
    def deco(fn):
        _REGISTRY[name] = DatasetInfo(name, fn, description, source, licence, citation, shipped)
        return fn
    return deco


def load(name: str, **options) -> Bunch:
    """Load the dataset ``name`` (see :func:`list_datasets`); options go to its loader."""
    if name not in _REGISTRY:
        raise KeyError(f"name must be one of {sorted(_REGISTRY)}, got {name!r}.")
    return _REGISTRY[name].loader(**options)


def list_datasets():
    """A pandas table of the registered datasets."""
    import pandas as pd
    return pd.DataFrame([{"name": i.name, "description": i.description, "source": i.source,
                          "licence": i.licence, "shipped in data/": i.shipped}
                         for i in _REGISTRY.values()]).set_index("name")


def _check_choice(value, name, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}.")
    return value


# --------------------------------------------------------------------------------------
# Datasets bundled inside installed packages
# --------------------------------------------------------------------------------------

@register("digits", description="1797 handwritten digits, 8x8 grey levels 0..16 (UCI optical digits test set)",
          source="scikit-learn (bundled: sklearn.datasets.load_digits)", licence="CC BY 4.0",
          citation="Alpaydin & Kaynak (1998), UCI Machine Learning Repository")
def _load_digits() -> Bunch:
    """Returns ``X: (1797, 64) float32`` in [0, 16], ``y: (1797,) int64``, ``images: (1797, 8, 8)``."""
    from sklearn.datasets import load_digits
    d = load_digits()
    X = d.data.astype(np.float32)
    return Bunch(X=X, y=d.target.astype(np.int64), images=X.reshape(-1, 8, 8),
                 target_names=[str(t) for t in d.target_names], image_shape=(8, 8))


@register("sample_images", description="Two 427x640 RGB photographs (china.jpg, flower.jpg)",
          source="scikit-learn (bundled: sklearn.datasets.load_sample_images)", licence="CC BY 2.0",
          citation="Photos by Joanna Kosinska / Vincent Brunhes, via scikit-learn")
def _load_sample_images(gray: bool = False) -> Bunch:
    """Returns ``images``: list of ``(427, 640, 3) uint8`` (or ``(427, 640) float32`` in [0,1] if ``gray``)."""
    from sklearn.datasets import load_sample_images
    d = load_sample_images()
    imgs = [np.asarray(im) for im in d.images]
    if gray:
        imgs = [(im.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)) / 255.0 for im in imgs]
    return Bunch(images=imgs, names=[Path(f).name for f in d.filenames])


@register("faces", description="200 face crops, 25x25 grey levels in [0,1] (100 faces, 100 non-faces)",
          source="scikit-image (bundled: skimage.data.lfw_subset)", licence="LFW: research use",
          citation="Huang et al. (2007), Labeled Faces in the Wild, UMass TR 07-49")
def _load_faces(faces_only: bool = True) -> Bunch:
    """Returns ``X: (100, 625) float32`` (faces only; 200 with ``faces_only=False``), ``images: (m, 25, 25)``,
    ``y`` (1 = face, 0 = non-face)."""
    from skimage.data import lfw_subset
    imgs = lfw_subset().astype(np.float32)
    y = np.r_[np.ones(100, np.int64), np.zeros(100, np.int64)]
    if faces_only:
        imgs, y = imgs[:100], y[:100]
    return Bunch(X=imgs.reshape(len(imgs), -1), images=imgs, y=y, image_shape=(25, 25))


@register("skimage_image", description="Bundled scikit-image photographs (camera, astronaut, coins, ...)",
          source="scikit-image (bundled in skimage/data)", licence="public domain / CC0 (see skimage/data/README.txt)",
          citation="van der Walt et al. (2014), scikit-image")
def _load_skimage_image(image: str = "camera", gray: bool = True) -> Bunch:
    """Returns ``image``: ``(h, w) float32`` in [0, 1] if ``gray``, else the stored array."""
    import skimage.data as skd
    from skimage.color import rgb2gray
    bundled = ["astronaut", "brick", "camera", "cell", "chelsea", "coffee", "coins", "grass", "gravel",
               "horse", "hubble_deep_field", "moon", "page", "retina", "rocket", "text"]
    _check_choice(image, "image", bundled)
    img = getattr(skd, image)()
    if gray:
        img = rgb2gray(img) if img.ndim == 3 else img.astype(np.float64) / (255.0 if img.dtype == np.uint8 else 1.0)
        img = img.astype(np.float32)
    return Bunch(image=img, name=image)
