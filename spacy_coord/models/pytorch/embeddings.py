"""Word representations: hashed attribute embeddings, a character CNN and
projected static vectors, concatenated. They are computed once per distinct
word of a batch; the encoder gathers them for its tokens."""

from typing import List, Optional, Sequence

import torch
from torch import Tensor, nn

from .modes import FastModeSwitch


class CharCNN(nn.Module):
    """Max-pooled convolution over the characters of each word.

    n_rows (int): Size of the character table (row 0 is padding).
    width (int): Character embedding and output width.
    """

    def __init__(self, n_rows: int, width: int):
        super().__init__()
        self.embed = nn.Embedding(n_rows, width, padding_idx=0)
        self.conv = nn.Conv1d(width, width, kernel_size=3, padding=1)

    def forward(self, char_ids: Tensor) -> Tensor:
        """char_ids (n_words, max_chars) -> (n_words, width)."""
        hidden = torch.relu(self.conv(self.embed(char_ids).transpose(1, 2)))
        # ReLU outputs are >= 0, so zeroing padding keeps it from winning the max-pool.
        hidden = hidden.masked_fill((char_ids == 0).unsqueeze(1), 0.0)
        return hidden.max(dim=2).values


class WordEmbedding(FastModeSwitch):
    """Concatenate hashed-attribute embeddings, character features and
    projected static vectors of each word.

    rows (Sequence[int]): Table size per hashed attribute.
    width (int): Width of each attribute embedding and of the vector projection.
    char_rows (int): Character table size; 0 disables character features.
    char_width (int): Character feature width.
    vectors_width (int): Width of the static vectors; 0 disables them.
    """

    def __init__(self, rows: Sequence[int], width: int, char_rows: int, char_width: int, vectors_width: int):
        super().__init__()
        self.tables = nn.ModuleList(nn.Embedding(n, width) for n in rows)
        self.chars = CharCNN(char_rows, char_width) if char_rows > 0 else None
        self.vectors = nn.Linear(vectors_width, width) if vectors_width > 0 else None
        self.output_width = (
            width * len(rows)
            + (char_width if self.chars is not None else 0)
            + (width if self.vectors is not None else 0)
        )

    def forward(self, hash_ids: Tensor, char_ids: Optional[Tensor], vectors: Optional[Tensor]) -> Tensor:
        """hash_ids (n_words, n_attrs), char_ids (n_words, max_chars) and
        vectors (n_words, vectors_width), the last two None when unused ->
        (n_words, output_width)."""
        parts: List[Tensor] = [table(hash_ids[:, i]) for i, table in enumerate(self.tables)]
        if self.chars is not None:
            parts.append(self.chars(char_ids))
        if self.vectors is not None:
            parts.append(self.vectors(vectors))
        return torch.cat(parts, dim=1)
