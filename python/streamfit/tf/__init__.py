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
    try:
        import tensorflow as tf
    except Exception as exc:  # ImportError, or a broken native library
        from ..errors import raise_error

        raise_error("SF_DEPENDENCY", f"TensorFlow cannot be loaded ({exc}); install it with "
                    "`pip install 'streamfit[tf]'` (tensorflow-cpu) or `pip install tensorflow`")
    return tf
