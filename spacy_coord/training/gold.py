"""Reviewed lines in training: a bracket-format file of utterances a person
corrected (`spacy-coord propose`, then edited by hand) goes into the
training data in place of the silver labels of the same texts, each line
repeated `[corpus] gold_repeat` times so that it weighs more than one
silver or generated example.

Nothing trains on what is scored: a gold line whose text is an evaluation
text (a line of a hand-written dev set, or a source utterance of the
evaluation buckets) is left out, with a message.
"""

import random
from pathlib import Path
from typing import Dict, List, Sequence, Set, Tuple

from spacy.language import Language
from spacy.tokens import Doc
from wasabi import msg

from ..corpus import NATURAL_DOMAIN, CharSpan, make_gold_doc, read_bracket_file
from ..errors import Errors
from ..tags import GROUPS_KEY, SPANS_KEY
from .examples import AugExample
from .splits import text_key

# The kind of a reviewed example.
GOLD = "gold"


def read_gold(path: Path, nlp: Language, domain: str = NATURAL_DOMAIN) -> List[AugExample]:
    """The lines of a gold file as examples of kind GOLD, in file order,
    each text once (repeats are left out, with a message).

    path (Path): The bracket-format file (comments and blank lines skipped).
    nlp (Language): Its tokenizer aligns the conjuncts.
    domain (str): The domain label of every line.
    RETURNS (List[AugExample]): The examples; their sources are "FILE:LINE".
    RAISES ValueError: The file is missing, or a line is malformed or its
        conjuncts do not align to tokens (naming the file and line).
    """
    if not path.is_file():
        raise ValueError(Errors.E018.format(path=path))
    examples: Dict[str, AugExample] = {}
    repeated = 0
    for lineno, text, conjuncts in read_bracket_file(path):
        doc = make_gold_doc(nlp, text, conjuncts=conjuncts, domain=domain)
        if doc is None:
            raise ValueError(f"{path}:{lineno}: a conjunct does not align to token boundaries: {text!r}")
        example = AugExample(text, char_groups(doc), domain, GOLD, (f"{path.name}:{lineno}",))
        first = examples.setdefault(text_key(text), example)
        if first is not example:
            repeated += 1
            if first.conjunct_texts() != example.conjunct_texts():
                msg.warn(f"{example.sources[0]} repeats {first.sources[0]} with other conjuncts: the first is kept")
    if repeated:
        msg.info(f"{path}: left out {repeated} lines whose text an earlier line has")
    msg.info(f"{path}: {len(examples)} gold lines ({sum(bool(ex.groups) for ex in examples.values())} with conjuncts)")
    return list(examples.values())


def char_groups(doc: Doc) -> Tuple[Tuple[CharSpan, ...], ...]:
    """The conjuncts of each coordination of a gold doc, as character offsets."""
    return tuple(
        tuple((c.start_char, c.end_char) for c in doc.spans[SPANS_KEY] if group.start <= c.start and c.end <= group.end)
        for group in doc.spans[GROUPS_KEY]
    )


def drop_held_out(gold: Sequence[AugExample], held_out: Set[str]) -> List[AugExample]:
    """The gold examples whose `text_key` is not in `held_out` (the
    evaluation texts); how many were left out, and the first, go in a message."""
    kept = [ex for ex in gold if text_key(ex.text) not in held_out]
    dropped = [ex for ex in gold if text_key(ex.text) in held_out]
    if dropped:
        msg.warn(
            f"Left out {len(dropped)} gold lines whose text is an evaluation text ({dropped[0].sources[0]}: "
            f"{dropped[0].text!r}, ...): nothing trains on what is scored"
        )
    return kept


def replace_with_gold(
    outputs: Dict[str, List[AugExample]], gold: Sequence[AugExample], repeat: int, seed: int, train: str = "train"
) -> Dict[str, List[AugExample]]:
    """The training and dev examples without those whose text is a gold
    line's (their silver labels, or a negative of the same original), and
    the gold examples `repeat` times each in `outputs[train]`, shuffled in
    (a reader that takes the first n examples gets its share of them).

    outputs (Dict[str, List[AugExample]]): Partition name -> its examples.
    gold (Sequence[AugExample]): The gold examples.
    repeat (int): How many times each goes into training.
    seed (int): Seed of the shuffle.
    train (str): The partition that trains.
    RETURNS (Dict[str, List[AugExample]]): The new examples per partition.
    """
    keys = {text_key(ex.text) for ex in gold}
    result = {}
    for name, examples in outputs.items():
        result[name] = [ex for ex in examples if text_key(ex.text) not in keys]
        if len(result[name]) < len(examples):
            msg.info(f"{name}: {len(examples) - len(result[name])} examples replaced by their gold lines")
    if gold:
        result[train] = result[train] + [ex for ex in gold for _ in range(repeat)]
        random.Random(seed).shuffle(result[train])
        msg.info(f"{train}: {len(gold)} gold lines, each {repeat} times")
    return result
