"""The PyTorch module: the folded encoder (large inference batches) against
TokenEmbedding + nn.LSTM, and the train/eval switch."""
import numpy
import pytest
import spacy
import torch
from torch.nn.utils.rnn import pad_packed_sequence

from spacy_coord.models.bilstm_crf import build_bilstm_crf_tagger, featurize
from spacy_coord.models.pytorch.embeddings import TokenFeatures
from spacy_coord.models.pytorch.folded import can_fold, folded_bilstm
from spacy_coord.models.pytorch.tagger import BiLSTMCRF
from spacy_coord.tags import ALLOWED, ALLOWED_END, ALLOWED_START

ROWS = [50, 20, 30, 10]


def build(char_width, vectors_width, depth=1, similarity_width=0, vector_tuning_rows=0):
    torch.manual_seed(0)
    return BiLSTMCRF(
        allowed=torch.from_numpy(ALLOWED),
        allowed_start=torch.from_numpy(ALLOWED_START),
        allowed_end=torch.from_numpy(ALLOWED_END),
        begin_tag=0,
        rows=ROWS,
        embed_width=8,
        char_rows=40 if char_width else 0,
        char_width=char_width,
        vectors_width=vectors_width,
        similarity_width=similarity_width,
        word_dropout=0.0,
        hidden_width=12,
        depth=depth,
        dropout=0.2,
        decoder="crf",
        n_domains=0,
        adversarial_weight=0.0,
        vector_tuning_rows=vector_tuning_rows,
    ).eval()


@pytest.mark.parametrize(
    "char_width,vectors_width,similarity_width,vector_tuning_rows",
    [(6, 5, 0, 0), (0, 5, 0, 0), (6, 0, 0, 0), (0, 0, 0, 0), (6, 5, 2, 0), (6, 5, 0, 7)],
)
@pytest.mark.parametrize("depth", [1, 2])
def test_folded_states_equal_lstm_states(char_width, vectors_width, similarity_width, vector_tuning_rows, depth):
    model = build(char_width, vectors_width, depth, similarity_width=similarity_width, vector_tuning_rows=vector_tuning_rows)
    if vector_tuning_rows:  # corrections as training leaves them, not the zeros it starts from
        torch.nn.init.normal_(model.embed.vector_corrections.weight)
    lengths = torch.tensor([3, 7, 1, 5, 7, 2])  # not sorted: the encoder sorts
    batch, length, n_words = len(lengths), int(lengths.max()), 9
    word_index = torch.randint(0, n_words, (batch, length))
    # Tokens of one word share their attribute ids, as `featurize` makes them.
    hash_ids = torch.stack([torch.randint(0, n, (n_words,)) for n in ROWS], dim=1)[word_index]
    char_ids = torch.randint(0, 40, (n_words, 4)) if char_width else None
    vectors = torch.randn(n_words, vectors_width) if vectors_width else None
    similarity = torch.rand(batch, length, similarity_width) if similarity_width else None
    vector_rows = torch.randint(0, vector_tuning_rows, (n_words,)) if vector_tuning_rows else None
    features = TokenFeatures(hash_ids, char_ids, word_index, vectors, similarity, vector_rows)
    with torch.no_grad():
        expected, _ = pad_packed_sequence(model.encode(features, lengths), batch_first=True, total_length=length)
    folded = folded_bilstm(model.embed, model.lstm, features, lengths)  # also outside no_grad
    mask = torch.arange(length).unsqueeze(0) < lengths.unsqueeze(1)
    assert torch.allclose(folded, expected[mask], atol=1e-5)


def test_only_a_bidirectional_lstm_folds():
    assert can_fold(build(6, 5).lstm) and can_fold(build(6, 5, depth=2).lstm)
    assert not can_fold(torch.nn.LSTM(4, 3, batch_first=True))


def test_train_and_eval_reach_every_submodule():
    model = build(6, 5)
    model.train()
    assert all(module.training for module in model.modules())
    model.eval()
    assert not any(module.training for module in model.modules())


def test_a_word_is_its_text_and_its_attributes():
    # "'s" is one text with two norms ("us" in "let's"): two words, so that
    # the folded encoder, which embeds each word once, keeps them apart.
    nlp = spacy.blank("en")
    docs = [nlp("let's go"), nlp("john's car"), nlp("go go")]
    features = featurize(build_bilstm_crf_tagger(vectors_width=0), docs)
    words = features["word_index"]
    assert words[0, 1] != words[1, 1]
    assert words[0, 2] == words[2, 0] == words[2, 1]
    assert len(features["char_ids"]) == 6  # let, 's (us), go, john, 's, car
