"""streamfit: stream datasets larger than RAM into TensorFlow, with the same
batches in Python and Node.js (the contract is SPEC.md).

Example::

    import streamfit as sf

    pipe = sf.csv("xy.csv", features=["x"], label="y").shuffle(buffer_size=1000, seed=7).batch(250)
    print(pipe)                      # csv(xy.csv) -> shuffle(buffer=1000, seed=7) -> batch(250)
    model.fit(pipe.to_tf(), epochs=3)
"""

from .core.pipeline import Pipeline
from .core.record import digest
from .errors import ERROR_CODES, StreamfitError
from .tf.exchange import load_tfjs, save_tfjs
from .order.permute import permute
from .order.prng import Prng, combine, mix32
from .sources.class_folder import class_folder
from .sources.csv import csv
from .sources.generator import from_generator
from .sources.image_folder import image_folder
from .sources.packed import packed
from .sources.paired_folders import paired_folders
from .sources.range import from_range
from .spec import load_spec, pipeline_from_spec

__all__ = [
    "csv",
    "image_folder",
    "class_folder",
    "paired_folders",
    "packed",
    "from_generator",
    "from_range",
    "Pipeline",
    "permute",
    "Prng",
    "mix32",
    "combine",
    "digest",
    "load_spec",
    "pipeline_from_spec",
    "ERROR_CODES",
    "StreamfitError",
    "TrainingRun",
    "save_tfjs",
    "load_tfjs",
]


def __getattr__(name: str) -> object:
    """``TrainingRun`` (SPEC §5, §8) is loaded on first use: it brings TensorFlow in."""
    if name == "TrainingRun":
        from .tf.run import TrainingRun

        return TrainingRun
    raise AttributeError(f"module 'streamfit' has no attribute {name!r}")

__version__ = "0.1.0"
