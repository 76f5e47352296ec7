"""PyTorch integration: ``torch.ops.mha`` custom ops and an SDPA drop-in.

    import torch, mha.torch
    o = torch.ops.mha.attention(q, k, v, None, True)        # [B, H, S, D]
    o = mha.torch.scaled_dot_product_attention(q, k, v, is_causal=True)
    with mha.torch.patch_sdpa():   # F.scaled_dot_product_attention -> mha
        y = model(x)

Importing this module registers two custom ops with ``torch.library``:

- ``mha::attention(q, k, v, mask=None, causal=False, scale=None,
  pipeline="cpu", options="", target_cpu=None, target_features=None,
  static_shapes=False)``: :func:`mha.attention` (bottom-right causal);
- ``mha::multi_head_attention(x, wq, wk, wv, wo, num_heads,
  num_kv_heads=None, kv=None, biases=None, mask=None, causal=False,
  scale=None, pipeline="cpu", options="", target_cpu=None,
  target_features=None, static_shapes=False)``: :func:`mha.multi_head_attention`.

Both have a CPU implementation (the compiled mha code, reading the tensors
in place), a fake implementation (shape propagation for ``torch.compile``,
which therefore traces them without graph breaks, dynamic shapes
included) and an autograd registration whose backward raises
``RuntimeError``: mha has no backward pass yet, and a silent zero gradient
would be worse than an error.

PyTorch is an optional dependency of the ``mha`` package: ``pip install
'./python[torch]'`` installs it.
"""

try:
    import torch
except ImportError as _e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "mha.torch needs PyTorch, which is not installed: pip install torch "
        "(or pip install './python[torch]'); mha itself works without it "
        "on NumPy arrays") from _e

import contextlib
import threading
from typing import List, Optional

from . import api as _api

__all__ = ["attention", "multi_head_attention", "scaled_dot_product_attention",
           "patch_sdpa"]

Tensor = torch.Tensor


def _no_backward(op):
    def backward(ctx, *grads):
        raise RuntimeError(
            f"torch.ops.mha.{op} has no backward pass yet: mha computes "
            f"attention forward only. Run it under torch.no_grad() / "
            f"torch.inference_mode(), detach its inputs, or use "
            f"torch.nn.functional.scaled_dot_product_attention where "
            f"gradients are needed")
    return backward


def _setup_context(ctx, inputs, output):
    pass


# --------------------------------------------------------------------------
# torch.ops.mha.attention
# --------------------------------------------------------------------------

@torch.library.custom_op("mha::attention", mutates_args=(),
                         device_types="cpu")
def attention(q: Tensor, k: Tensor, v: Tensor, mask: Optional[Tensor] = None,
              causal: bool = False, scale: Optional[float] = None,
              pipeline: str = "cpu", options: str = "",
              target_cpu: Optional[str] = None,
              target_features: Optional[str] = None,
              static_shapes: bool = False) -> Tensor:
    """``torch.ops.mha.attention``: :func:`mha.attention` on CPU tensors
    (causal is bottom-right aligned; see
    :func:`scaled_dot_product_attention` for PyTorch's semantics)."""
    return _api.attention(q.detach(), k.detach(), v.detach(),
                          None if mask is None else mask.detach(), causal,
                          scale, pipeline, options, target_cpu,
                          target_features, static_shapes)


@attention.register_fake
def _attention_fake(q, k, v, mask=None, causal=False, scale=None,
                    pipeline="cpu", options="", target_cpu=None,
                    target_features=None, static_shapes=False):
    torch._check(q.dim() == 4 and k.dim() == 4 and v.dim() == 4,
                 lambda: "mha.attention: q, k and v must be [B, H, S, D]")
    torch._check(k.shape[3] == q.shape[3],
                 lambda: "mha.attention: q and k must have the same head dim")
    torch._check(k.shape[2] == v.shape[2],
                 lambda: "mha.attention: k and v must have the same Skv")
    return q.new_empty((q.shape[0], q.shape[1], q.shape[2], v.shape[3]))


attention.register_autograd(_no_backward("attention"),
                            setup_context=_setup_context)


# --------------------------------------------------------------------------
# torch.ops.mha.multi_head_attention
# --------------------------------------------------------------------------

@torch.library.custom_op("mha::multi_head_attention", mutates_args=(),
                         device_types="cpu")
def multi_head_attention(x: Tensor, wq: Tensor, wk: Tensor, wv: Tensor,
                         wo: Tensor, num_heads: int,
                         num_kv_heads: Optional[int] = None,
                         kv: Optional[Tensor] = None,
                         biases: Optional[List[Tensor]] = None,
                         mask: Optional[Tensor] = None, causal: bool = False,
                         scale: Optional[float] = None, pipeline: str = "cpu",
                         options: str = "", target_cpu: Optional[str] = None,
                         target_features: Optional[str] = None,
                         static_shapes: bool = False) -> Tensor:
    """``torch.ops.mha.multi_head_attention``: :func:`mha.multi_head_attention`
    on CPU tensors (weights ``[in, out]``: ``x @ wq``)."""
    d = lambda t: None if t is None else t.detach()  # noqa: E731
    return _api.multi_head_attention(
        x.detach(), wq.detach(), wk.detach(), wv.detach(), wo.detach(),
        num_heads, num_kv_heads, d(kv),
        None if biases is None else tuple(b.detach() for b in biases),
        d(mask), causal, scale, pipeline, options, target_cpu,
        target_features, static_shapes)


@multi_head_attention.register_fake
def _multi_head_attention_fake(x, wq, wk, wv, wo, num_heads, num_kv_heads=None,
                               kv=None, biases=None, mask=None, causal=False,
                               scale=None, pipeline="cpu", options="",
                               target_cpu=None, target_features=None,
                               static_shapes=False):
    torch._check(x.dim() == 3, lambda: "mha.multi_head_attention: x must be "
                 "[B, Sq, E]")
    return x.new_empty((x.shape[0], x.shape[1], wo.shape[1]))


multi_head_attention.register_autograd(_no_backward("multi_head_attention"),
                                       setup_context=_setup_context)


# --------------------------------------------------------------------------
# SDPA drop-in
# --------------------------------------------------------------------------

def scaled_dot_product_attention(query, key, value, attn_mask=None,
                                 dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False, *, pipeline="cpu",
                                 options="", static_shapes=False):
    """``torch.nn.functional.scaled_dot_product_attention`` computed by mha
    (through ``torch.ops.mha.attention``, so it traces under
    ``torch.compile``), with PyTorch's signature and semantics:

    - query ``[B, H, L, E]`` (or ``[B, L, E]``), key ``[B, Hkv, S, E]``,
      value ``[B, Hkv, S, Ev]``; ``Hkv != H`` needs ``enable_gqa=True``
      (head h reads kv head ``h // (H // Hkv)``, as PyTorch's GQA).
    - ``is_causal``: PyTorch's **top-left** alignment (query i sees key
      j <= i). mha's own causal is bottom-right (j <= i + S - L); they agree
      when L == S, which runs mha's causal (tiles above the diagonal
      skipped); for L != S the top-left mask is passed explicitly.
    - ``attn_mask``: bool (True = attend) or float (added to the scores),
      broadcastable to ``[B, H, L, S]``; cannot be combined with
      ``is_causal``, as in PyTorch.
    - ``dropout_p > 0`` raises ``ValueError`` (mha has no dropout; modules
      pass ``dropout_p=0`` in eval mode).
    - A query row that sees no key gives 0, as in PyTorch (2.5 and later).

    ``pipeline``, ``options`` and ``static_shapes`` (keyword-only) are
    passed to :func:`mha.attention`.
    """
    if dropout_p != 0.0:
        raise ValueError(f"mha.torch.scaled_dot_product_attention: "
                         f"dropout_p={dropout_p} is not supported (mha has "
                         f"no dropout); use dropout_p=0.0, e.g. the module "
                         f"in eval mode")
    if is_causal and attn_mask is not None:
        raise ValueError("mha.torch.scaled_dot_product_attention: attn_mask "
                         "and is_causal=True cannot be combined (as in "
                         "PyTorch)")
    rank = query.dim()
    if rank not in (3, 4) or key.dim() != rank or value.dim() != rank:
        raise ValueError(f"mha.torch.scaled_dot_product_attention: expected "
                         f"query, key and value of rank 4 [B, H, L, E] or 3 "
                         f"[B, L, E], got shapes {tuple(query.shape)}, "
                         f"{tuple(key.shape)}, {tuple(value.shape)}")
    if rank == 3:
        query, key, value = (t.unsqueeze(1) for t in (query, key, value))
        if attn_mask is not None and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(1)
    h, hkv = query.shape[1], key.shape[1]
    if h != hkv and not enable_gqa:
        raise ValueError(f"mha.torch.scaled_dot_product_attention: query has "
                         f"{h} heads and key/value {hkv}; pass "
                         f"enable_gqa=True for grouped-query attention")
    sq, skv = query.shape[2], key.shape[2]
    causal = False
    if is_causal:
        if sq == skv:
            causal = True
        else:
            attn_mask = torch.ones(sq, skv, dtype=torch.bool,
                                   device=query.device).tril()
    if attn_mask is not None and attn_mask.dtype != torch.bool and \
            attn_mask.dtype != query.dtype:
        attn_mask = attn_mask.to(query.dtype)
    out = torch.ops.mha.attention(query, key, value, attn_mask, causal,
                                  None if scale is None else float(scale),
                                  pipeline, options, None, None,
                                  static_shapes)
    return out.squeeze(1) if rank == 3 else out


_patch_lock = threading.Lock()


@contextlib.contextmanager
def patch_sdpa(**kwargs):
    """Inside the block, ``torch.nn.functional.scaled_dot_product_attention``
    is :func:`scaled_dot_product_attention` (``kwargs``: its ``pipeline``,
    ``options``, ``static_shapes``), so stock modules that call it
    (``torch.nn.MultiheadAttention`` with ``need_weights=False`` off its
    fused inference fast path, ``torch.nn.TransformerEncoderLayer`` in
    training mode or with grad enabled, Hugging Face-style attention
    classes) run on mha. The patch is process-wide while the block runs
    (other threads see it too); the original is restored on exit."""
    functional = torch.nn.functional
    with _patch_lock:
        original = functional.scaled_dot_product_attention

        def sdpa(*args, **kw):
            return scaled_dot_product_attention(*args, **kw, **kwargs)

        sdpa.__wrapped__ = original
        functional.scaled_dot_product_attention = sdpa
    try:
        yield sdpa
    finally:
        with _patch_lock:
            functional.scaled_dot_product_attention = original
