"""Token representations: hashed attribute embeddings, a character CNN and
projected static vectors, concatenated."""
from typing import List, NamedTuple, Optional, Sequence

import torch
from torch import Tensor, nn


class CharCNN(nn.Module):
    """Max-pooled convolution over the characters of each token.

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


class TokenFeatures(NamedTuple):
    """The inputs of `TokenEmbedding` for a padded batch. Characters and
    static vectors come once per distinct word of the batch, so that the
    character CNN and the vector projection run once per word.

    hash_ids (Tensor): (batch, length, n_attrs) hashed attribute ids.
    char_ids (Optional[Tensor]): (n_words, max_chars) hashed characters.
    word_index (Optional[Tensor]): (batch, length) the word of each token;
        tokens of one word have the same text and the same attribute ids.
    vectors (Optional[Tensor]): (n_words, vectors_width) static vectors.
    similarity (Optional[Tensor]): (batch, length, similarity_width) features.
    vector_rows (Optional[Tensor]): (n_words,) each word's row in the table
        of vector corrections, when the vectors are fine-tuned.
    """

    hash_ids: Tensor
    char_ids: Optional[Tensor] = None
    word_index: Optional[Tensor] = None
    vectors: Optional[Tensor] = None
    similarity: Optional[Tensor] = None
    vector_rows: Optional[Tensor] = None

    def n_words(self) -> int:
        """The number of distinct words: rows of the per-word fields, or one
        more than the largest word index without them."""
        for per_word in (self.char_ids, self.vectors):
            if per_word is not None:
                return len(per_word)
        return int(self.word_index.max()) + 1


class TokenEmbedding(nn.Module):
    """Concatenate hashed-attribute embeddings, character features and
    projected static vectors.

    rows (Sequence[int]): Table size per hashed attribute.
    width (int): Width of each attribute embedding and of the vector projection.
    char_rows (int): Character table size; 0 disables character features.
    char_width (int): Character feature width.
    vectors_width (int): Width of the static vectors; 0 disables them.
    vector_tuning_rows (int): Rows of a hashed table of trainable
        corrections added to the static vectors, so that training fine-tunes
        them; 0 keeps them frozen.
    similarity_width (int): Width of per-token similarity features passed in
        as they are (0: none).
    word_dropout (float): In training, the probability of hiding a token's
        word identity (attribute ids and static vector), so the network also
        learns from context and characters.
    """

    def __init__(
        self,
        rows: Sequence[int],
        width: int,
        char_rows: int,
        char_width: int,
        vectors_width: int,
        similarity_width: int,
        word_dropout: float,
        vector_tuning_rows: int = 0,
    ):
        super().__init__()
        self.tables = nn.ModuleList(nn.Embedding(n, width) for n in rows)
        self.chars = CharCNN(char_rows, char_width) if char_rows > 0 else None
        self.vectors = nn.Linear(vectors_width, width) if vectors_width > 0 else None
        self.vector_corrections = None
        if vectors_width > 0 and vector_tuning_rows > 0:
            # Zero corrections: training starts from the pretrained vectors.
            self.vector_corrections = nn.Embedding(vector_tuning_rows, vectors_width)
            nn.init.zeros_(self.vector_corrections.weight)
        self.similarity_width = similarity_width
        self.word_dropout = word_dropout
        self.output_width = (
            width * len(rows)
            + (char_width if self.chars is not None else 0)
            + (width if self.vectors is not None else 0)
            + similarity_width
        )

    def forward(self, features: TokenFeatures) -> Tensor:
        """features (TokenFeatures) -> (batch, length, output_width)."""
        hash_ids = features.hash_ids
        dropped = None
        if self.training and self.word_dropout > 0:
            dropped = (torch.rand(hash_ids.shape[:2], device=hash_ids.device) < self.word_dropout).unsqueeze(2)
            hash_ids = hash_ids.masked_fill(dropped, 0)
        parts: List[Tensor] = [table(hash_ids[:, :, i]) for i, table in enumerate(self.tables)]
        if self.chars is not None:
            parts.append(self.chars(features.char_ids)[features.word_index])
        if self.vectors is not None:
            projected = self.vectors(self._word_vectors(features))[features.word_index]
            # A hidden word's vector is zero, so its projection is the bias.
            parts.append(projected if dropped is None else torch.where(dropped, self.vectors.bias, projected))
        if self.similarity_width:
            parts.append(features.similarity)
        return torch.cat(parts, dim=2)

    def embed_words(self, features: TokenFeatures) -> Tensor:
        """The embedding of each distinct word, in inference (no word
        dropout), without the per-token similarity features.

        features (TokenFeatures): Inputs whose per-token fields are flat
            lists of tokens: hash_ids (n_tokens, n_attrs), word_index (n_tokens,).
        RETURNS (Tensor): (n_words, output_width - similarity_width).
        """
        # Tokens of one word share their ids: any of them gives the word's.
        hash_ids = features.hash_ids.new_zeros((features.n_words(), features.hash_ids.shape[1]))
        hash_ids[features.word_index] = features.hash_ids
        parts: List[Tensor] = [table(hash_ids[:, i]) for i, table in enumerate(self.tables)]
        if self.chars is not None:
            parts.append(self.chars(features.char_ids))
        if self.vectors is not None:
            parts.append(self.vectors(self._word_vectors(features)))
        return torch.cat(parts, dim=1)

    def _word_vectors(self, features: TokenFeatures) -> Tensor:
        """(n_words, vectors_width) static vectors, fine-tuned if corrections are trained."""
        if self.vector_corrections is None:
            return features.vectors
        return features.vectors + self.vector_corrections(features.vector_rows)
