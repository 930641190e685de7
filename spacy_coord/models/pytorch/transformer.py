"""A BERT-style transformer over word pieces, pooled to one state per token,
as a plain torch module (curated-transformers' BERT encoder)."""

from typing import Dict

import torch
from curated_transformers.layers import AttentionMask
from curated_transformers.models.bert import BERTConfig, BERTEncoder
from torch import Tensor, nn

# Pieces encoded at once: 16 windows of 512 pieces.
WINDOW_PIECES = 16 * 512
HF_EXTRAS = ("pooler.", "embeddings.position_ids", "bert.pooler.", "bert.embeddings.position_ids")


class PieceTransformerEncoder(nn.Module):
    """A BERT encoder whose piece states are averaged per token.

    width (int): Hidden width of the transformer.
    depth (int): Number of transformer layers.
    n_heads (int): Attention heads per layer.
    intermediate_width (int): Width of the feed-forward layers.
    n_pieces (int): Rows of the piece embedding table (the vocabulary).
    n_positions (int): Rows of the position table: the longest window.
    """

    def __init__(self, width: int, depth: int, n_heads: int, intermediate_width: int, n_pieces: int, n_positions: int):
        super().__init__()
        config = BERTConfig(
            embedding_width=width,
            hidden_width=width,
            intermediate_width=intermediate_width,
            n_attention_heads=n_heads,
            n_hidden_layers=depth,
            n_pieces=n_pieces,
            n_positions=n_positions,
            model_max_length=n_positions,
        )
        self.bert = BERTEncoder(config)

    def forward(
        self, piece_ids: Tensor, mask: Tensor, piece_rows: Tensor, token_index: Tensor, n_tokens: int
    ) -> Tensor:
        """piece_ids (n_windows, length) and mask (n_windows, length), False
        on padding: the windows, [CLS] and [SEP] included; piece_rows
        (n_pooled,) the flat position (window * length + offset) of each
        piece that is pooled, token_index (n_pooled,) its token, docs one
        after the other -> (n_tokens, width) the mean of each token's pieces.
        """
        pieces = self.encode_pieces(piece_ids, mask, piece_rows)
        counts = torch.bincount(token_index, minlength=n_tokens).clamp(min=1).to(pieces.dtype)
        summed = pieces.new_zeros((n_tokens, pieces.shape[1])).index_add(0, token_index, pieces)
        return summed / counts.unsqueeze(1)

    def encode_pieces(self, piece_ids: Tensor, mask: Tensor, piece_rows: Tensor) -> Tensor:
        """The last hidden states (n_pooled, width) of the pooled pieces
        (`piece_rows`, ascending), the windows encoded a group of at most
        WINDOW_PIECES pieces at a time. Attention takes memory in the square
        of the window length per window, so a document of a million
        characters (about 450 windows) at once took 14 GB; a group at a
        time, it is bounded by the group, and only the pooled states of each
        group are kept."""
        length = piece_ids.shape[1]
        per_group = max(1, WINDOW_PIECES // length)
        pooled = []
        for first in range(0, piece_ids.shape[0], per_group):
            last = first + per_group
            hidden = self.bert(piece_ids[first:last], AttentionMask(mask[first:last])).last_hidden_layer_state
            bounds = torch.tensor([first * length, last * length], device=piece_rows.device)
            lo, hi = torch.searchsorted(piece_rows, bounds).tolist()
            pooled.append(hidden.reshape(-1, hidden.shape[-1])[piece_rows[lo:hi] - first * length])
        return torch.cat(pooled)

    def load_hf_weights(self, params: Dict[str, Tensor]) -> None:
        """Load a Hugging Face BERT checkpoint's tensors, by name, into the
        encoder. Raises RuntimeError when a tensor is missing, left over or
        of another shape than the module's."""
        # The checkpoint's pooler and position id buffer are not the encoder's.
        params = {name: tensor for name, tensor in params.items() if not name.startswith(HF_EXTRAS)}
        self.bert.load_state_dict(BERTEncoder.state_dict_from_hf(params))
