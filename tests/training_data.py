"""A handful of gold utterances and helpers to train a tiny pipeline on them."""

from typing import List, Tuple

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example
from thinc.api import Adam, fix_random_seed

from spacy_coord import set_domain

# (text, conjuncts, domain)
TRAIN_DATA: List[Tuple[str, List[str], str]] = [
    ("add bananas peanut butter and paper towels to my list", ["bananas", "peanut butter", "paper towels"], "shopping"),
    ("play some jazz and turn off the lights", ["play some jazz", "turn off the lights"], "music"),
    ("play simon and garfunkel", [], "music"),
    ("call mom or dad", ["mom", "dad"], "phone"),
]

SMALL_MODEL = {
    "encoder": {"width": 32, "embed": {"width": 16, "char_width": 8, "rows": [500, 100, 100, 50]}},
    "head": {"width": 32},
}


def find_spans(doc: Doc, texts: List[str], label: str = "") -> List[Span]:
    """Spans of `texts`, found left to right in the doc's text."""
    spans, start = [], 0
    for text in texts:
        start = doc.text.index(text, start)
        span = doc.char_span(start, start + len(text), label=label)
        assert span is not None, f"{text!r} does not align to tokens"
        spans.append(span)
        start += len(text)
    return spans


def make_example(nlp: Language, text: str, conjuncts: List[str], domain: str = None) -> Example:
    """An Example whose reference holds `conjuncts` (found by string search)."""
    reference = nlp.make_doc(text)
    reference.spans["coord"] = find_spans(reference, conjuncts)
    if domain:
        set_domain(reference, domain)
    return Example(nlp.make_doc(text), reference)


def conjuncts(doc: Doc, key: str = "coord") -> List[str]:
    """The texts of a doc's conjuncts."""
    return [span.text for span in doc.spans[key]]


def small_model(**sections) -> dict:
    """SMALL_MODEL with some settings of its sections ("encoder", "embed",
    "head") replaced: small_model(head={"decoder": "argmax"})."""
    embed = {**SMALL_MODEL["encoder"]["embed"], **sections.pop("embed", {})}
    encoder = {**SMALL_MODEL["encoder"], **sections.pop("encoder", {}), "embed": embed}
    return {"encoder": encoder, "head": {**SMALL_MODEL["head"], **sections.pop("head", {})}, **sections}


def train_pipeline(model_config=None, n_iter=60, data=TRAIN_DATA, **settings) -> Language:
    """A blank English pipeline with a coord_chunker overfit on `data`;
    `model_config` as made by `small_model`, `settings` of the component."""
    fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("coord_chunker", config={"model": model_config or small_model(), **settings})
    examples = [make_example(nlp, *row) for row in data]
    nlp.initialize(lambda: examples)
    optimizer = Adam(0.01)
    for _ in range(n_iter):
        nlp.update(examples, sgd=optimizer)
    return nlp
