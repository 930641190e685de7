"""The settings of corpus building, read from a config file (the project's
configs/corpus.cfg) through spaCy's config system: `[corpus]` into
`CorpusConfig`, `[augment]` into `AugmentConfig`.

Neither class has defaults of its own: the config file is the one place
that gives them. A bad value raises a `ValueError` naming its section and
setting.
"""

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Dict, Optional, Tuple, Type, TypeVar, Union

from spacy.util import load_config

from .examples import BETWEEN, COMPOUND, LIST, NAMES_AND, PLAIN

# The kinds that [corpus.mix] gives shares; plain negatives take the rest.
MIX_KINDS = (LIST, BETWEEN, COMPOUND, NAMES_AND)

T = TypeVar("T")


@dataclass
class CorpusConfig:
    """Settings of the corpora: `[corpus]`.

    n_train (int): Training examples in all (silver and generated).
    n_dev (int): Dev examples (0: `n_train` / 20, at least 100).
    n_eval (int): Examples per evaluation bucket.
    seed (int): Seed of the splits, the evaluation buckets and the augmentation.
    augment_seed (Optional[int]): Seed of the training and dev augmentation
        alone (None: `seed`).
    unseen_domain (str): Domain held out of training and dev.
    max_snips (int): SNIPS utterances read (0: all).
    max_sgd (int): SGD turns read (0: all).
    max_clinc (int): CLINC150 utterances read (0: all).
    silver (bool): Label the corpora's own coordinations with the parser.
    parser (str): spaCy pipeline with a dependency parser.
    max_silver_share (float): Largest share of silver training examples.
    noun_phrase_lists (bool): Give CLINC150's requests noun-phrase slots.
    batch_size (int): Batch size of the parser.
    gold_repeat (int): Times each reviewed line of a gold file goes into
        training (1 or more).
    gold_limit (int): Reviewed lines read from a gold file, the first ones (0: all).
    mix (Dict[str, float]): Shares of the kinds of generated examples
        (MIX_KINDS); plain negatives take the rest.
    """

    n_train: int
    n_dev: int
    n_eval: int
    seed: int
    augment_seed: Optional[int]
    unseen_domain: str
    max_snips: int
    max_sgd: int
    max_clinc: int
    silver: bool
    parser: str
    max_silver_share: float
    noun_phrase_lists: bool
    batch_size: int
    gold_repeat: int
    gold_limit: int
    mix: Dict[str, float]

    def __post_init__(self) -> None:
        for name in ("n_train", "n_dev", "n_eval", "max_snips", "max_sgd", "max_clinc", "gold_limit"):
            _check_int("corpus", name, getattr(self, name), minimum=0)
        for name in ("batch_size", "gold_repeat"):
            _check_int("corpus", name, getattr(self, name), minimum=1)
        _check_int("corpus", "seed", self.seed)
        if self.augment_seed is not None:
            _check_int("corpus", "augment_seed", self.augment_seed)
        for name in ("unseen_domain", "parser"):
            _check_type("corpus", name, getattr(self, name), str, "a string")
        for name in ("silver", "noun_phrase_lists"):
            _check_type("corpus", name, getattr(self, name), bool, "true or false")
        _check_share("corpus", "max_silver_share", self.max_silver_share)
        _check_type("corpus", "mix", self.mix, dict, "a section of shares")
        if set(self.mix) != set(MIX_KINDS):
            raise ValueError(
                f"[corpus.mix] must give the shares of {', '.join(MIX_KINDS)} (plain negatives take the rest), "
                f"got {', '.join(self.mix)}"
            )
        for kind, share in self.mix.items():
            _check_share("corpus.mix", kind, share)
        if sum(self.mix.values()) > 1.0:
            raise ValueError(f"[corpus.mix] shares sum to more than 1, leaving no room for plain negatives: {self.mix}")

    @property
    def dev_size(self) -> int:
        """The number of dev examples."""
        return self.n_dev or max(100, self.n_train // 20)

    @property
    def training_mix(self) -> Dict[str, float]:
        """The shares of every kind of generated example, plain among them."""
        mix = {kind: self.mix[kind] for kind in MIX_KINDS}
        mix[PLAIN] = 1.0 - sum(mix.values())
        return mix


@dataclass
class AugmentConfig:
    """Settings of the augmentation: `[augment]`. Shares are probabilities
    in [0, 1]; weights are relative.

    coordinators (Dict[str, float]): Weights of the words before a list's last value.
    joiners (Dict[str, float]): Weights of the words joining a compound request.
    n_values (Dict[int, float]): Weights of the number of values of a list (2 or more).
    asr_share (float): Share of lists and compound requests in speech-recognition style.
    comma_share (float): Share of lists of 3 or more values, not in
        speech-recognition style, with commas between their values.
    oxford_share (float): Share of those with the Oxford comma.
    polysyndeton_share (float): Share of lists of 3 or more values with the
        coordinator between every two.
    determiner_share (float): Share of lists after a determiner that repeat
        it in every value.
    trailing_share (float): Share of utterance-final lists followed by a
        phrase such as "tomorrow" or "please".
    names_asr_share (float): Share of names-with-"and" negatives in
        speech-recognition style.
    """

    coordinators: Dict[str, float]
    joiners: Dict[str, float]
    n_values: Dict[int, float]
    asr_share: float
    comma_share: float
    oxford_share: float
    polysyndeton_share: float
    determiner_share: float
    trailing_share: float
    names_asr_share: float

    def __post_init__(self) -> None:
        for name in ("coordinators", "joiners", "n_values"):
            weights = getattr(self, name)
            _check_type("augment", name, weights, dict, "a section of weights")
            for key, weight in weights.items():
                if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
                    raise ValueError(f"[augment.{name}] weight of {key!r} must be a number >= 0, got {weight!r}")
            if sum(weights.values()) <= 0:
                raise ValueError(f"[augment.{name}] needs a positive weight, got {weights}")
        for n in self.n_values:
            if isinstance(n, bool) or not isinstance(n, int) or n < 2:
                raise ValueError(f"[augment.n_values] keys are numbers of list values, 2 or more, got {n!r}")
        for field in fields(self):
            if field.name.endswith("_share"):
                _check_share("augment", field.name, getattr(self, field.name))


def load_corpus_config(
    path: Union[str, Path], overrides: Optional[Dict[str, Any]] = None
) -> Tuple[CorpusConfig, AugmentConfig]:
    """Read the settings of corpus building.

    path (Union[str, Path]): The config file, with sections [corpus] and [augment].
    overrides (Optional[Dict[str, Any]]): Dotted settings that replace the
        file's ({"augment.asr_share": 0.5}).
    RETURNS (Tuple[CorpusConfig, AugmentConfig]): The settings.
    """
    config = load_config(path, overrides=overrides or {})
    unknown = sorted(set(config) - {"corpus", "augment"})
    if unknown:
        raise ValueError(f"{path}: unknown section [{unknown[0]}] (sections: [corpus], [augment])")
    augment = dict(config.get("augment", {}))
    if isinstance(augment.get("n_values"), dict):
        augment["n_values"] = {_list_size(n): w for n, w in augment["n_values"].items()}
    return _from_section(CorpusConfig, "corpus", config.get("corpus", {})), _from_section(
        AugmentConfig, "augment", augment
    )


def _from_section(cls: Type[T], section: str, values: Dict[str, Any]) -> T:
    """`cls` made from the settings of one section, none missing or unknown."""
    names = [field.name for field in fields(cls)]
    unknown = [name for name in values if name not in names]
    if unknown:
        raise ValueError(f"[{section}] has no setting {unknown[0]!r} (settings: {', '.join(names)})")
    missing = [name for name in names if name not in values]
    if missing:
        raise ValueError(f"[{section}] lacks the setting {missing[0]!r}")
    return cls(**values)


def _list_size(key: str) -> Union[int, str]:
    """A key of [augment.n_values] as a number, where it is one."""
    return int(key) if key.isdigit() else key


def _check_share(section: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ValueError(f"[{section}] setting '{name}' must be in [0, 1], got {value!r}")


def _check_int(section: str, name: str, value: Any, minimum: Optional[int] = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        bound = f" >= {minimum}" if minimum is not None else ""
        raise ValueError(f"[{section}] setting '{name}' must be a whole number{bound}, got {value!r}")


def _check_type(section: str, name: str, value: Any, kind: type, what: str) -> None:
    if not isinstance(value, kind):
        raise ValueError(f"[{section}] setting '{name}' must be {what}, got {value!r}")
