"""The torch modules: the folded recurrence (large inference batches)
against nn.LSTM, the train/eval switch, and what a word is."""

import pytest
import spacy
import torch
from spacy.attrs import NORM

from spacy_coord.models.featurize import featurize
from spacy_coord.models.pytorch.encoder import BiLSTMEncoder
from spacy_coord.models.pytorch.folded import can_fold, folded_bilstm
from spacy_coord.models.pytorch.head import TagScorer
from spacy_coord.tags import ALLOWED, ALLOWED_END, ALLOWED_START


def build_encoder(depth: int = 1) -> BiLSTMEncoder:
    torch.manual_seed(0)
    return BiLSTMEncoder(input_width=10, width=12, depth=depth).eval()


@pytest.mark.parametrize("depth", [1, 2])
def test_folded_states_equal_lstm_states(depth):
    encoder = build_encoder(depth)
    lengths = torch.tensor([3, 7, 1, 5, 7, 2])  # not sorted: the encoder sorts
    words = torch.randn(9, 10)
    word_index = torch.randint(0, 9, (int(lengths.sum()),))
    with torch.no_grad():
        # Below FOLD_MIN_TOKENS: the packed nn.LSTM path.
        expected = encoder(words, word_index, lengths)
    assert len(word_index) < 64
    folded = folded_bilstm(encoder.lstm, words, word_index, lengths)  # also outside no_grad
    assert torch.allclose(folded, expected, atol=1e-5)


def test_one_row_and_many_rows_agree():
    encoder = build_encoder()
    words, word_index = torch.randn(4, 10), torch.tensor([0, 1, 2, 3, 1])
    with torch.no_grad():
        alone = encoder(words, word_index, torch.tensor([5]))
        together = encoder(words, torch.cat([word_index, word_index[:2]]), torch.tensor([5, 2]))
    assert torch.allclose(alone, together[:5], atol=1e-6)


def test_only_a_bidirectional_lstm_folds():
    assert can_fold(build_encoder().lstm) and can_fold(build_encoder(depth=2).lstm)
    assert not can_fold(torch.nn.LSTM(4, 3, batch_first=True))


def test_train_and_eval_reach_every_submodule():
    head = TagScorer(8, *(torch.from_numpy(a) for a in (ALLOWED, ALLOWED_START, ALLOWED_END)), "crf", 2, 0.1)
    for module in (build_encoder(), head):
        module.train()
        assert all(sub.training for sub in module.modules())
        module.eval()
        assert not any(sub.training for sub in module.modules())


def test_a_word_is_its_text_and_its_attributes():
    # "'s" is one text with two norms ("us" in "let's"): two words, so that
    # the word embedding, which embeds each word once, keeps them apart.
    nlp = spacy.blank("en")
    docs = [nlp("let's go"), nlp("john's car"), nlp("go go")]
    features = featurize(docs, [NORM], [50], max_chars=4, char_rows=40, vectors_width=0)
    words = features.word_index.tolist()
    assert words[1] != words[4]  # 's (us) in "let's", 's in "john's"
    assert words[2] == words[6] == words[7]  # go
    assert len(features.char_ids) == len(features.hash_ids) == 6  # let, 's (us), go, john, 's, car
