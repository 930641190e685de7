"""A faster BiLSTM encoder for large inference batches, with the same
weights and the same results as `TokenEmbedding` followed by `nn.LSTM`.

Most of the encoder's time goes into the LSTM's input projection, a
(tokens x 352) by (352 x 512) product. The LSTM input is a concatenation of
table lookups, so the projection of a token is the sum of each table row's
projection: projecting the distinct rows a batch uses (a few hundred per
table) and gathering them replaces most of that product. `nn.LSTM` cannot
take precomputed gates, so the recurrence runs here, both directions at once.
"""
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .embeddings import TokenEmbedding, TokenFeatures


def can_fold(lstm: nn.Module) -> bool:
    """Whether `folded_bilstm` supports this LSTM: a plain float `nn.LSTM`
    (not a quantized one) with one bidirectional layer."""
    return (
        type(lstm) is nn.LSTM
        and lstm.num_layers == 1
        and lstm.bidirectional
        and lstm.bias
        and lstm.batch_first
        and lstm.proj_size == 0
    )


def folded_bilstm(embed: TokenEmbedding, lstm: nn.LSTM, features: TokenFeatures, lengths: Tensor) -> Tensor:
    """BiLSTM states of the real tokens of a padded batch, in inference mode
    (no dropout).

    features (TokenFeatures): The token inputs; lengths (batch,) tokens per row.
    RETURNS (Tensor): (n_tokens, 2 * hidden), tokens in row-major order.
    """
    mask = torch.arange(features.hash_ids.shape[1], device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)
    # The per-token fields as flat lists of real tokens; per-word ones stay.
    flat = features._replace(
        hash_ids=features.hash_ids[mask],
        word_index=None if features.word_index is None else features.word_index[mask],
        similarity=None if features.similarity is None else features.similarity[mask],
    )
    return _recurrence(lstm, _input_gates(embed, lstm, flat), lengths)


def _input_gates(embed: TokenEmbedding, lstm: nn.LSTM, flat: TokenFeatures) -> Tensor:
    """(n_tokens, 8 * hidden) input projections plus biases of a flat list
    of tokens, forward direction first.

    Each input part is projected once per distinct row it uses (table row or
    word); one `embedding_bag` then sums each token's projected rows.
    Similarity features are per token and are projected as they are.
    """
    weight = torch.cat([lstm.weight_ih_l0, lstm.weight_ih_l0_reverse])
    bias = torch.cat([lstm.bias_ih_l0 + lstm.bias_hh_l0, lstm.bias_ih_l0_reverse + lstm.bias_hh_l0_reverse])
    blocks = iter(weight.split(_part_widths(embed), dim=1))  # column blocks in TokenEmbedding's order
    projected, indices = [], []
    for i, table in enumerate(embed.tables):
        distinct, inverse = torch.unique(flat.hash_ids[:, i], return_inverse=True)
        projected.append(F.linear(table.weight[distinct], next(blocks)))
        indices.append(inverse)
    if embed.chars is not None:
        projected.append(F.linear(embed.chars(flat.char_ids), next(blocks)))
        indices.append(flat.word_index)
    if embed.vectors is not None:
        # Two linear maps in a row are one: fold the vector projection in.
        block = next(blocks)
        projected.append(F.linear(flat.vectors, block @ embed.vectors.weight, block @ embed.vectors.bias))
        indices.append(flat.word_index)
    offsets = torch.tensor([0] + [len(rows) for rows in projected[:-1]], device=bias.device).cumsum(0)
    bags = torch.stack(indices, dim=1) + offsets
    gates = F.embedding_bag(bags, torch.cat(projected), mode="sum") + bias
    if embed.similarity_width:
        # Per-token features, not table rows: projected token by token.
        gates = gates + F.linear(flat.similarity, next(blocks))
    return gates


def _part_widths(embed: TokenEmbedding):
    """Widths of the parts TokenEmbedding concatenates, in order."""
    widths = [table.embedding_dim for table in embed.tables]
    if embed.chars is not None:
        widths.append(embed.chars.conv.out_channels)
    if embed.vectors is not None:
        widths.append(embed.vectors.out_features)
    if embed.similarity_width:
        widths.append(embed.similarity_width)
    return widths


def _recurrence(lstm: nn.LSTM, gates: Tensor, lengths: Tensor) -> Tensor:
    """Run both directions over the input gates of a flat list of tokens.

    Tokens are laid out time-major as in a packed sequence: rows sorted
    longest first, step t holds the first `running[t]` rows, so each step
    reads and writes one contiguous block. The backward direction reads
    each row reversed within its length, which gives it the same layout.
    RETURNS (Tensor): (n_tokens, 2 * hidden), in the order of `gates`.
    """
    hidden = lstm.hidden_size
    forward_order, backward_order, running = _packed_orders(lengths)
    inputs = torch.stack([gates[forward_order, : 4 * hidden], gates[backward_order, 4 * hidden :]])
    recurrent = torch.stack([lstm.weight_hh_l0.T, lstm.weight_hh_l0_reverse.T])  # (2, h, 4h)
    h = gates.new_zeros(2, running[0], hidden)
    c = gates.new_zeros(2, running[0], hidden)
    packed_states = gates.new_empty(2, gates.shape[0], hidden)
    start = 0
    for n in running:
        step = torch.baddbmm(inputs[:, start : start + n], h[:, :n], recurrent)
        i, f, g, o = step.chunk(4, dim=2)  # nn.LSTM's gate order
        c = torch.sigmoid(f) * c[:, :n] + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        packed_states[:, start : start + n] = h
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
