"""Build the training, dev and evaluation corpora of coord_chunker.

Reads SNIPS, SGD and CLINC150, splits the source utterances (train, dev,
test, and one domain held out of training), labels natural coordinations
with a dependency parser (silver), augments, and writes:

    OUTPUT/train.spacy, OUTPUT/dev.spacy
    OUTPUT/eval/{two,three,four_plus,commas,unseen_domain,compound,names_and,names_and_asr,plain}.spacy
    OUTPUT/eval/{natural_dev,natural_dev_clinc}.spacy (the hand-written dev sets)
    OUTPUT/eval/slurp_*.spacy (the outside sets of slurp_dev/, evaluation only)
    OUTPUT/names.json (train and dev slot values with "and" inside one name,
        which the trained pipeline keeps whole)
    OUTPUT/utterances.txt (the train partition's utterances, one a line,
        unlabeled: what the teacher labels for the student)

The hand-written dev sets and the outside sets are only ever written to
their evaluation buckets, and source utterances with the same text as one
of their lines are dropped. CLINC150's test split is not read at all: the
CLINC150 test set is an outside yardstick (natural_dev_clinc is drawn from
it), so nothing of it reaches training, pools or silver labels. Reviewed
lines of a gold file go into training in place of the silver labels of
their texts (`gold`), unless they are evaluation texts.
"""

import dataclasses
import random
import time
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from wasabi import msg

from ..corpus import NATURAL_DOMAIN, make_gold_doc, read_bracket_docs, write_atomically, write_docbin, write_names
from .augment import Augmenter
from .config import AugmentConfig, CorpusConfig
from .corpora import Utterance, read_clinc150, read_sgd, read_snips
from .examples import COORDINATED, NAMES_AND, PLAIN, SILVER, AugExample, classify
from .gold import drop_held_out, read_gold, replace_with_gold
from .pools import ValuePool
from .silver import filter_silver_groups, noun_phrase_slot, parser_conjunct_char_groups
from .splits import build_buckets, drop_seen, partition_utterances, text_key

# Partitions that training and dev examples come from.
TRAINING_PARTS = ("train", "dev")
# The hand-written dev sets in the bracket format: bucket -> file in the
# assets. The second (CLINC150 test requests) is optional.
NATURAL_DEV_SETS = {"natural_dev": "natural_dev.txt", "natural_dev_clinc": "natural_dev_clinc.txt"}
# The outside sets (lists and plain requests on SLURP devel, CC BY 4.0;
# evaluation only): bucket -> file in the assets. Optional, like natural_dev_clinc.
OUTSIDE_SETS = {
    "slurp_lists_2": "slurp_dev/lists_2.txt",
    "slurp_lists_3": "slurp_dev/lists_3.txt",
    "slurp_lists_4_plus": "slurp_dev/lists_4.txt",
    "slurp_lists_3_commas": "slurp_dev/lists_3_commas.txt",
    "slurp_plain": "slurp_dev/plain.txt",
}
# CLINC150's test split, left out of the corpora (an outside yardstick).
CLINC150_TEST_PARTS = ("test", "oos_test")
# The train partition's utterances, unlabeled, for the teacher to label
# (scripts/teach.py), the most natural requests first.
UTTERANCES_FILE = "utterances.txt"
UTTERANCE_SOURCES = ("clinc150", "snips", "sgd")


def build_corpus(
    assets: Path, output: Path, corpus: CorpusConfig, augment: AugmentConfig, gold_path: Optional[Path] = None
) -> None:
    """Build and write every file of the corpus.

    assets (Path): Folder with snips/, sgd/, clinc150/, natural_dev.txt and
        optionally natural_dev_clinc.txt.
    output (Path): Output folder.
    corpus (CorpusConfig): Settings of the corpora.
    augment (AugmentConfig): Settings of the augmentation.
    gold_path (Optional[Path]): Reviewed lines in the bracket format, which
        replace the silver labels of their texts (`[corpus] gold_repeat`,
        `gold_limit`); None for none.
    """
    start_time = time.perf_counter()
    nlp = spacy.blank("en")
    natural = read_natural_dev_sets(nlp, assets)
    gold = read_gold(gold_path, nlp) if gold_path is not None else []
    corpora = load_corpora(assets, corpus.max_snips, corpus.max_sgd, corpus.max_clinc)
    utterances = dedupe(corpora, exclude={text_key(doc.text) for docs in natural.values() for doc in docs})
    parts = partition_utterances(utterances, seed=corpus.seed, held_out_domain=corpus.unseen_domain)
    if not parts["unseen"]:
        msg.warn(f"No utterance of domain {corpus.unseen_domain!r}: the unseen_domain bucket will be empty")
    if gold:
        held_out = evaluation_texts(natural, parts) | clinc150_test_texts(assets)
        gold = drop_held_out(gold, held_out)[: corpus.gold_limit or None]
    msg.info("Source utterances per partition: " + ", ".join(f"{k} {len(v)}" for k, v in parts.items()))
    parser = (
        spacy.load(corpus.parser, exclude=["ner", "lemmatizer"]) if corpus.silver or corpus.noun_phrase_lists else None
    )
    silver = label_silver(parts, parser, corpus.batch_size) if corpus.silver else {name: [] for name in TRAINING_PARTS}
    if corpus.noun_phrase_lists:
        add_noun_phrase_slots(parts, parser, corpus.batch_size)
    msg.info(f"Augmenting: train {corpus.n_train}, dev {corpus.dev_size}, {corpus.n_eval} per evaluation bucket")
    seed = corpus.seed if corpus.augment_seed is None else corpus.augment_seed
    sizes = {"train": corpus.n_train, "dev": corpus.dev_size}
    outputs: Dict[str, List[AugExample]] = {
        name: build_training(
            parts[name], silver[name], sizes[name], augment, corpus.training_mix, corpus.max_silver_share, seed + i
        )
        for i, name in enumerate(TRAINING_PARTS)
    }
    outputs = replace_with_gold(outputs, gold, corpus.gold_repeat, seed)
    # A few spare examples per bucket replace those that drop_seen leaves out.
    buckets = build_buckets(
        parts["test"], parts["unseen"], corpus.n_eval + max(5, corpus.n_eval // 20), corpus.seed + 2
    )
    buckets = drop_seen(buckets, [ex.text for name in TRAINING_PARTS for ex in outputs[name]])
    outputs.update({name: aligned(nlp, examples)[: corpus.n_eval] for name, examples in buckets.items()})
    msg.info(f"Writing docs to {output} ({time.perf_counter() - start_time:.1f}s so far)")
    rows = write_outputs(nlp, outputs, natural, output)
    n_names = write_names(corpus_names(parts["train"] + parts["dev"]), output / "names.json")
    rows.append(("names.json", n_names, 0, 0, "names with 'and' kept whole"))
    n_utterances = write_utterances(parts["train"], output / UTTERANCES_FILE, corpus.seed)
    rows.append((UTTERANCES_FILE, n_utterances, 0, 0, "train partition, unlabeled, for the teacher"))
    msg.table(rows, header=("file", "docs", "skipped", "with conjuncts", "kinds"), divider=True)
    msg.good(f"Done in {time.perf_counter() - start_time:.1f}s")


# ---------------------------------------------------------------------------
# Reading


def read_natural_dev_sets(nlp: Language, assets: Path) -> Dict[str, List[Doc]]:
    """The gold docs of each hand-written dev set and each outside set in
    `assets` (bucket -> docs); only natural_dev must exist. Lines of the
    outside sets whose conjuncts do not align to tokens (a handful of SLURP
    lines whose text was damaged when they were made) are left out with a
    warning: outside data is scored as it is, never edited."""
    natural = {}
    for bucket, name in {**NATURAL_DEV_SETS, **OUTSIDE_SETS}.items():
        if bucket != "natural_dev" and not (assets / name).exists():
            msg.warn(f"No {assets / name}: no {bucket} bucket")
            continue
        misaligned: List[str] = []
        natural[bucket] = read_bracket_docs(
            assets / name, nlp, NATURAL_DOMAIN, misaligned=misaligned if bucket in OUTSIDE_SETS else None
        )
        msg.info(f"{name}: {len(natural[bucket])} utterances (evaluation only)")
        if misaligned:
            msg.warn(
                f"{name}: left out {len(misaligned)} lines whose conjuncts are not on token boundaries: {misaligned}"
            )
    return natural


def evaluation_texts(natural: Dict[str, List[Doc]], parts: Dict[str, List[Utterance]]) -> Set[str]:
    """The `text_key`s of the evaluation texts of the corpus: the lines of
    the hand-written dev sets and the outside sets, and the source
    utterances of the evaluation buckets (the test partition and the
    held-out domain)."""
    texts = [doc.text for docs in natural.values() for doc in docs]
    texts += [utt.text for name in ("test", "unseen") for utt in parts[name]]
    return {text_key(text) for text in texts}


def load_corpora(assets: Path, max_snips: int = 0, max_sgd: int = 0, max_clinc: int = 0) -> Dict[str, List[Utterance]]:
    """The utterances of each corpus, each limited when its max is > 0."""
    corpora = {
        "snips": read_snips(assets / "snips"),
        "sgd": read_sgd(assets / "sgd", limit=max_sgd),
        "clinc150": [u for u in read_clinc150(assets / "clinc150") if not is_clinc150_test(u)],
    }
    for name, limit in (("snips", max_snips), ("clinc150", max_clinc)):
        if limit and len(corpora[name]) > limit:
            corpora[name] = random.Random(name).sample(corpora[name], limit)
    for name, utts in corpora.items():
        kinds = Counter(classify(u) for u in utts)
        msg.info(
            f"{name}: {len(utts)} utterances ({sum(bool(u.slots) for u in utts)} with slots; "
            f"{kinds[COORDINATED]} coordinated, {kinds[NAMES_AND]} names with 'and', {kinds[PLAIN]} plain)"
        )
    return corpora


def clinc150_test_texts(assets: Path) -> Set[str]:
    """The `text_key`s of CLINC150's test split: an outside yardstick, which
    nothing may train on, whether or not natural_dev_clinc holds the text."""
    return {text_key(utt.text) for utt in read_clinc150(assets / "clinc150", parts=CLINC150_TEST_PARTS)}


def is_clinc150_test(utt: Utterance) -> bool:
    """Whether `utt` is from CLINC150's test split (its uid is clinc150/<part>/<i>)."""
    return utt.source == "clinc150" and utt.uid.split("/")[1] in CLINC150_TEST_PARTS


def dedupe(corpora: Dict[str, List[Utterance]], exclude: Iterable[str] = ()) -> List[Utterance]:
    """All utterances, each text once (the first), without empty texts and
    without those whose `text_key` is in `exclude` (natural_dev lines)."""
    seen = set(exclude)
    result, dropped = [], Counter()
    for name, utts in corpora.items():
        for utt in utts:
            key = text_key(utt.text)
            if not key or key in seen:
                dropped[name] += 1
                continue
            seen.add(key)
            result.append(utt)
    msg.info("Dropped duplicates, empty and natural_dev texts: " + ", ".join(f"{k} {v}" for k, v in dropped.items()))
    return result


# ---------------------------------------------------------------------------
# What the parser adds


def label_silver(parts: Dict[str, List[Utterance]], parser: Language, batch_size: int) -> Dict[str, List[AugExample]]:
    """Silver-labeled coordinated originals of the train and dev partitions
    (`silver.filter_silver_groups`); the parser runs once over them."""
    candidates = {name: [u for u in parts[name] if classify(u) == COORDINATED] for name in TRAINING_PARTS}
    texts = [u.text for name in TRAINING_PARTS for u in candidates[name]]
    msg.info(f"Parsing {len(texts)} coordinated originals")
    start = time.perf_counter()
    docs = iter(parser.pipe(texts, batch_size=batch_size, n_process=1))
    result: Dict[str, List[AugExample]] = {}
    for name in TRAINING_PARTS:
        result[name], left_out = [], Counter()
        for utt in candidates[name]:
            groups = filter_silver_groups(utt, parser_conjunct_char_groups(next(docs)))
            if groups is None:
                left_out[utt.source] += 1
                continue
            result[name].append(AugExample(utt.text, tuple(tuple(g) for g in groups), utt.domain, SILVER, (utt.uid,)))
        kept = Counter(ex.sources[0].split("/")[0] for ex in result[name])
        msg.info(f"Silver {name}: kept {dict(kept)}, left out (no label passed the filters) {dict(left_out)}")
    msg.info(f"Parsed in {time.perf_counter() - start:.1f}s")
    return result


def add_noun_phrase_slots(parts: Dict[str, List[Utterance]], parser: Language, batch_size: int) -> None:
    """Give each CLINC150 utterance of train and dev without slots or
    coordination a slot over an object noun phrase (`silver.noun_phrase_slot`),
    in place, so that list augmentation also coordinates common nouns in
    natural requests."""
    start, n_slotted = time.perf_counter(), 0
    for name in TRAINING_PARTS:
        targets = [
            i for i, u in enumerate(parts[name]) if u.source == "clinc150" and not u.slots and classify(u) == PLAIN
        ]
        docs = parser.pipe((parts[name][i].text for i in targets), batch_size=batch_size)
        for i, doc in zip(targets, docs):
            slot = noun_phrase_slot(doc)
            if slot is not None:
                parts[name][i] = dataclasses.replace(parts[name][i], slots=(slot,))
                n_slotted += 1
    msg.info(f"Noun-phrase slots for {n_slotted} CLINC150 utterances ({time.perf_counter() - start:.1f}s)")


# ---------------------------------------------------------------------------
# Training and dev data


def build_training(
    utterances: Sequence[Utterance],
    silver: Sequence[AugExample],
    n: int,
    config: AugmentConfig,
    mix: Dict[str, float],
    max_silver_share: float,
    seed: int,
) -> List[AugExample]:
    """Training (or dev) examples: silver ones, then generated ones, shuffled.

    utterances (Sequence[Utterance]): The partition's source utterances.
    silver (Sequence[AugExample]): Its silver examples; CLINC150's, the most
        natural requests, are taken first.
    n (int): How many examples in all.
    config (AugmentConfig): Settings of the augmentation.
    mix (Dict[str, float]): Shares of the kinds of generated examples.
    max_silver_share (float): Largest share of silver examples.
    seed (int): Seed of the draws.
    RETURNS (List[AugExample]): The examples.
    """
    rng = random.Random(seed)
    silver = sorted(silver, key=lambda ex: (not ex.sources[0].startswith("clinc150"), rng.random()))
    silver = silver[: int(n * max_silver_share)]
    augmenter = Augmenter(ValuePool(utterances), config, seed)
    examples = silver + augmenter.generate(utterances, max(0, n - len(silver)), mix)
    rng.shuffle(examples)
    return examples


def aligned(nlp: Language, examples: Sequence[AugExample]) -> List[AugExample]:
    """The examples whose conjuncts align to tokens."""
    return [ex for ex in examples if make_gold_doc(nlp, ex.text, groups=ex.groups) is not None]


def corpus_names(utterances: Sequence[Utterance]) -> List[str]:
    """Slot values that are one name with a coordinator inside ("Noodles and
    Company", "rock and roll"): the trained pipeline keeps them whole."""
    return [name for names in ValuePool(utterances).and_values.values() for name in names]


# ---------------------------------------------------------------------------
# Writing


def to_docs(nlp: Language, examples: Iterable[AugExample]) -> Tuple[List[Doc], int]:
    """Gold docs of `examples`, and how many were skipped (conjuncts not on
    token boundaries)."""
    docs, skipped = [], 0
    for ex in examples:
        doc = make_gold_doc(nlp, ex.text, groups=ex.groups, domain=ex.domain)
        if doc is None:
            skipped += 1
        else:
            docs.append(doc)
    return docs, skipped


def write_outputs(
    nlp: Language, outputs: Dict[str, List[AugExample]], natural: Dict[str, List[Doc]], output: Path
) -> List[Tuple]:
    """Write every file (atomically); RETURNS the summary table rows."""
    rows = []
    for name, examples in outputs.items():
        path = output / f"{name}.spacy" if name in TRAINING_PARTS else output / "eval" / f"{name}.spacy"
        docs, skipped = to_docs(nlp, examples)
        write_docbin(docs, path)
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(Counter(ex.kind for ex in examples).items()))
        n_coord = sum(bool(doc.spans["coord"]) for doc in docs)
        rows.append((str(path.relative_to(output)), len(docs), skipped, n_coord, kinds))
        if not docs:
            msg.warn(f"{path}: no examples")
    for bucket, docs in natural.items():
        path = output / "eval" / f"{bucket}.spacy"
        write_docbin(docs, path)
        rows.append((str(path.relative_to(output)), len(docs), 0, sum(bool(d.spans["coord"]) for d in docs), "natural"))
    return rows


def write_utterances(utterances: Sequence[Utterance], path: Path, seed: int) -> int:
    """Write the texts of `utterances`, one a line: CLINC150's requests,
    then SNIPS', then SGD's turns (UTTERANCE_SOURCES), each corpus shuffled,
    so that the first lines are the most natural requests. RETURNS how many."""
    rng = random.Random(seed)
    lines = []
    for source in UTTERANCE_SOURCES:
        texts = [" ".join(u.text.split()) for u in utterances if u.source == source]
        rng.shuffle(texts)
        lines.extend(texts)
    write_atomically("".join(f"{line}\n" for line in lines).encode("utf8"), path)
    return len(lines)
