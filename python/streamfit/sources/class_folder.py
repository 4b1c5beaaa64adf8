"""Class-folder source, ``root/<class>/<file>`` as Keras reads it (SPEC §3.4); indexable.

The listing (``class_folder_listing.py``) and the split are fixed when the
source is built; pixels are decoded on demand by ``get(i)`` through
TensorFlow's kernels (``tf/image.py``), in parallel in ``get_many``.
``subset="both"`` gives two sources sharing one listing. With
``on_error="skip"`` (SPEC §4.6) files with another extension leave the listing
before the split, files that do not decode are dropped when read; both count.
``decode=False`` yields each file's bytes (``uint8 [size]``) instead of pixels.
"""

from __future__ import annotations

import numbers
import os
from typing import Any, Sequence

import numpy as np

from ..core.args import as_image_size
from ..core.on_error import SkipLog, check_on_error, skip_suffix
from ..core.pipeline import Pipeline
from ..core.stage import FileSource, check_index
from .extensions import normalize_extensions
from .file_bytes import check_decode, read_bytes
from ..errors import raise_error
from ..order.seed import check_seed
from .class_folder_listing import KERAS_EXTENSIONS, Listing, list_classes, split_indices

_LABEL_MODES = ("int", "categorical", "binary", "none")
_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
_SUBSETS = ("training", "validation", "both")


def _choice(value: Any, name: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise_error("SF_ARG", f"class_folder {name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise_error("SF_ARG", f"class_folder {name} must be true or false, got {value!r}", kind="type")
    return value


class ClassFolderSource(FileSource):
    """The files of a listing (all, or the ``indices`` a split selects), decoded and labelled."""

    def __init__(self, listing: Listing, indices: np.ndarray | None, subset: str | None,
                 label_mode: str, channels: int, size: tuple[int, int] | None, resize_mode: str,
                 scale: bool, on_error: str = "raise", decode: bool = True) -> None:
        self.listing, self.indices, self.subset = listing, indices, subset
        self.decode = decode
        self.free_shapes = not decode
        self.label_mode, self.channels, self.size = label_mode, channels, size
        self.resize_mode, self.scale, self.on_error = resize_mode, scale, on_error
        self.name = os.path.basename(os.path.normpath(listing.root))
        # files left out of the listing are missing from both subsets, so each counts them
        self.skips = SkipLog(self.label, listing.skipped)

    @property
    def class_names(self) -> list[str]:
        """The classes in label order."""
        return list(self.listing.classes)

    def file_paths(self) -> list[str]:
        """Selected files relative to the root, ``/``-separated, in record order."""
        files = self.listing.files
        if self.indices is None:
            return list(files)
        return [files[k] for k in self.indices.tolist()]

    def label(self) -> str:
        subset = f", subset={self.subset}" if self.subset else ""
        return f"class_folder({self.name}{subset}{skip_suffix(self.on_error)})"

    def length(self) -> int:
        return len(self.listing.files) if self.indices is None else int(self.indices.shape[0])


    def _pixels(self, rel: str) -> np.ndarray:
        from ..tf import image

        if not self.decode:
            return read_bytes(os.path.join(self.listing.root, *rel.split("/")))
        x = image.decode_file(os.path.join(self.listing.root, *rel.split("/")), self.channels, "class_folder", rel,
                              self.listing.root)
        if self.size is None:
            return x
        if self.resize_mode == "crop":
            return image.crop_resize(x, *self.size)
        if self.resize_mode == "pad":
            try:
                return image.pad_resize(x, *self.size)
            except ValueError as exc:
                raise_error("SF_ARG", f"class_folder: {rel!r} cannot be padded to image_size "
                            f"{list(self.size)} ({exc}); use a larger image_size or crop_to_aspect_ratio")
        return image.resize(x, *self.size)

    def get(self, i: int, epoch: int) -> Any:
        i = check_index(self, i)
        k = i if self.indices is None else int(self.indices[i])
        x = self._pixels(self.listing.files[k])
        if self.scale:
            x = x.astype(np.float32) / np.float32(255)
        if self.label_mode == "none":
            return x
        c = int(self.listing.labels[k])
        if self.label_mode == "int":
            return x, np.array(c, dtype=np.int32)
        if self.label_mode == "binary":
            return x, np.array([c], dtype=np.float32)
        y = np.zeros(len(self.listing.classes), dtype=np.float32)
        y[c] = 1
        return x, y


def class_folder(path: str, class_names: list[str] | None = None, label_mode: str = "int",
                 color_mode: str = "rgb", image_size: Sequence[int] | None = None,
                 crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False, scale: bool = False,
                 validation_split: float | None = None, subset: str | None = None, seed: int | None = None,
                 split_mode: str = "streamfit", extensions: Sequence[str] | None = None,
                 on_error: str = "raise", decode: bool = True) -> Pipeline | tuple[Pipeline, Pipeline]:
    """Images in ``path/<class>/...`` labelled by class folder, Keras's layout (SPEC §3.4).

    ``subset="both"`` returns ``(training, validation)``. ``on_error="skip"`` drops (and
    counts) files with another extension and files that do not decode (SPEC §4.6).
    ``decode=False`` yields each file's bytes as ``uint8 [size]`` (SPEC §3.4; ``image_size``,
    crop/pad, ``scale`` and a ``color_mode`` other than ``"rgb"`` are then ``SF_ARG``).

    Example::

        train, val = class_folder("flowers", image_size=[64, 64], validation_split=0.2,
                                  subset="both", seed=7)
        train.file_paths[:2]        # ['daisy/1.jpg', 'daisy/5.jpg']
        model.fit(train.shuffle(seed=1).batch(32).to_tf(), validation_data=val.batch(32).to_tf())
    """
    check_on_error(on_error, "class_folder")
    root = os.fspath(path)
    if not os.path.exists(root):
        raise_error("SF_FILE_NOT_FOUND", f"class_folder: folder {root!r} does not exist; check the path "
                    "(relative paths in a spec resolve against the spec file's folder)")
    if not os.path.isdir(root):
        raise_error("SF_ARG", f"class_folder: {root!r} is a file, not a folder of class folders")
    _choice(label_mode, "label_mode", _LABEL_MODES)
    channels = _CHANNELS[_choice(color_mode, "color_mode", tuple(_CHANNELS))]
    _choice(split_mode, "split_mode", ("streamfit", "keras"))
    size = as_image_size(image_size, "class_folder")
    crop = _flag(crop_to_aspect_ratio, "crop_to_aspect_ratio")
    pad = _flag(pad_to_aspect_ratio, "pad_to_aspect_ratio")
    if crop and pad:
        raise_error("SF_ARG", "class_folder: crop_to_aspect_ratio and pad_to_aspect_ratio cannot both be true; "
                    "pick one")
    if (crop or pad) and size is None:
        raise_error("SF_ARG", f"class_folder: {'crop' if crop else 'pad'}_to_aspect_ratio needs image_size "
                    "(the target [height, width])")
    _flag(scale, "scale")
    check_decode(decode, "class_folder", image_size=image_size is not None, crop_to_aspect_ratio=crop,
                 pad_to_aspect_ratio=pad, scale=scale, color_mode=color_mode != "rgb")
    if validation_split is not None:
        if (isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real)
                or not 0 < float(validation_split) < 1):
            raise_error("SF_ARG", f"class_folder validation_split must be a fraction in (0, 1), "
                        f"got {validation_split!r}")
        if subset is None:
            raise_error("SF_ARG", "class_folder: validation_split needs subset (\"training\", \"validation\" "
                        "or \"both\")")
    if subset is not None:
        _choice(subset, "subset", _SUBSETS)
        if validation_split is None:
            raise_error("SF_ARG", f"class_folder: subset={subset!r} needs validation_split; pass e.g. "
                        "validation_split=0.2, or leave subset out to read every file")
    if seed is not None or validation_split is not None:
        if seed is None:
            raise_error("SF_SEED", "class_folder: a validation_split needs a seed so that training and "
                        "validation stay disjoint across runs; pass e.g. seed=1337")
        seed = check_seed(seed, "class_folder seed")
    if class_names is not None and (not isinstance(class_names, (list, tuple))
                                    or not all(isinstance(c, str) for c in class_names)):
        raise_error("SF_ARG", f"class_folder class_names must be a list of strings, got {class_names!r}",
                    kind="type")
    exts = normalize_extensions(extensions, KERAS_EXTENSIONS, "class_folder")

    listing = list_classes(root, None if class_names is None else list(class_names), exts, on_error == "skip")
    if label_mode == "binary" and len(listing.classes) != 2:
        raise_error("SF_ARG", f"class_folder label_mode=\"binary\" needs exactly 2 classes, {root} has "
                    f"{len(listing.classes)} ({', '.join(listing.classes)}); use \"int\" or \"categorical\", "
                    "or pick two with class_names")
    resize_mode = "crop" if crop else "pad" if pad else "plain"

    def make(part: str | None) -> Pipeline:
        idx = None
        if part is not None and validation_split is not None and seed is not None:
            idx = split_indices(len(listing.files), float(validation_split), part, seed, split_mode)
        return Pipeline(ClassFolderSource(listing, idx, part, label_mode, channels, size, resize_mode, scale,
                                          on_error, decode))

    if subset == "both":
        return make("training"), make("validation")
    return make(subset)
