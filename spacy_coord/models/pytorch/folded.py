"""A faster BiLSTM recurrence for large inference batches, with the same
weights and the same results as `nn.LSTM` over the gathered word representations.

Most of the encoder's time went into the LSTM's input projection, a
(tokens x 352) by (352 x 512) product. A token's projection depends only on
its word and attributes, and a batch has several times fewer distinct words
than tokens: each word is projected once and its tokens gather the result.
`nn.LSTM` cannot take precomputed gates, so the recurrence runs here, both
directions at once.
"""

from typing import NamedTuple

import torch
from torch import Tensor, nn


def can_fold(lstm: nn.Module) -> bool:
    """Whether `folded_bilstm` supports this LSTM: a plain float `nn.LSTM`
    (not a quantized one), bidirectional, of any number of layers."""
    return type(lstm) is nn.LSTM and lstm.bidirectional and lstm.bias and lstm.batch_first and lstm.proj_size == 0


class _Weights(NamedTuple):
    """Both directions' LSTM weights, gate rows reordered from nn.LSTM's
    (i, f, g, o) to (i, f, o, g), so that one sigmoid covers three gates."""

    input: Tensor  # (8 * hidden, input width), forward direction's rows first
    bias: Tensor  # (8 * hidden,), input and recurrent biases added
    recurrent: Tensor  # (2, hidden, 4 * hidden), transposed for h @ recurrent


def _weights(lstm: nn.LSTM, layer: int = 0) -> _Weights:
    """The weights of one layer of `lstm` as `_recurrence` and
    `_input_gates` take them."""
    hidden = lstm.hidden_size
    gate_rows = torch.arange(4 * hidden, device=lstm.weight_ih_l0.device).view(4, hidden)  # i, f, g, o
    order = gate_rows[[0, 1, 3, 2]].reshape(-1)
    directions = (f"_l{layer}", f"_l{layer}_reverse")

    def rows(name: str, direction: str) -> Tensor:
        return getattr(lstm, name + direction)[order]

    return _Weights(
        input=torch.cat([rows("weight_ih", d) for d in directions]),
        bias=torch.cat([rows("bias_ih", d) + rows("bias_hh", d) for d in directions]),
        recurrent=torch.stack([rows("weight_hh", d).T for d in directions]),
    )


# Inference only; the recurrence writes its states in place (out=).
@torch.no_grad()
def folded_bilstm(lstm: nn.LSTM, words: Tensor, word_index: Tensor, lengths: Tensor) -> Tensor:
    """BiLSTM states of a batch of tokens, in inference mode (no dropout).

    words (Tensor): (n_words, input width) the word representations.
    word_index (Tensor): (n_tokens,) the word of each token, rows one after the other.
    lengths (Tensor): (batch,) tokens per row.
    RETURNS (Tensor): (n_tokens, 2 * hidden), in the order of `word_index`.
    """
    weights = _weights(lstm)
    # Each word is projected once and its tokens gather the result.
    gates = torch.addmm(weights.bias, words, weights.input.T)[word_index]
    states = _recurrence(weights, gates, lengths)
    # Upper layers read the states below them, one per token: nothing to fold.
    for layer in range(1, lstm.num_layers):
        weights = _weights(lstm, layer)
        states = _recurrence(weights, torch.addmm(weights.bias, states, weights.input.T), lengths)
    return states


def _recurrence(weights: _Weights, gates: Tensor, lengths: Tensor) -> Tensor:
    """Run both directions over the input gates of a flat list of tokens.

    Tokens are laid out time-major as in a packed sequence: rows sorted
    longest first, step t holds the first `running[t]` rows, so each step
    reads and writes one contiguous block. The backward direction reads
    each row reversed within its length, which gives it the same layout.
    RETURNS (Tensor): (n_tokens, 2 * hidden), in the order of `gates`.
    """
    hidden = weights.recurrent.shape[1]
    forward_order, backward_order, running = _packed_orders(lengths)
    inputs = torch.stack([gates[forward_order, : 4 * hidden], gates[backward_order, 4 * hidden :]])
    h = gates.new_zeros(2, running[0], hidden)
    c = gates.new_zeros(2, running[0], hidden)
    packed_states = gates.new_empty(2, gates.shape[0], hidden)
    start = 0
    for n in running:
        step = torch.baddbmm(inputs[:, start : start + n], h[:, :n], weights.recurrent)
        i, f, o = step[:, :, : 3 * hidden].sigmoid().chunk(3, dim=2)
        c = torch.addcmul(f * c[:, :n], i, step[:, :, 3 * hidden :].tanh())
        h = torch.mul(o, c.tanh(), out=packed_states[:, start : start + n])
        start += n
    states = gates.new_empty(gates.shape[0], 2 * hidden)
    states[forward_order, :hidden] = packed_states[0]
    states[backward_order, hidden:] = packed_states[1]
    return states


def _packed_orders(lengths: Tensor):
    """For flat row-major tokens of rows with `lengths`: the token at each
    slot of the forward and of the backward packed layout, and the number of
    rows running at each step."""
    by_length = torch.argsort(lengths, descending=True)
    sorted_lengths = lengths[by_length]
    row_starts = torch.cumsum(lengths, 0) - lengths
    steps = torch.arange(int(sorted_lengths[0]), device=lengths.device)
    running_mask = steps.unsqueeze(1) < sorted_lengths.unsqueeze(0)  # (steps, rows sorted)
    step_index, row_index = running_mask.nonzero(as_tuple=True)  # time-major, as packed
    rows = by_length[row_index]
    forward_order = row_starts[rows] + step_index
    backward_order = row_starts[rows] + lengths[rows] - 1 - step_index
    return forward_order, backward_order, running_mask.sum(dim=1).tolist()
