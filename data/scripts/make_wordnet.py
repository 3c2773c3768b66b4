"""Make data/wordnet/mammal_closure.tsv.gz and data/wordnet/nouns.npz from WordNet 3.0.

Source: the WordNet 3.0 database files ``data.noun`` and ``index.noun`` (Princeton
University, WordNet 3.0 licence, see data/LICENSES/WordNet-3.0.txt) as installed by the
Debian package ``wordnet-base`` into ``/usr/share/wordnet``. They are parsed here directly
(format: the wndb(5WN) manual page); no NLTK and no download.

Synset names follow NLTK's convention ``<first lemma, lower-cased>.n.<sense number, 2 digits>``,
the sense number being the synset's position in that lemma's line of ``index.noun``
(so ``dog.n.01`` is the domestic dog), which makes the files comparable with NLTK-based code.

mammal_closure.tsv.gz -- the transitive closure of the hypernym relation under
``mammal.n.01``, as used by Nickel & Kiela (2017): nodes are ``mammal.n.01`` and every synset
below it through hypernym or instance-hypernym links, except ``tusker.n.01`` and
``female_mammal.n.01`` (two non-taxonomic groupings that the authors' release filters out);
after a ``#`` notice line and a header, one row ``hyponym<TAB>hypernym<TAB>distance`` for every pair where the hypernym is a proper
ancestor of the hyponym inside that node set (``distance`` = the fewest hypernym links
between them, 1 for a direct link). Expected: 1180 nodes and 6540 rows.

nouns.npz -- the whole WordNet noun graph with supersense labels: the 82 115 noun synsets
(in data.noun order) and their directed links ``source -> target`` of five kinds:
hypernym (child -> parent), instance_hypernym (instance -> class) and member / part /
substance holonym (member, part or substance -> whole). Arrays: ``names_utf8`` (the
synset names joined by newlines, UTF-8 bytes), ``offsets (n,) int32`` (WordNet 3.0 synset
offsets), ``supersense (n,) int8`` (lexicographer file, index into ``supersense_names``, 26
noun.* names), ``depth (n,) int16`` (fewest hypernym/instance links up to entity.n.01),
``edges (m, 2) int32``, ``relation (m,) int8`` (index into ``relation_names``) and ``notice``
(the WordNet copyright line).

Usage:  python data/scripts/make_wordnet.py [--source /usr/share/wordnet]
"""
from __future__ import annotations

import gzip
from collections import deque
from pathlib import Path

import numpy as np

from _common import finish, npz_bytes, parser, sha256_file, write_and_check

SCRIPT = "data/scripts/make_wordnet.py"
#: lexicographer files 03..28 of WordNet 3.0 (the lexnames(5WN) manual page): the noun supersenses.
SUPERSENSES = ["noun.Tops", "noun.act", "noun.animal", "noun.artifact", "noun.attribute", "noun.body",
               "noun.cognition", "noun.communication", "noun.event", "noun.feeling", "noun.food",
               "noun.group", "noun.location", "noun.motive", "noun.object", "noun.person",
               "noun.phenomenon", "noun.plant", "noun.possession", "noun.process", "noun.quantity",
               "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time"]
FIRST_NOUN_LEXFILE = 3
#: WordNet pointer symbol -> relation name (only one direction of each pair is kept).
RELATIONS = {"@": "hypernym", "@i": "instance_hypernym", "#m": "member_holonym",
             "#p": "part_holonym", "#s": "substance_holonym"}
MAMMAL_EXCLUDED = ("tusker.n.01", "female_mammal.n.01")
#: the licence asks for its copyright notice on every copy, so each file carries it.
NOTICE = ("Derived from WordNet 3.0. WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. "
          "Licence and disclaimer: data/LICENSES/WordNet-3.0.txt")


def read_data_noun(path: Path) -> dict[str, dict]:
    """offset -> {lexfile, words, pointers=[(symbol, target offset)]} for every noun synset."""
    synsets = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("  "):          # the licence header
                continue
            fields = line.partition(" | ")[0].split()
            offset, lexfile, n_words = fields[0], int(fields[1]), int(fields[3], 16)
            words = fields[4:4 + 2 * n_words:2]
            i = 4 + 2 * n_words
            n_ptr = int(fields[i])
            ptrs = [(fields[i + 1 + 4 * k], fields[i + 2 + 4 * k], fields[i + 3 + 4 * k]) for k in range(n_ptr)]
            synsets[offset] = {"lexfile": lexfile, "words": words,
                               "pointers": [(sym, off) for sym, off, pos in ptrs if pos == "n"]}
    return synsets


def read_index_noun(path: Path) -> dict[str, list[str]]:
    """lemma -> its synset offsets in sense order."""
    index = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("  "):
                continue
            fields = line.split()
            n_synsets, n_ptr_types = int(fields[2]), int(fields[3])
            offsets = fields[4 + n_ptr_types + 2:]
            if len(offsets) != n_synsets:
                raise ValueError(f"index.noun: malformed line for {fields[0]!r}")
            index[fields[0]] = offsets
    return index


def synset_names(synsets, index) -> dict[str, str]:
    names = {}
    for off, s in synsets.items():
        lemma = s["words"][0].lower()
        names[off] = f"{lemma}.n.{index[lemma].index(off) + 1:02d}"
    if len(set(names.values())) != len(names):
        raise ValueError("synset names are not unique")
    return names


def hypernym_distances(synsets) -> dict[str, dict[str, int]]:
    """offset -> {ancestor offset: fewest hypernym/instance-hypernym links} (proper ancestors only)."""
    parents = {o: [t for sym, t in s["pointers"] if sym in ("@", "@i")] for o, s in synsets.items()}
    memo: dict[str, dict[str, int]] = {}
    for start in synsets:
        stack = [start]
        while stack:                      # iterative post-order: parents before children
            o = stack[-1]
            pending = [p for p in parents[o] if p not in memo]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            if o in memo:
                continue
            dist: dict[str, int] = {}
            for p in parents[o]:
                for a, d in [(p, 0)] + list(memo[p].items()):
                    if d + 1 < dist.get(a, 1 << 30):
                        dist[a] = d + 1
            memo[o] = dist
    return memo


def mammal_closure(synsets, names, dist) -> str:
    by_name = {v: k for k, v in names.items()}
    root = by_name["mammal.n.01"]
    excluded = {by_name[n] for n in MAMMAL_EXCLUDED}
    nodes = {o for o in synsets if (o == root or root in dist[o]) and o not in excluded}
    rows = sorted((names[u], names[a], d) for u in nodes for a, d in dist[u].items() if a in nodes)
    n_nodes = len({r[0] for r in rows} | {r[1] for r in rows})
    if (n_nodes, len(rows)) != (1180, 6540):
        print(f"warning: mammal closure has {n_nodes} nodes and {len(rows)} edges; Nickel & Kiela report 1180 / 6540")
    return f"# {NOTICE}\nhyponym\thypernym\tdistance\n" + "".join(f"{u}\t{v}\t{d}\n" for u, v, d in rows)


def noun_graph(synsets, names, dist) -> dict[str, np.ndarray]:
    offsets = list(synsets)                           # data.noun order (sorted by offset)
    pos = {o: i for i, o in enumerate(offsets)}
    rel_names = list(RELATIONS.values())
    edges, rel = [], []
    for o in offsets:
        for sym, t in synsets[o]["pointers"]:
            if sym in RELATIONS:
                edges.append((pos[o], pos[t]))
                rel.append(rel_names.index(RELATIONS[sym]))
    order = np.lexsort((np.array(rel), np.array(edges)[:, 1], np.array(edges)[:, 0]))
    edges, rel = np.array(edges, np.int32)[order], np.array(rel, np.int8)[order]
    # depth below entity.n.01 by breadth-first search over child links
    children = [[] for _ in offsets]
    for (s, t), r in zip(edges, rel):
        if rel_names[r] in ("hypernym", "instance_hypernym"):
            children[t].append(s)
    root = pos[{v: k for k, v in names.items()}["entity.n.01"]]
    depth = np.full(len(offsets), -1, np.int16)
    depth[root] = 0
    queue = deque([root])
    while queue:
        u = queue.popleft()
        for c in children[u]:
            if depth[c] < 0:
                depth[c] = depth[u] + 1
                queue.append(c)
    if (depth < 0).any():
        raise ValueError("some noun synsets are not below entity.n.01")
    return {"names_utf8": np.frombuffer("\n".join(names[o] for o in offsets).encode("utf-8"), np.uint8),
            "offsets": np.array([int(o) for o in offsets], np.int32),
            "supersense": np.array([synsets[o]["lexfile"] - FIRST_NOUN_LEXFILE for o in offsets], np.int8),
            "supersense_names": np.array(SUPERSENSES), "depth": depth,
            "edges": edges, "relation": rel, "relation_names": np.array(rel_names), "notice": np.array(NOTICE)}


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--source", type=Path, default=Path("/usr/share/wordnet"),
                   help="folder with WordNet 3.0's data.noun and index.noun (default: Debian's wordnet-base)")
    args = p.parse_args()
    synsets = read_data_noun(args.source / "data.noun")
    names = synset_names(synsets, read_index_noun(args.source / "index.noun"))
    dist = hypernym_distances(synsets)
    src = (f"WordNet 3.0 (Debian wordnet-base): data.noun sha256 {sha256_file(args.source / 'data.noun')}, "
           f"index.noun sha256 {sha256_file(args.source / 'index.noun')}")
    closure = gzip.compress(mammal_closure(synsets, names, dist).encode("utf-8"), compresslevel=9, mtime=0)
    ok = write_and_check(args, "wordnet/mammal_closure.tsv.gz", closure, script=SCRIPT, source=src)
    ok &= write_and_check(args, "wordnet/nouns.npz", npz_bytes(noun_graph(synsets, names, dist)),
                          script=SCRIPT, source=src)
    finish(ok)


if __name__ == "__main__":
    main()
