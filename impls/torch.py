"""The vectorized formula with PyTorch tensors on the CPU, viewing the prepared snapshot of X (no second copy)."""

import warnings

import numpy as np
import torch

from impls import _stable
from impls._spec import Spec

SPEC = Spec(
    summary="PyTorch on the CPU: the vectorized formula on tensors that share X's memory (torch.from_numpy)",
    dtypes=("float64", "float32"),
    uses_threads=True,  # PyTorch's intra-op pool (matmul, elementwise), resized by set_num_threads
)


def _tensor(a: np.ndarray) -> torch.Tensor:
    """A tensor viewing ``a``'s memory (the interface's snapshot: positive strides, aligned)."""
    # from_numpy warns on read-only arrays because torch could write to them; the snapshot is
    # read-only on purpose and the kernel never writes to X or Y, so sharing it is safe here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The given NumPy array is not writable", UserWarning)
        return torch.from_numpy(a)


def prepare(X, Y):
    """X and Y as tensors over the snapshot's memory: nothing is copied again, whatever X's layout."""
    return _tensor(X), _tensor(Y)


def gradients(w, b, X, Y):
    """dw, db, cost on tensors; dw comes back as a NumPy array, db and cost as floats."""
    dw, db, cost = _stable.gradients(torch.from_numpy(w), b, X, Y, torch)
    return dw.numpy(), db.item(), cost.item()


def set_num_threads(k: int) -> int:
    """Set PyTorch's intra-op thread pool to ``k`` threads; return the previous size."""
    previous = torch.get_num_threads()
    torch.set_num_threads(k)
    return previous
