"""spacy-coord.BiLSTMEncoder.v1: docs -> one state per content token (a Ragged)."""

from typing import Any, Callable, List, Optional, Tuple

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import ArgsKwargs, Model, Ragged, torch2xp, xp2torch
from thinc.util import get_torch_default_device

from .embedding import EmbeddedWords
from .pytorch.encoder import BiLSTMEncoder
from .settings import check_settings
from .torch_layer import torch_layer

NAME = "spacy-coord.BiLSTMEncoder.v1"


@registry.architectures(NAME)
def build_bilstm_encoder(embed: Model[List[Doc], EmbeddedWords], width: int, depth: int) -> Model[List[Doc], Ragged]:
    """A BiLSTM over the word representations of `embed`.

    Its dropout (on its inputs, between layers and on its outputs) is the
    training's: `[training] dropout`, the `drop` of `update`.

    embed (Model[List[Doc], EmbeddedWords]): The word embedding, such as
        spacy-coord.WordEmbedding.v1.
    width (int): Output width (both directions together).
    depth (int): Number of BiLSTM layers.
    RETURNS (Model[List[Doc], Ragged]): The states of the content tokens
        (all but whitespace, `content.content_tokens`) of docs that have
        some, docs one after the other; dim "nO" is `width`.
    """
    check_settings(NAME, locals())
    module = BiLSTMEncoder(embed.get_dim("nO"), width, depth)
    return Model(
        NAME,
        forward,
        init=init,
        layers=[embed, torch_layer(module, _to_torch)],
        dims={"nO": width},
        attrs={"dropout_rate": 0.0},
    )


def init(model: Model, X: Optional[List[Doc]] = None, Y: Any = None) -> Model:
    model.layers[0].initialize(X=X)
    return model


def forward(model: Model, docs: List[Doc], is_train: bool) -> Tuple[Ragged, Callable]:
    embed, lstm = model.layers
    embedded, backprop_embedded = embed(docs, is_train)
    dropout = model.attrs["dropout_rate"] if is_train else 0.0
    states, backprop_states = lstm((embedded, dropout), is_train)

    def backprop(d_states: Ragged) -> List[Doc]:
        d_words = backprop_states(d_states.dataXd)
        return backprop_embedded(embedded._replace(words=d_words))

    return Ragged(states, embedded.lengths), backprop


def _to_torch(model: Model, inputs: Tuple[EmbeddedWords, float], is_train: bool) -> Tuple[ArgsKwargs, Callable]:
    (words, word_index, lengths), dropout = inputs
    device = get_torch_default_device()
    words_torch = xp2torch(words, requires_grad=is_train, device=device)
    args = (words_torch, xp2torch(word_index, device=device), xp2torch(lengths), dropout)

    def get_d_words(d_inputs: ArgsKwargs):
        return torch2xp(d_inputs.args[0])

    return ArgsKwargs(args=args, kwargs={}), get_d_words
