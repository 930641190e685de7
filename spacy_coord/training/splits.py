"""The splits of the source utterances (train, dev, test and one domain
held out), and the evaluation buckets made from the test split and the
held-out domain."""

import hashlib
import random
from typing import Callable, Dict, Iterable, List, Optional, Sequence

from wasabi import msg

from .augment import Augmenter
from .config import AugmentConfig
from .corpora import Utterance
from .examples import COMPOUND, NAMES_AND, PLAIN, AugExample, classify, negative_example
from .pools import ValuePool
from .render import ListStyle, asr_negative

# The buckets' own settings, apart from the training corpus's, so that
# corpora built with other settings are scored on the same buckets. The
# buckets choose their lists' sizes and styles and their compound requests'
# style themselves: no share or weight but the joiners' is drawn from.
BUCKET_CONFIG = AugmentConfig(
    coordinators={"and": 1.0},
    joiners={"and": 0.5, "and then": 0.25, "and also": 0.25},
    n_values={2: 1.0},
    asr_share=0.0,
    comma_share=0.0,
    oxford_share=0.0,
    polysyndeton_share=0.0,
    determiner_share=0.0,
    trailing_share=0.0,
    names_asr_share=0.0,
)


def text_key(text: str) -> str:
    """`text` lower case, its whitespace collapsed: texts with the same key
    are the same utterance."""
    return " ".join(text.lower().split())


# The default shares of the source partitions.
PARTITION_FRACTIONS = {"train": 0.85, "dev": 0.05, "test": 0.10}


def partition_of(text: str, seed: int, fractions: Dict[str, float]) -> str:
    """The partition of a source utterance, from a stable hash of its
    `text_key` (duplicates land together) and the seed.

    fractions (Dict[str, float]): Partition name -> share; shares sum to 1.
    """
    digest = hashlib.sha1(f"{seed}\x00{text_key(text)}".encode("utf8")).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    total = 0.0
    for name, share in fractions.items():
        total += share
        if point < total:
            return name
    return list(fractions)[-1]


def partition_utterances(
    utterances: Iterable[Utterance],
    seed: int = 0,
    fractions: Optional[Dict[str, float]] = None,
    held_out_domain: Optional[str] = None,
) -> Dict[str, List[Utterance]]:
    """Split source utterances (before augmentation, so no augmented sibling
    of a test utterance can reach training).

    utterances (Iterable[Utterance]): The source utterances.
    seed (int): Seed of the split.
    fractions (Optional[Dict[str, float]]): Shares of the partitions
        (default train 0.85, dev 0.05, test 0.10).
    held_out_domain (Optional[str]): Utterances of this domain go to the
        partition "unseen" and nowhere else.
    RETURNS (Dict[str, List[Utterance]]): Partition name -> its utterances.
    """
    fractions = fractions or PARTITION_FRACTIONS
    if abs(sum(fractions.values()) - 1.0) > 1e-6:
        raise ValueError(f"partition fractions must sum to 1, got {fractions}")
    parts: Dict[str, List[Utterance]] = {name: [] for name in fractions}
    parts["unseen"] = []
    for utt in utterances:
        if held_out_domain is not None and utt.domain == held_out_domain:
            parts["unseen"].append(utt)
        else:
            parts[partition_of(utt.text, seed, fractions)].append(utt)
    return parts


# ---------------------------------------------------------------------------
# Evaluation buckets


def build_buckets(
    test: Sequence[Utterance], unseen: Sequence[Utterance], n: int, seed: int
) -> Dict[str, List[AugExample]]:
    """The augmented and original evaluation buckets (natural_dev apart).

    test (Sequence[Utterance]): The test partition.
    unseen (Sequence[Utterance]): The held-out domain.
    n (int): Most examples per bucket.
    seed (int): Seed of the buckets.
    RETURNS (Dict[str, List[AugExample]]): Bucket name -> its examples.
    """
    rng = random.Random(seed)
    test_aug = Augmenter(ValuePool(test), BUCKET_CONFIG, seed)
    unseen_aug = Augmenter(ValuePool(unseen), BUCKET_CONFIG, seed + 1)
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
    half in speech-recognition style; with commas, half with the Oxford comma."""

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


def drop_seen(buckets: Dict[str, List[AugExample]], seen: Iterable[str]) -> Dict[str, List[AugExample]]:
    """Leave out evaluation examples whose text is also a training or dev
    text (a substituted name can recreate a training utterance)."""
    seen_keys = {text_key(text) for text in seen}
    result = {}
    for name, examples in buckets.items():
        result[name] = [ex for ex in examples if text_key(ex.text) not in seen_keys]
        if len(result[name]) < len(examples):
            msg.info(f"{name}: left out {len(examples) - len(result[name])} examples also in train/dev")
    return result
