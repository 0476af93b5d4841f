"""The vectorized formula with PyTorch tensors on the CPU, sharing NumPy's memory (no copy of X)."""

import warnings

import numpy as np
import torch

from impls._stable import sigmoid_and_loss

SUMMARY = "PyTorch on the CPU: the vectorized formula on tensors that share X's memory (torch.from_numpy)"
DTYPES = ("float64", "float32")
USES_THREADS = True  # PyTorch's intra-op pool (matmul, elementwise), resized by set_num_threads


def _tensor(a: np.ndarray) -> torch.Tensor:
    """A tensor viewing ``a``'s memory; a copy only where torch cannot view it (negative strides)."""
    if any(s < 0 for s in a.strides):
        a = np.ascontiguousarray(a)
    # from_numpy warns on read-only arrays (a broadcast view, say) because torch could write to
    # them; the kernel never writes to X or Y, so sharing a read-only buffer is safe here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The given NumPy array is not writable", UserWarning)
        return torch.from_numpy(a)


def prepare(X, Y):
    """X and Y as tensors over the same memory: nothing is copied, whatever X's layout."""
    return _tensor(X), _tensor(Y)


def gradients(w, b, X, Y):
    """dw, db, cost on tensors; dw comes back as a NumPy array, db and cost as floats."""
    m = X.shape[1]
    Z = torch.from_numpy(w) @ X + b
    A, loss = sigmoid_and_loss(Z, Y, torch)
    dZ = A - Y
    return (X @ dZ).numpy() / m, dZ.sum().item() / m, loss.sum().item() / m


def set_num_threads(k: int) -> int:
    """Set PyTorch's intra-op thread pool to ``k`` threads; return the previous size."""
    previous = torch.get_num_threads()
    torch.set_num_threads(k)
    return previous
