"""The BiLSTM encoder over the words of a batch, as a plain torch module."""

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from .folded import can_fold, folded_bilstm
from .modes import FastModeSwitch

# Batches with at least this many tokens take the folded recurrence at
# inference: faster on large batches, slower on a single utterance.
FOLD_MIN_TOKENS = 64


class BiLSTMEncoder(FastModeSwitch):
    """Gather each token's word representation, then a BiLSTM.

    input_width (int): Width of the word representations.
    width (int): Output width (both directions together).
    depth (int): Number of BiLSTM layers.
    """

    def __init__(self, input_width: int, width: int, depth: int):
        super().__init__()
        self.lstm = nn.LSTM(input_width, width // 2, num_layers=depth, bidirectional=True, batch_first=True)

    def forward(self, words: Tensor, word_index: Tensor, lengths: Tensor, dropout: float = 0.0) -> Tensor:
        """words (n_words, input_width); word_index (n_tokens,) the word of
        each token, rows of the batch one after the other; lengths (batch,)
        tokens per row; dropout: the rate on the LSTM's inputs and outputs
        and between its layers, in training -> (n_tokens, width) states, in
        the order of `word_index`.
        """
        lengths = lengths.cpu()
        if self.lstm.num_layers > 1:
            self.lstm.dropout = dropout
        if not self.training and can_fold(self.lstm) and len(word_index) >= FOLD_MIN_TOKENS:
            return folded_bilstm(self.lstm, words, word_index, lengths)
        mask = torch.arange(int(lengths.max())).unsqueeze(0) < lengths.unsqueeze(1)
        embedded = words.new_zeros(mask.shape + (words.shape[1],))
        embedded[mask.to(words.device)] = words[word_index]
        embedded = F.dropout(embedded, dropout, self.training)
        if len(lengths) == 1:  # one utterance (the latency case): no padding to pack away
            states, _ = self.lstm(embedded)
            return F.dropout(states[0], dropout, self.training)
        packed, _ = self.lstm(pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False))
        packed = PackedSequence(
            F.dropout(packed.data, dropout, self.training),
            packed.batch_sizes,
            packed.sorted_indices,
            packed.unsorted_indices,
        )
        states, _ = pad_packed_sequence(packed, batch_first=True)
        return states[mask.to(states.device)]
