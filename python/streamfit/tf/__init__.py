"""TensorFlow adapter: the only place that imports TensorFlow, lazily."""

from __future__ import annotations

import os
from typing import Any


def import_tf() -> Any:
    """Import TensorFlow quietly, or raise ``SF_DEPENDENCY`` with the fix.

    Example::

        tf = import_tf()
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # TensorFlow's CPU tensors come from malloc by default: a step's large activations and gradients
    # are fresh mmap'd pages every step (3.6M page faults an epoch for the bench CNN, 60% slower
    # steps when nothing else in the process had grown the heap). Its BFC allocator reuses them.
    # Read once, when TensorFlow starts: a user's own setting wins.
    os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
    try:
        import tensorflow as tf
    except Exception as exc:  # ImportError, or a broken native library
        from ..errors import raise_error

        raise_error("SF_DEPENDENCY", f"TensorFlow cannot be loaded ({exc}); install it with "
                    "`pip install 'streamfit[tf]'` (tensorflow-cpu) or `pip install tensorflow`")
    return tf
