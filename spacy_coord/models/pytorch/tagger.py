"""The BiLSTM-CRF tagger as a plain PyTorch module.

Its constructor arguments are all plain numbers, so the shapes of every
parameter are fixed by the config and `from_disk` can load a state dict into
a freshly built module.
"""
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from .adversary import DomainAdversary
from .crf import FORBIDDEN, ConstrainedCRF, register_constraints, viterbi
from .embeddings import TokenEmbedding, TokenFeatures
from .folded import can_fold, folded_bilstm

# Batches with at least this many tokens take the folded encoder at
# inference: faster on large batches, slower on a single utterance.
FOLD_MIN_TOKENS = 64


class BiLSTMCRF(nn.Module):
    """Token embeddings -> BiLSTM -> dense -> CRF (or per-token softmax).

    allowed, allowed_start, allowed_end: constraints on the CRF states (see
        tags.py); the states are the tags unless `tag_of` is given.
    begin_tag (int): Id of the tag that starts a conjunct.
    tag_of, type_of (Optional[Tensor]): The tag id and the coordination type
        of each CRF state, when there are several states per tag
        (`tags.typed_states`); the CRF decoder only.
    rows, embed_width, char_rows, char_width, vectors_width, similarity_width, word_dropout,
    vector_tuning_rows: see `TokenEmbedding`.
    hidden_width (int): BiLSTM output width (both directions together).
    depth (int): Number of BiLSTM layers.
    dropout (float): Dropout on embeddings and encoder states.
    decoder (str): "crf", or "argmax" for independent per-token softmaxes
        decoded under the same constraints.
    n_domains (int): Domain classes of the adversarial head (0: no head).
    adversarial_weight (float): Gradient reversal scale of that head.
    n_syntax_labels (int): Classes of the auxiliary syntax head, which
        predicts a parser's label (such as the part of speech) of each token
        from the encoder states in training only (0: no head). Its weights
        are saved with the model, but prediction never runs it.
    syntax_weight (float): Weight of that head's loss.
    parallelism_weight (float): At prediction, the CRF's best tag sequences
        are rescored by their score minus this times the imbalance of their
        conjunct lengths (`decoding.rescore_by_parallelism`); 0 keeps the
        Viterbi sequence. The CRF decoder only.
    similarity_weight (float): At prediction, the rescoring also subtracts
        this times how unlike the last words of neighbouring conjuncts are
        (`parallelism.head_unlikeness`, from the static vectors). Needs
        static vectors and the CRF decoder.
    clause_weight (float): At prediction, the rescoring also subtracts this
        times the number of pairs of conjuncts that open clauses unlike
        (`parallelism.clause_mismatches`, from the `opens_clause`
        input of `forward`). The CRF decoder only.
    coordinator_tag (int): Id of the tag between conjuncts ("and", commas).
    coordinator_bias (float): At prediction, added to the score of
        `coordinator_tag` on conjunction words (the `conjunctions` input of
        `forward`): a prior for coordination there. 0 turns it off.
    """

    def __init__(
        self,
        *,
        allowed: Tensor,
        allowed_start: Tensor,
        allowed_end: Tensor,
        begin_tag: int,
        rows: Sequence[int],
        embed_width: int,
        char_rows: int,
        char_width: int,
        vectors_width: int,
        similarity_width: int,
        word_dropout: float,
        hidden_width: int,
        depth: int,
        dropout: float,
        decoder: str,
        n_domains: int,
        adversarial_weight: float,
        n_syntax_labels: int = 0,
        syntax_weight: float = 0.0,
        parallelism_weight: float = 0.0,
        similarity_weight: float = 0.0,
        clause_weight: float = 0.0,
        coordinator_tag: int = -1,
        coordinator_bias: float = 0.0,
        vector_tuning_rows: int = 0,
        tag_of: Optional[Tensor] = None,
        type_of: Optional[Tensor] = None,
    ):
        super().__init__()
        n_states = allowed.shape[0]
        self.n_states = n_states
        self.begin_tag = begin_tag
        self.embed = TokenEmbedding(
            rows, embed_width, char_rows, char_width, vectors_width, similarity_width, word_dropout, vector_tuning_rows
        )
        self.dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(
            self.embed.output_width,
            hidden_width // 2,
            num_layers=depth,
            bidirectional=True,
            batch_first=True,
            dropout=dropout if depth > 1 else 0.0,
        )
        self.dense = nn.Sequential(
            nn.Linear(hidden_width, hidden_width), nn.ReLU(), nn.Linear(hidden_width, n_states)
        )
        self.decoder = decoder
        self.parallelism_weight = parallelism_weight
        self.similarity_weight = similarity_weight
        self.clause_weight = clause_weight
        self.coordinator_tag = coordinator_tag
        self.coordinator_bias = coordinator_bias
        if decoder == "crf":
            self.crf = ConstrainedCRF(allowed, allowed_start, allowed_end, tag_of, type_of)
        else:
            register_constraints(self, allowed, allowed_start, allowed_end)
        self.adversary = (
            DomainAdversary(hidden_width, n_domains, adversarial_weight)
            if n_domains > 0 and adversarial_weight > 0
            else None
        )
        self.syntax_weight = syntax_weight
        self.syntax_head = nn.Linear(hidden_width, n_syntax_labels) if n_syntax_labels > 0 else None

    def train(self, mode: bool = True) -> "BiLSTMCRF":
        """Set the training flag of this module and all its submodules.

        Thinc's PyTorch shim calls eval() and train() around every prediction,
        and nn.Module.train takes about 0.2 ms for this module tree (a
        twentieth of one utterance's latency), mostly in nn.Module.__setattr__.
        This sets the same flags directly.
        """
        for module in self.modules():
            module.__dict__["training"] = mode
        return self

    def encode(self, features: TokenFeatures, lengths: Tensor) -> PackedSequence:
        """Encoder states of the real tokens, packed: data (n_tokens, hidden_width)."""
        embedded = self.dropout(self.embed(features))
        lengths = lengths.cpu()
        if len(lengths) == 1:  # one utterance (the latency case): no padding to pack away
            states, _ = self.lstm(embedded)
            states = PackedSequence(states[0], torch.ones(int(lengths[0]), dtype=torch.int64))
        else:
            states, _ = self.lstm(pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False))
        return states._replace(data=self.dropout(states.data))

    def forward(
        self,
        features: TokenFeatures,
        lengths: Tensor,
        tags: Optional[Tensor] = None,
        domains: Optional[Tensor] = None,
        syntax: Optional[Tensor] = None,
        forbidden: Optional[Tensor] = None,
        types: Optional[Tensor] = None,
        conjunctions: Optional[Tensor] = None,
        opens_clause: Optional[Tensor] = None,
    ) -> Tuple[Tensor, Tensor]:
        """features (TokenFeatures): the token inputs; lengths (batch,) tokens per row.

        Without `tags`: (tag ids, confidence of each tag), both (batch, length).
        With `tags` (gold ids, -1 unknown): (tagging loss, auxiliary loss),
        each summed over the batch; the auxiliary loss is that of the
        adversarial head (needs `domains`, -1 unknown) plus that of the syntax
        head (needs `syntax`, label ids (batch, length), -1 unknown).
        `forbidden` (batch, length, n_tags) bool rules tags out in decoding
        (names kept whole). `types` (batch, length) gives the gold
        coordination type of tokens where known (-1 elsewhere, see `type_of`).
        `conjunctions` (batch, length) bool marks conjunction words, where
        decoding adds `coordinator_bias` to the score of `coordinator_tag`.
        `opens_clause` (batch, length) bool marks the tokens a clause may
        open with, for the rescoring by `clause_weight`.
        """
        length = features.hash_ids.shape[1]
        mask = torch.arange(length, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)
        if tags is None and not self.training and can_fold(self.lstm) and int(lengths.sum()) >= FOLD_MIN_TOKENS:
            states = folded_bilstm(self.embed, self.lstm, features, lengths)
            emissions = states.new_zeros(mask.shape + (self.n_states,))
            emissions[mask] = self.dense(states)
            return self._decode(emissions, mask, forbidden, conjunctions, opens_clause, features)
        states = self.encode(features, lengths)
        # The dense layer sees real tokens only; padding comes back as zeros.
        emissions, _ = pad_packed_sequence(
            states._replace(data=self.dense(states.data)), batch_first=True, total_length=length
        )
        if tags is None:
            return self._decode(emissions, mask, forbidden, conjunctions, opens_clause, features)
        tag_loss = self._tag_loss(emissions, mask, tags, types)
        auxiliary_loss = tag_loss.new_zeros(())
        use_adversary = self.adversary is not None and domains is not None
        use_syntax = self.syntax_head is not None and syntax is not None
        if use_adversary or use_syntax:
            padded_states, _ = pad_packed_sequence(states, batch_first=True, total_length=length)
        if use_adversary:
            auxiliary_loss = auxiliary_loss + self.adversary(padded_states, mask, domains)
        if use_syntax:
            logits = self.syntax_head(padded_states[mask])
            loss = nn.functional.cross_entropy(logits, syntax[mask], ignore_index=-1, reduction="sum")
            auxiliary_loss = auxiliary_loss + self.syntax_weight * loss
        return tag_loss, auxiliary_loss

    def _tag_loss(self, emissions: Tensor, mask: Tensor, tags: Tensor, types: Optional[Tensor]) -> Tensor:
        if self.decoder == "crf":
            return self.crf.negative_log_likelihood(emissions, mask, tags, types).sum()
        return nn.functional.cross_entropy(
            emissions[mask], tags[mask], ignore_index=-1, reduction="sum"
        )

    def _decode(
        self,
        emissions: Tensor,
        mask: Tensor,
        forbidden: Optional[Tensor],
        conjunctions: Optional[Tensor],
        opens_clause: Optional[Tensor],
        features: TokenFeatures,
    ) -> Tuple[Tensor, Tensor]:
        if self.coordinator_bias and conjunctions is not None:
            tags = self.crf.tag_of if self.decoder == "crf" else torch.arange(emissions.shape[2], device=emissions.device)
            emissions = emissions + self.coordinator_bias * (conjunctions.unsqueeze(2) & (tags == self.coordinator_tag))
        if forbidden is not None:
            if self.decoder == "crf":  # forbidden tags -> forbidden states
                forbidden = forbidden[:, :, self.crf.tag_of]
            emissions = emissions.masked_fill(forbidden, FORBIDDEN)
        if self.decoder == "argmax":
            log_probs = torch.log_softmax(emissions, dim=2)
            best = viterbi(log_probs, mask, self.transition_mask, self.start_mask, self.end_mask)
            return best, log_probs.exp().gather(2, best.unsqueeze(2)).squeeze(2)
        unit_vectors = None
        if self.similarity_weight > 0:
            unit_vectors = nn.functional.normalize(features.vectors, dim=1)[features.word_index]
        return self.crf.decode_with_confidences(
            emissions, mask, self.begin_tag, self.parallelism_weight, self.similarity_weight, unit_vectors,
            self.clause_weight, opens_clause,
        )
