"""A tiny rule-based stand-in for coord_chunker, for the annotate tests and benchmark.

Marks "X and Y" / "X or Y" single-token conjuncts. Importable in a
subprocess (`--code tests/fake_pipeline.py`) and on Ray workers.
"""

import time
from pathlib import Path
from typing import Union

import spacy
from spacy.language import Language
from spacy.tokens import Doc

COORDINATORS = {"and", "or"}


class FakeCoord:
    def __init__(self, delay: float = 0.0):
        self.delay = delay
        # The keys it sets, declared as coord_chunker declares them.
        self.cfg = {"spans_key": "coord", "groups_key": "coord_groups"}

    def __call__(self, doc: Doc) -> Doc:
        if self.delay:
            time.sleep(self.delay)
        conjuncts, groups, scores = [], [], []
        for i in range(1, len(doc) - 1):
            if doc[i].lower_ in COORDINATORS:
                conjuncts += [doc[i - 1 : i], doc[i + 1 : i + 2]]
                scores += [0.5 + (len(doc[i - 1].text) % 5) / 10, 0.25]
                groups.append(doc[i - 1 : i + 2])
        doc.spans["coord"] = conjuncts
        doc.spans["coord"].attrs["scores"] = scores
        doc.spans["coord_groups"] = groups
        return doc


@Language.factory("test_fake_coord", default_config={"delay": 0.0})
def make_fake_coord(nlp: Language, name: str, delay: float) -> FakeCoord:
    return FakeCoord(delay)


def save_fake_pipeline(path: Union[str, Path], delay: float = 0.0) -> Path:
    """A blank English pipeline with the fake component, saved to `path`."""
    nlp = spacy.blank("en")
    nlp.add_pipe("test_fake_coord", config={"delay": delay})
    nlp.to_disk(path)
    return Path(path)
