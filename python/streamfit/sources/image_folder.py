"""Image folder source with labels in file names (SPEC §3.2); indexable.

The listing and the labels are fixed when the source is built; pixels are
decoded on demand by ``get(i)`` through TensorFlow's kernels (``tf/image.py``).
``get_many`` decodes on every core (``core/parallel.py``; the kernels release
the GIL) and keeps the order. ``decode=False`` gives each file's bytes instead
(``uint8 [size]``), to pack encoded images (SPEC §9) and decode them later with
the ``decode_image`` map (SPEC §4.3). With ``on_error="skip"`` (SPEC §4.6) files whose
name gives no listed class are dropped from the listing, and files that do not
decode are dropped when read (``FileSource``); both are counted.
"""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np

from ..core.args import as_channels, as_flag, as_image_size
from ..core.on_error import SkipLog, Tally, check_on_error, format_counts, skip_suffix
from ..core.pipeline import Pipeline
from ..core.stage import FileSource, check_index
from .extensions import normalize_extensions
from .file_bytes import check_decode, read_bytes
from ..errors import raise_error

DEFAULT_EXTENSIONS = ("jpg", "jpeg", "png", "bmp", "gif", "webp")
_LABEL_MODES = ("int", "categorical", "none")


def _utf8(name: str) -> bytes:
    return name.encode("utf-8", errors="surrogateescape")


def list_images(folder: str, extensions: tuple[str, ...]) -> list[str]:
    """File names with an allowed extension, dotfiles and sub-folders left out, sorted by UTF-8 bytes.

    Example::

        list_images("data/images", ("png",))   # ["circle_0003.png", ...]
    """
    names = []
    for entry in os.scandir(folder):
        name = entry.name
        if name.startswith(".") or "." not in name or not entry.is_file():
            continue
        if name.rsplit(".", 1)[1].lower() in extensions:
            names.append(name)
    return sorted(names, key=_utf8)


class ImageFolderSource(FileSource):
    """Decoded images of one folder, labelled by a regex group of the file name."""

    def __init__(self, path: str, pattern: str = "^([^_]+)_", classes: list[str] | None = None,
                 label_mode: str = "int", channels: int | None = None, image_size: list[int] | None = None,
                 scale: bool = False, extensions: list[str] | None = None, on_error: str = "raise",
                 decode: bool = True) -> None:
        self.on_error = check_on_error(on_error, "image_folder")
        self.decode = check_decode(decode, "image_folder", channels=channels is not None,
                                   image_size=image_size is not None, scale=scale is True)
        self.free_shapes = not self.decode
        self.path = os.fspath(path)
        self.name = os.path.basename(os.path.normpath(self.path))
        if not os.path.exists(self.path):
            raise_error("SF_FILE_NOT_FOUND", f"image_folder: folder {self.path!r} does not exist; check the "
                        "path (relative paths in a spec resolve against the spec file's folder)")
        if not os.path.isdir(self.path):
            raise_error("SF_ARG", f"image_folder: {self.path!r} is a file, not a folder")
        if label_mode not in _LABEL_MODES:
            raise_error("SF_ARG", f"image_folder label_mode must be one of {', '.join(_LABEL_MODES)}, "
                        f"got {label_mode!r}")
        self.channels = 3 if channels is None else as_channels(channels, "image_folder")
        self.size = as_image_size(image_size, "image_folder")
        self.label_mode, self.scale = label_mode, as_flag(scale, "image_folder scale")
        self.extensions = normalize_extensions(extensions, DEFAULT_EXTENSIONS, "image_folder")

        try:
            regex = re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise_error("SF_ARG", f"image_folder pattern {pattern!r} is not a valid regex ({exc})")
        if regex.groups != 1:
            raise_error("SF_ARG", f"image_folder pattern {pattern!r} must have exactly one capture group, "
                        f"it has {regex.groups}")
        files = list_images(self.path, self.extensions)
        if not files:
            raise_error("SF_EMPTY_SOURCE", f"image_folder: {self.path} has no image files with extensions "
                        f"{', '.join(self.extensions)}; check the path and the extensions option")
        listing = Tally()  # files skipped at listing (SPEC §4.6): missing from every epoch
        named: list[tuple[str, str]] = []
        for name in files:
            m = regex.search(name)
            if m is None or m.group(1) is None:
                self._bad(listing, f"image_folder: file name {name!r} in {self.path} does not match "
                          f"the pattern {pattern!r}; rename the file or change the pattern")
                continue
            named.append((name, m.group(1)))
        found = [c for _, c in named]
        if classes is None:
            self.classes = sorted(set(found), key=_utf8)
        else:
            if not isinstance(classes, (list, tuple)) or not all(isinstance(c, str) for c in classes):
                raise_error("SF_ARG", f"image_folder classes must be a list of strings, got {classes!r}",
                            kind="type")
            self.classes = list(classes)
            twice = sorted({c for c in self.classes if self.classes.count(c) > 1})
            if twice:
                raise_error("SF_ARG", f"image_folder classes lists {', '.join(map(repr, twice))} more than once; "
                            "list each class once (its position is its label)")
        index = {c: k for k, c in enumerate(self.classes)}
        self.files, self.labels = [], []
        for name, c in named:
            if c not in index:
                self._bad(listing, f"image_folder: file {name!r} has class {c!r}, which is not in "
                          f"classes {self.classes!r}; add it to classes or move the file")
                continue
            self.files.append(name)
            self.labels.append(index[c])
        if not self.files:  # only reachable when skipping: every listed file was dropped
            raise_error("SF_EMPTY_SOURCE", f"image_folder: every image file in {self.path} was skipped "
                        f"({format_counts(listing.counts)}; first: {listing.first}); fix the file names, the "
                        "pattern or classes")
        self.skips = SkipLog(self.label, listing)

    def _bad(self, listing: Tally, message: str) -> None:
        """A listed file with no label: ``SF_IMAGE_LABEL``, raised or counted (SPEC §4.6)."""
        if self.on_error != "skip":
            raise_error("SF_IMAGE_LABEL", message)
        listing.add("SF_IMAGE_LABEL", message)

    def label(self) -> str:
        return f"image_folder({self.name}{skip_suffix(self.on_error)})"

    def length(self) -> int:
        return len(self.files)

    def get(self, i: int, epoch: int) -> Any:
        from ..tf import image

        i = check_index(self, i)
        name = self.files[i]
        if not self.decode:
            x = read_bytes(os.path.join(self.path, name))
            return x if self.label_mode == "none" else self._labelled(x, i)
        x = image.decode_file(os.path.join(self.path, name), self.channels, "image_folder", name, self.path)
        if self.size is not None:
            x = image.resize(x, *self.size)
        if self.scale:
            x = x.astype(np.float32) / np.float32(255)
        if self.label_mode == "none":
            return x
        return self._labelled(x, i)

    def _labelled(self, x: np.ndarray, i: int) -> Any:
        k = self.labels[i]
        if self.label_mode == "int":
            return x, np.array(k, dtype=np.int32)
        y = np.zeros(len(self.classes), dtype=np.float32)
        y[k] = 1
        return x, y


def image_folder(path: str, pattern: str = "^([^_]+)_", classes: list[str] | None = None,
                 label_mode: str = "int", channels: int | None = None, image_size: list[int] | None = None,
                 scale: bool = False, extensions: list[str] | None = None, on_error: str = "raise",
                 decode: bool = True) -> Pipeline:
    """Images of a folder, labelled from their file names (SPEC §3.2).

    ``on_error="skip"`` drops (and counts) files with no label and files that do not
    decode (SPEC §4.6); the cardinality is then unknown. ``channels`` defaults to 3.
    ``decode=False`` gives each file's bytes as ``uint8 [size]`` (then ``channels``,
    ``image_size`` and ``scale`` are ``SF_ARG``).

    Example::

        pipe = image_folder("shapes/", image_size=[32, 32], scale=True).shuffle(seed=1).batch(32)
        # records: (float32 [32, 32, 3], int32 label)
        raw = image_folder("shapes/", decode=False)   # records: (uint8 [file size], int32 label)
    """
    return Pipeline(ImageFolderSource(path, pattern, classes, label_mode, channels, image_size, scale,
                                      extensions, on_error, decode))
