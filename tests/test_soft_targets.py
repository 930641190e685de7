"""A teacher's tag probabilities: stored on docs, predicted by the
component, and learned by a student as soft targets."""

import numpy
import pytest
import spacy
from spacy.tokens import DocBin
from spacy.training import Example
from thinc.api import Adam, fix_random_seed
from training_data import TRAIN_DATA, conjuncts, make_example, small_model

from spacy_coord.soft_targets import get_tag_probs, set_tag_probs
from spacy_coord.tags import TAG_IDS, TAGS, spans_to_tags


def test_tag_probs_survive_a_docbin(tmp_path):
    nlp = spacy.blank("en")
    doc = nlp("call mom or dad")
    probs = numpy.random.default_rng(0).dirichlet(numpy.ones(len(TAGS)), size=len(doc))
    set_tag_probs(doc, probs)
    DocBin(docs=[doc], store_user_data=True).to_disk(tmp_path / "docs.spacy")
    (loaded,) = DocBin().from_disk(tmp_path / "docs.spacy").get_docs(nlp.vocab)
    assert numpy.allclose(get_tag_probs(loaded), probs, atol=1e-3)
    assert get_tag_probs(nlp("call mom")) is None


def test_tag_probs_of_the_wrong_shape_are_refused():
    doc = spacy.blank("en")("call mom or dad")
    with pytest.raises(ValueError, match="4 tokens"):
        set_tag_probs(doc, numpy.ones((3, len(TAGS))) / len(TAGS))


def test_predicted_probabilities_agree_with_the_tags(trained_nlp):
    chunker = trained_nlp.get_pipe("coord_chunker")
    docs = [trained_nlp.make_doc(text) for text, _, _ in TRAIN_DATA] + [trained_nlp.make_doc("")]
    (tags, _), probs = chunker.predict_tag_probs(docs)
    assert [len(p) for p in probs] == [len(doc) for doc in docs]
    for doc_tags, doc_probs in zip(tags, probs):
        assert numpy.allclose(doc_probs.sum(axis=1), 1.0, atol=1e-4)
        # The overfit model is sure: its best tags are the likeliest ones.
        assert (doc_probs.argmax(axis=1) == doc_tags).all()


def test_names_lexicon_constrains_the_probabilities(trained_nlp):
    # A copy: the names stay out of the shared fixture.
    nlp = spacy.blank("en").from_config(trained_nlp.config).from_bytes(trained_nlp.to_bytes())
    chunker = nlp.get_pipe("coord_chunker")
    chunker.add_names(["earth wind and fire"])
    (_, _), (probs,) = chunker.predict_tag_probs([nlp.make_doc("play earth wind and fire")])
    assert probs[3, TAG_IDS["C"]] < 1e-6


def gold_probs(example: Example) -> numpy.ndarray:
    tags = spans_to_tags(example.reference, example.reference.spans["coord"], None)
    return numpy.eye(len(TAGS))[[TAG_IDS[tag] for tag in tags]]


@pytest.mark.parametrize("decoder", ["crf", "argmax"])
def test_student_learns_from_soft_targets_alone(decoder):
    """No gold spans at all: the tags come only from the teacher's probabilities."""
    nlp = spacy.blank("en")
    nlp.add_pipe("coord_chunker", config={"model": small_model(head={"decoder": decoder})})
    examples = []
    for text, gold, _ in TRAIN_DATA:
        with_gold = make_example(nlp, text, gold)
        reference = nlp.make_doc(text)
        set_tag_probs(reference, gold_probs(with_gold))
        examples.append(Example(nlp.make_doc(text), reference))
    fix_random_seed(0)
    nlp.initialize(lambda: examples)
    optimizer = Adam(0.01)
    for _ in range(60):
        nlp.update(examples, sgd=optimizer)
    for text, gold, _ in TRAIN_DATA:
        assert conjuncts(nlp(text)) == gold


def test_weight_zero_ignores_the_soft_targets():
    """With soft_target_weight 0, probabilities that contradict the gold change nothing."""

    def train(weight, contradict):
        nlp = spacy.blank("en")
        nlp.add_pipe("coord_chunker", config={"model": small_model(), "soft_target_weight": weight})
        examples = [make_example(nlp, text, gold) for text, gold, _ in TRAIN_DATA]
        if contradict:
            for eg in examples:
                set_tag_probs(eg.reference, numpy.eye(len(TAGS))[[TAG_IDS["O"]] * len(eg.reference)])
            fix_random_seed(0)
        nlp.initialize(lambda: examples)
        optimizer, losses = Adam(0.01), {}
        for _ in range(5):
            losses = nlp.update(examples, sgd=optimizer)
        return losses["coord_chunker"]

    assert train(0.0, contradict=True) == train(0.0, contradict=False)
    assert train(1.0, contradict=True) > train(1.0, contradict=False)
