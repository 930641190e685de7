"""A BERT-style transformer over word pieces, pooled to one state per token,
as a plain torch module (curated-transformers' BERT encoder)."""

import copy
from typing import Dict, List

import torch
from curated_transformers.layers import AttentionMask
from curated_transformers.models.bert import BERTConfig, BERTEncoder
from torch import Tensor, nn

HF_EXTRAS = ("pooler.", "embeddings.position_ids", "bert.pooler.", "bert.embeddings.position_ids")
# Padded pieces per group of windows encoded together (`group_sizes`).
GROUP_PIECES = 256


class PieceTransformerEncoder(nn.Module):
    """A BERT encoder whose piece states are averaged per token.

    width (int): Hidden width of the transformer.
    depth (int): Number of transformer layers.
    n_heads (int): Attention heads per layer.
    intermediate_width (int): Width of the feed-forward layers.
    n_pieces (int): Rows of the piece embedding table (the vocabulary).
    n_positions (int): Rows of the position table: the longest window.
    quantize (bool): Predict with a copy of the encoder whose linear layers
        are int8 (dynamic quantization); training and the saved weights
        stay float.
    """

    def __init__(
        self,
        width: int,
        depth: int,
        n_heads: int,
        intermediate_width: int,
        n_pieces: int,
        n_positions: int,
        quantize: bool = False,
    ):
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
        self.quantize = quantize
        _drop_int8(self)
        self.register_load_state_dict_post_hook(_drop_int8)

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
        (`piece_rows`: indices into the flattened (n_windows, length)
        pieces). The windows are encoded longest first in groups of similar
        length, each group padded to its own longest window: a batch of short
        utterances and a few long ones is not padded to the longest, and
        attention's cost grows with the square of the padded length. Only
        the pooled states of each group are kept, so memory is bounded by a
        group, not the document (a million characters at once took 14 GB)."""
        bert = self._encoder()
        length = piece_ids.shape[1]
        lengths = mask.sum(dim=1)
        order = torch.argsort(lengths, descending=True, stable=True)
        window_of, offset_of = piece_rows // length, piece_rows % length
        position = torch.full((piece_ids.shape[0],), -1, dtype=torch.long, device=piece_ids.device)
        pooled = None
        for rows in order.split(group_sizes(lengths[order].tolist(), GROUP_PIECES)):
            longest = int(lengths[rows[0]])
            states = bert(piece_ids[rows, :longest], AttentionMask(mask[rows, :longest])).last_hidden_layer_state
            if pooled is None:
                pooled = states.new_zeros((len(piece_rows), states.shape[-1]))
            position[rows] = torch.arange(len(rows), device=position.device)
            mine = torch.nonzero(torch.isin(window_of, rows)).squeeze(1)
            pooled[mine] = states[position[window_of[mine]], offset_of[mine]]
        return pooled

    def _encoder(self) -> nn.Module:
        """`bert`; in eval mode with `quantize`, its int8 copy, made at the
        first prediction after training or loading changed the weights."""
        if self.training or not self.quantize:
            _drop_int8(self)  # training changes the weights: a copy would be stale
            return self.bert
        if self.__dict__["_int8_bert"] is None:
            from torch.ao.quantization import quantize_dynamic

            # Made outside inference mode: a copy of inference tensors could
            # not run where autograd records.
            with torch.inference_mode(False):
                int8_bert = quantize_dynamic(copy.deepcopy(self.bert), {nn.Linear}, dtype=torch.qint8)
            self.__dict__["_int8_bert"] = int8_bert.eval()
        return self.__dict__["_int8_bert"]

    def load_hf_weights(self, params: Dict[str, Tensor]) -> None:
        """Load a Hugging Face BERT checkpoint's tensors, by name, into the
        encoder. Raises RuntimeError when a tensor is missing, left over or
        of another shape than the module's."""
        # The checkpoint's pooler and position id buffer are not the encoder's.
        params = {name: tensor for name, tensor in params.items() if not name.startswith(HF_EXTRAS)}
        self.bert.load_state_dict(BERTEncoder.state_dict_from_hf(params))


def group_sizes(lengths: List[int], budget: int) -> List[int]:
    """Sizes of consecutive groups of windows, `lengths` sorted longest
    first, such that a group padded to its first (longest) window holds at
    most `budget` pieces, and at least one window.

    lengths (List[int]): Window lengths, longest first.
    budget (int): Padded pieces per group.
    RETURNS (List[int]): The group sizes, summing to len(lengths).
    """
    sizes, start = [], 0
    while start < len(lengths):
        size = max(1, min(len(lengths) - start, budget // lengths[start]))
        sizes.append(size)
        start += size
    return sizes


def _drop_int8(module: PieceTransformerEncoder, *args) -> None:
    """Forget the int8 copy of the encoder (also a load_state_dict post
    hook). It is kept out of the module's registry (the module's __dict__,
    not a submodule), so that it is neither trained nor saved."""
    module.__dict__["_int8_bert"] = None
