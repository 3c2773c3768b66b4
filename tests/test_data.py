"""Tests of lowdim_utils.data: every loader's documented fields, the checksum manifest,
damaged or missing files, bad options, and the determinism of the data scripts' writers."""
from __future__ import annotations

import importlib.util
import io
import json
import pickle
import shutil
import zlib
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from lowdim_utils import data as D
from lowdim_utils.data import DataIntegrityError, load

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
MANIFEST = json.loads((DATA / "MANIFEST.json").read_text())["files"]


def check_array(a, shape, dtype):
    assert isinstance(a, np.ndarray), type(a)
    assert a.shape == shape, (a.shape, shape)
    assert a.dtype == np.dtype(dtype), (a.dtype, dtype)


# ---------------------------------------------------------------- manifest and folder

def test_manifest_lists_every_shipped_file_with_checksum_size_and_script():
    shipped = {p.relative_to(DATA).as_posix() for p in DATA.rglob("*") if p.is_file()
               and p.parts[len(DATA.parts)] not in ("scripts", "LICENSES")
               and p.name not in ("MANIFEST.json", "README.md")}
    assert shipped == set(MANIFEST), "files in data/ and data/MANIFEST.json disagree"
    for rel, entry in MANIFEST.items():
        path = DATA / rel
        assert path.stat().st_size == entry["bytes"], rel
        assert D.sha256_of(path) == entry["sha256"], rel
        assert (ROOT / entry["script"]).is_file(), entry["script"]
        assert entry["script"].startswith("data/scripts/make_") and entry.get("source")


def test_data_folder_is_small():
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total < 15e6, f"data/ holds {total / 1e6:.1f} MB; the budget is 15 MB"


def test_no_machine_paths_in_data_folder():
    for p in DATA.rglob("*"):
        if p.is_file() and p.suffix in (".py", ".md", ".json", ".txt"):
            text = p.read_text(encoding="utf-8")
            assert not any(f"/{top}/" in text for top in ("work", "root", "home")), p


def test_every_shipped_dataset_has_a_readme_entry_and_licence():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for rel in MANIFEST:
        assert f"`{rel}`" in readme, rel
    assert len(list((DATA / "LICENSES").glob("*.txt"))) >= 5


def test_verify_all_and_cli():
    assert sorted(D.verify_all()) == sorted(MANIFEST)
    assert D._main(["verify"]) == 0


# ---------------------------------------------------------------- loaders: shipped data

@pytest.mark.parametrize("split,n", [("train", 10000), ("test", 2000)])
def test_fashion_mnist(split, n):
    d = load("fashion_mnist", split=split)
    check_array(d.X, (n, 784), np.uint8)
    check_array(d.images, (n, 28, 28), np.uint8)
    check_array(d.y, (n,), np.int64)
    check_array(d.source_index, (n,), np.int64)
    assert np.array_equal(np.bincount(d.y), np.full(10, n // 10))          # stratified
    assert len(d.class_names) == 10 and d.class_names[9] == "Ankle boot"
    assert np.all(np.diff(d.source_index) > 0)
    assert d.X.max() == 255 and d.X.min() == 0
    f = load("fashion_mnist", split=split, normalize=True)
    check_array(f.X, (n, 784), np.float32)
    assert f.X.max() == 1.0 and np.allclose(f.X * 255, d.X)


def test_fashion_mnist_train_and_test_come_from_different_source_files():
    # same seed stream, different files: the samples must not be identical copies
    tr, te = load("fashion_mnist", split="train"), load("fashion_mnist", split="test")
    assert te.source_index.max() < 10000 <= tr.source_index.max()


@pytest.fixture(scope="module")
def corpus_all():
    return load("corpus")


def test_corpus_all(corpus_all):
    d = corpus_all
    assert len(d.sentences) == len(d.documents) == len(d.sources) == 9996 + 31102
    assert d.n_tokens == sum(map(len, d.sentences)) == 1514078
    assert 1.4e6 < d.n_tokens < 1.6e6
    assert d.sources[0] == "Sense and Sensibility" and d.sources[-1] == "Revelation 22:21"
    assert d.sentences[0][:4] == ["the", "family", "of", "dashwood"]
    assert all(isinstance(t, str) and t == t.lower() for t in d.sentences[9996][:20])
    assert d.text.count("\n") == len(d.documents) - 1
    # cleaned: no markup or licence boilerplate
    assert "Gutenberg" not in d.text and "_" not in d.text and "A NOTE ON THE TEXT" not in d.text
    novels = [s for s in dict.fromkeys(d.sources[:9996])]
    assert novels == ["Sense and Sensibility", "Pride and Prejudice", "Mansfield Park", "Emma",
                      "Northanger Abbey", "Persuasion"]


def test_corpus_bible_is_the_tail_of_all(corpus_all):
    b = load("corpus", which="bible", lowercase=False)
    assert len(b.documents) == 31102 and b.sources[0] == "Genesis 1:1"
    assert b.documents == corpus_all.documents[9996:]
    assert b.sentences[0][:3] == ["In", "the", "beginning"]


def test_tokenize():
    assert D.tokenize("Emma's to-morrow, _them_ 1760!") == ["emma's", "to", "morrow", "them", "1760"]
    assert D.tokenize("LORD God", lowercase=False) == ["LORD", "God"]
    with pytest.raises(TypeError, match="text must be a str"):
        D.tokenize(["a"])


def test_wordnet_mammals():
    d = load("wordnet_mammals")
    assert len(d.nodes) == 1180 and len(set(d.nodes)) == 1180
    check_array(d.closure, (6540, 2), np.int64)
    check_array(d.distance, (6540,), np.int64)
    check_array(d.depth, (1180,), np.int64)
    assert d.nodes[d.root] == "mammal.n.01" and d.depth[d.root] == 0
    assert "dog.n.01" in d.nodes and "tusker.n.01" not in d.nodes
    pairs = set(map(tuple, d.closure.tolist()))
    assert len(pairs) == 6540 and all(u != v for u, v in pairs)
    assert set(map(tuple, d.edges.tolist())) <= pairs
    # every node but the root reaches the root; the closure is transitively closed
    assert sum(1 for u, v in pairs if v == d.root) == 1179
    up = {}
    for u, v in pairs:
        up.setdefault(u, set()).add(v)
    for u, ancestors in up.items():
        for a in ancestors:
            assert up.get(a, set()) <= ancestors


def test_wordnet_nouns_full():
    d = load("wordnet_nouns")
    n, m = 82115, 106614
    assert len(d.names) == n and d.names[0] == "entity.n.01"
    for key, shape in [("y", (n,)), ("depth", (n,)), ("index", (n,)), ("offsets", (n,)),
                       ("edges", (m, 2)), ("relation", (m,))]:
        check_array(d[key], shape, np.int64)
    assert len(d.supersense_names) == 26 and set(np.unique(d.y)) == set(range(26))
    assert d.supersense_names[d.y[d.names.index("dog.n.01")]] == "noun.animal"
    assert d.relation_names == ["hypernym", "instance_hypernym", "member_holonym", "part_holonym",
                                "substance_holonym"]
    assert np.array_equal(np.bincount(d.relation), [75850, 8577, 12293, 9097, 797])
    assert sp.issparse(d.adjacency) and d.adjacency.shape == (n, n) and d.adjacency.dtype == np.float32
    assert (d.adjacency != d.adjacency.T).nnz == 0
    assert d.depth[0] == 0 and d.depth.min() == 0 and (d.depth[1:] > 0).all()


def test_wordnet_nouns_subgraphs():
    a = load("wordnet_nouns", root="animal.n.01")
    assert len(a.names) == 4017 and a.names[0] == "animal.n.01"
    assert a.edges.max() < len(a.names) and a.adjacency.shape == (4017, 4017)
    b = load("wordnet_nouns", max_depth=4, relations=["hypernym"], as_networkx=True)
    assert len(b.names) == 2274 and (b.depth <= 4).all() and (b.relation == 0).all()
    G = b.graph
    assert G.number_of_nodes() == 2274 and G.number_of_edges() == len(b.edges)
    assert G.nodes[0]["name"] == "entity.n.01" and G.nodes[0]["supersense"] == "noun.Tops"


@pytest.mark.parametrize("hemisphere,n,counts", [("left", 209, [101, 21, 29, 58]),
                                                 ("right", 213, [100, 21, 29, 63])])
def test_mushroom_body(hemisphere, n, counts):
    d = load("mushroom_body", hemisphere=hemisphere)
    check_array(d.A, (n, n), np.int64)
    check_array(d.y, (n,), np.int64)
    assert d.label_codes == ["K", "I", "O", "P"] and len(d.labels) == n
    assert np.array_equal(np.bincount(d.y, minlength=4), counts)
    assert d.A.min() >= 0 and np.trace(d.A) == 0 and not np.array_equal(d.A, d.A.T)


def test_sunspots():
    d = load("sunspots")
    check_array(d.year, (309,), np.int64)
    check_array(d.sunspots, (309,), np.float64)
    assert d.year[0] == 1700 and np.array_equal(np.diff(d.year), np.ones(308)) and d.period_years == 1
    assert d.sunspots.min() == 0 and d.sunspots.max() == pytest.approx(190.2)
    assert d.sunspots[d.year == 1957][0] == pytest.approx(190.2)          # the largest maximum of the series
    x = d.sunspots - d.sunspots.mean()                                      # the ~11-year cycle dominates
    power = np.abs(np.fft.rfft(x)) ** 2
    assert 10 < 1 / np.fft.rfftfreq(len(x))[1 + np.argmax(power[1:])] < 12
    part = load("sunspots", start=1900, end=1999)
    assert part.year[0] == 1900 and part.year[-1] == 1999 and np.array_equal(part.sunspots, d.sunspots[200:300])


def test_languages():
    d = load("languages")
    assert len(d.words) == 96000 and d.codes == ["en", "de", "fr", "es", "it", "pt", "nl", "sv"]
    check_array(d.y, (96000,), np.int64)
    assert np.array_equal(np.bincount(d.y), np.full(8, 12000))
    assert all(w.isalpha() and w == w.lower() for w in d.words)
    two = load("languages", languages=["sv", "en"])
    assert two.names == ["Swedish", "English"] and len(two.words) == 24000 and two.words[12000:] == d.words[:12000]
    with pytest.raises(ValueError, match="languages"):
        load("languages", languages=["xx"])


# ---------------------------------------------------------------- loaders: bundled in packages

def test_karate():
    d = load("karate")
    check_array(d.A, (34, 34), np.float64)
    check_array(d.W, (34, 34), np.float64)
    check_array(d.edges, (78, 2), np.int64)
    check_array(d.weights, (78,), np.float64)
    check_array(d.y, (34,), np.int64)
    assert np.array_equal(d.A, d.A.T) and d.A.sum() == 2 * 78
    assert d.label_names == ["Mr. Hi", "Officer"] and np.array_equal(np.bincount(d.y), [17, 17])
    assert d.graph.number_of_edges() == 78


def test_les_miserables():
    d = load("les_miserables")
    assert len(d.names) == 77 and d.names[0] == "Napoleon"
    check_array(d.W, (77, 77), np.float64)
    check_array(d.A, (77, 77), np.float64)
    check_array(d.edges, (254, 2), np.int64)
    check_array(d.weights, (254,), np.float64)
    assert np.array_equal(d.W, d.W.T) and d.W.sum() / 2 == d.weights.sum()


def test_lee_corpus():
    d = load("lee_corpus")
    assert len(d.train) == len(d.train_tokens) == 300 and len(d.test) == len(d.test_tokens) == 50
    check_array(d.similarity, (50, 50), np.float64)
    assert np.allclose(np.diag(d.similarity), 1) and 0 <= d.similarity.min() and d.similarity.max() <= 1
    assert d.train[0].startswith("Hundreds of people")


def test_mini_newsgroups():
    raw = load("mini_newsgroups", remove_headers=False)
    d = load("mini_newsgroups")
    assert len(d.data) == 200 and len(d.ids) == 200
    check_array(d.y, (200,), np.int64)
    assert d.target_names == ["alt.atheism", "sci.space"] and np.array_equal(np.bincount(d.y), [100, 100])
    assert all(i.split("/")[0] == d.target_names[c] for i, c in zip(d.ids, d.y))
    assert sum("Newsgroups:" in t for t in raw.data) == 200
    assert sum(t.startswith(("Newsgroups:", "Path:", "Xref:")) for t in d.data) == 0


def test_mini_newsgroups_unpickler_refuses_other_objects():
    evil = pickle.dumps(print, protocol=0)           # a global outside the allowed few
    with pytest.raises(pickle.UnpicklingError, match="unexpected object"):
        D._Py2BunchUnpickler(io.BytesIO(evil), encoding="latin1").load()


def test_analogies():
    d = load("analogies")
    assert len(d.questions) == 19544 and all(len(q) == 4 for q in d.questions)
    check_array(d.section, (19544,), np.int64)
    check_array(d.syntactic, (19544,), bool)
    assert len(d.sections) == 14 and d.sections[0] == "capital-common-countries"
    assert d.syntactic.sum() == 10675 and (~d.syntactic).sum() == 8869
    assert d.questions[0] == ("athens", "greece", "baghdad", "iraq")
    assert load("analogies", lowercase=False).questions[0] == ("Athens", "Greece", "Baghdad", "Iraq")


@pytest.mark.parametrize("name,n", [("wordsim353", 353), ("simlex999", 999)])
def test_word_similarity(name, n):
    d = load(name)
    assert len(d.pairs) == n and all(len(p) == 2 for p in d.pairs)
    check_array(d.scores, (n,), np.float64)
    assert 0 <= d.scores.min() and d.scores.max() <= 10


def test_registry_lists_every_dataset_with_licence_and_source():
    table = D.list_datasets()
    expected = {"digits", "sample_images", "faces", "skimage_image", "fashion_mnist", "corpus",
                "wordnet_mammals", "wordnet_nouns", "mushroom_body", "karate", "les_miserables",
                "lee_corpus", "mini_newsgroups", "analogies", "wordsim353", "simlex999", "languages",
                "sunspots"}
    assert expected <= set(table.index)
    assert table.loc[sorted(expected), ["source", "licence"]].map(bool).all().all()
    for name in expected:
        assert D._REGISTRY[name].citation, name
        assert D._REGISTRY[name].loader.__doc__, name


# ---------------------------------------------------------------- bad options

@pytest.mark.parametrize("name,options,error,message", [
    ("fashion_mnist", {"split": "tset"}, ValueError, "split must be one of ['train', 'test'], got 'tset'"),
    ("fashion_mnist", {"normalize": "yes"}, TypeError, "normalize must be True or False"),
    ("corpus", {"which": "both"}, ValueError, "which must be one of ['all', 'austen', 'bible'], got 'both'"),
    ("corpus", {"lowercase": 1}, TypeError, "lowercase must be True or False"),
    ("wordnet_nouns", {"relations": ["hypernyms"]}, ValueError, "relations must be a non-empty subset of"),
    ("wordnet_nouns", {"relations": "hypernym"}, TypeError, "relations must be a list of names"),
    ("wordnet_nouns", {"root": "unicorn.n.99"}, ValueError, "root must be a noun synset name"),
    ("wordnet_nouns", {"max_depth": -1}, ValueError, "max_depth must be >= 0"),
    ("mushroom_body", {"hemisphere": "centre"}, ValueError, "hemisphere must be one of ['left', 'right']"),
    ("sunspots", {"start": 1650}, ValueError, "start must be >= 1700"),
    ("sunspots", {"start": 1800, "end": 1790}, ValueError, "end must be >= 1801"),
    ("mini_newsgroups", {"remove_headers": None}, TypeError, "remove_headers must be True or False"),
])
def test_bad_options_name_the_argument(name, options, error, message):
    with pytest.raises(error) as info:
        load(name, **options)
    assert message in str(info.value)


def test_unknown_dataset_and_option():
    with pytest.raises(KeyError, match="name must be one of"):
        load("fashion-mnist")
    with pytest.raises(TypeError, match="splitt"):
        load("fashion_mnist", splitt="train")


# ---------------------------------------------------------------- damaged and missing files

def copy_of(relpaths, tmp_path, monkeypatch):
    """A data folder in tmp_path with the manifest and these files; LOWDIM_DATA points at it."""
    (tmp_path / "MANIFEST.json").write_bytes((DATA / "MANIFEST.json").read_bytes())
    for rel in relpaths:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DATA / rel, tmp_path / rel)
    monkeypatch.setenv("LOWDIM_DATA", str(tmp_path))
    return tmp_path


def flip_byte(path: Path, where: float = 0.5):
    raw = bytearray(path.read_bytes())
    i = int(len(raw) * where)
    raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("rel", sorted(MANIFEST))
def test_corrupted_file_is_named(rel, tmp_path, monkeypatch):
    folder = copy_of([rel], tmp_path, monkeypatch)
    assert D.sha256_of(folder / rel) == MANIFEST[rel]["sha256"]          # the copy is intact
    flip_byte(folder / rel)
    with pytest.raises(DataIntegrityError) as info:
        D.data_path(rel)
    msg = str(info.value)
    assert f"data/{rel}" in msg and "corrupted" in msg
    assert f"git checkout -- data/{rel}" in msg and MANIFEST[rel]["script"] in msg


@pytest.mark.parametrize("name,options,rel", [
    ("fashion_mnist", {"split": "test"}, "fashion_mnist/test.npz"),
    ("corpus", {"which": "bible"}, "corpus/kjv.tsv.xz"),
    ("wordnet_mammals", {}, "wordnet/mammal_closure.tsv.gz"),
    ("mushroom_body", {}, "mushroom_body/connectome.npz"),
    ("sunspots", {}, "sunspots/yearly.npz"),
])
def test_loader_refuses_corrupted_or_missing_file(name, options, rel, tmp_path, monkeypatch):
    folder = copy_of([rel], tmp_path, monkeypatch)
    flip_byte(folder / rel, where=0.9)
    with pytest.raises(DataIntegrityError, match=f"data/{rel} is corrupted"):
        load(name, **options)
    (folder / rel).unlink()
    with pytest.raises(DataIntegrityError, match=f"data/{rel} is missing; restore it with"):
        load(name, **options)


def test_missing_manifest_and_unlisted_file(tmp_path, monkeypatch):
    monkeypatch.setenv("LOWDIM_DATA", str(tmp_path))
    with pytest.raises(DataIntegrityError, match="MANIFEST.json is missing"):
        load("mushroom_body")
    copy_of([], tmp_path, monkeypatch)
    with pytest.raises(DataIntegrityError, match="not listed in data/MANIFEST.json"):
        D.data_path("fashion_mnist/valid.npz")


def test_cli_verify_reports_a_bad_file(tmp_path, monkeypatch, capsys):
    folder = copy_of(sorted(MANIFEST), tmp_path, monkeypatch)
    flip_byte(folder / "wordnet/nouns.npz")
    assert D._main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "FAIL data file data/wordnet/nouns.npz is corrupted" in out
    assert f"{len(MANIFEST) - 1} of {len(MANIFEST)} files match" in out


# ---------------------------------------------------------------- the scripts' writers are deterministic

def _common():
    spec = importlib.util.spec_from_file_location("data_scripts_common", DATA / "scripts" / "_common.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_script_writers_are_deterministic():
    c = _common()
    arrays = {"b": np.arange(12, dtype=np.uint8).reshape(3, 4), "a": np.array(["x", "yz"])}
    one, two = c.npz_bytes(arrays), c.npz_bytes(dict(reversed(list(arrays.items()))))
    assert one == two
    with np.load(io.BytesIO(one), allow_pickle=False) as z:
        assert np.array_equal(z["b"], arrays["b"]) and list(z["a"]) == ["x", "yz"]
    assert c.xz_bytes("héllo\n") == c.xz_bytes("héllo\n")
    import lzma
    assert lzma.decompress(c.xz_bytes("héllo\n")).decode() == "héllo\n"
    with pytest.raises(TypeError, match="dtype object"):
        c.npz_bytes({"o": np.array([{}], dtype=object)})
    assert zlib.crc32(one) == zlib.crc32(c.npz_bytes(arrays))
