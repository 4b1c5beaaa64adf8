"""Paired folders (SPEC §3.5): ``root/<input>/<stem>.<ext>`` matched by stem across folders; indexable.

Siamese and change-detection data: ``root/time1/a.png``, ``root/time2/a.jpg``
and ``root/label/a.png`` form record ``((x1, x2), y)``; without a label,
``((x1, x2),)``. Files are matched by name (the stem), never by position
(``paired_folders_listing.py``). The listings are fixed when the source is
built; pixels are decoded on demand through TensorFlow's kernels
(``tf/image.py``), in parallel in ``get_many``. With ``on_error="skip"``
(SPEC §4.6) stems that are not a record are dropped at listing and stems
with a file that does not decode when read; both are counted.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from ..core.args import as_channels, as_flag, as_image_size
from ..core.on_error import SkipLog, Tally, check_on_error, format_counts, skip_suffix
from ..core.pipeline import Pipeline
from ..core.stage import FileSource, check_index
from .extensions import normalize_extensions
from ..errors import raise_error
from .image_folder import DEFAULT_EXTENSIONS
from .paired_folders_listing import list_stems, match, match_skipping


class PairedFoldersSource(FileSource):
    """Records ``((x1, x2, ...), y)`` (or ``((x1, x2, ...),)`` without a label), one per stem."""

    def __init__(self, path: str, inputs: Sequence[str], label: str | None, channels: int,
                 image_size: Sequence[int] | None, scale: bool, extensions: Sequence[str] | None,
                 on_error: str = "raise") -> None:
        self.on_error = check_on_error(on_error, "paired_folders")
        self.root = os.fspath(path)
        self.name = os.path.basename(os.path.normpath(self.root))
        if not os.path.exists(self.root):
            raise_error("SF_FILE_NOT_FOUND", f"paired_folders: folder {self.root!r} does not exist; check the "
                        "path (relative paths in a spec resolve against the spec file's folder)")
        if not os.path.isdir(self.root):
            raise_error("SF_ARG", f"paired_folders: {self.root!r} is a file, not a folder of input folders")
        if (isinstance(inputs, str) or not isinstance(inputs, (list, tuple)) or not inputs
                or not all(isinstance(f, str) and f for f in inputs)):
            raise_error("SF_ARG", f"paired_folders inputs must be a non-empty list of folder names, got "
                        f"{inputs!r}", kind="type")
        if label is not None and (not isinstance(label, str) or not label):
            raise_error("SF_ARG", f"paired_folders label must be a folder name or None, got {label!r}",
                        kind="type")
        self.inputs, self.label_folder = list(inputs), label
        self.channels = as_channels(channels, "paired_folders")
        self.size = as_image_size(image_size, "paired_folders")
        self.scale = as_flag(scale, "paired_folders scale")
        self.extensions = normalize_extensions(extensions, DEFAULT_EXTENSIONS, "paired_folders")

        folders = self.inputs + ([label] if label is not None else [])
        skipped = Tally() if self.on_error == "skip" else None
        listings, twice = [], {}
        for f in folders:
            stems, doubled = list_stems(self.root, f, self.extensions, skipped)
            listings.append(stems)
            for stem, pair in doubled.items():
                twice.setdefault(stem, pair)  # one SF_LAYOUT per stem, whichever folders hold it twice
        if skipped is None:
            self.stems = match(self.root, folders, listings)
        else:
            self.stems = match_skipping(self.root, folders, listings, twice, skipped)
        if not self.stems:
            extra = f" (skipped: {format_counts(skipped.counts)}; first: {skipped.first})" \
                if skipped is not None and skipped.counts else ""
            raise_error("SF_EMPTY_SOURCE", f"paired_folders: {', '.join(folders)} in {self.root} hold no images "
                        f"with extensions {', '.join(self.extensions)} that form a record{extra}; check the path "
                        "and the extensions option")
        self._names = listings  # per folder: stem -> file name
        self.skips = SkipLog(self.label, skipped)

    def file_paths(self) -> list[str]:
        """The first input's files relative to the root, ``/``-separated, in record order."""
        return [f"{self.inputs[0]}/{self._names[0][s]}" for s in self.stems]

    def label(self) -> str:
        return f"paired_folders({self.name}{skip_suffix(self.on_error)})"

    def length(self) -> int:
        return len(self.stems)

    def _load(self, k: int, folder: str, stem: str, mask: bool) -> np.ndarray:
        from ..tf import image

        rel = f"{folder}/{self._names[k][stem]}"
        x = image.decode_file(os.path.join(self.root, folder, self._names[k][stem]), 1 if mask else self.channels,
                              "paired_folders", rel, self.root, " (and its partners)")
        if self.size is not None:
            x = image.resize_nearest(x, *self.size) if mask else image.resize(x, *self.size)
        if self.scale and not mask:
            x = x.astype(np.float32) / np.float32(255)
        return x

    def get(self, i: int, epoch: int) -> Any:
        stem = self.stems[check_index(self, i)]
        xs = tuple(self._load(k, f, stem, False) for k, f in enumerate(self.inputs))
        if self.label_folder is None:
            return (xs,)  # SPEC §3.5: a 1-tuple, so the second input is never read as a label
        return xs, self._load(len(self.inputs), self.label_folder, stem, True)


def paired_folders(path: str, inputs: Sequence[str] = ("time1", "time2"), label: str | None = "label",
                   channels: int = 3, image_size: Sequence[int] | None = None, scale: bool = False,
                   extensions: Sequence[str] | None = None, on_error: str = "raise") -> Pipeline:
    """Images matched by file stem across sub-folders: records ``((x1, x2, ...), y)`` (SPEC §3.5).

    ``y`` is the label mask, decoded with 1 channel (``uint8 [h, w, 1]``, nearest-neighbour resized);
    with ``label=None`` records are ``((x1, x2, ...),)``. ``on_error="skip"`` drops (and counts)
    stems that are not a complete, decodable set of files (SPEC §4.6).

    Example::

        pipe = paired_folders("levir", image_size=[256, 256], scale=True).shuffle(seed=1).batch(8)
        (before, after), mask = pipe.batch_at(0)
        model.fit(pipe.to_tf(), epochs=5)   # a two-input Keras model
    """
    return Pipeline(PairedFoldersSource(path, inputs, label, channels, image_size, scale, extensions, on_error))
