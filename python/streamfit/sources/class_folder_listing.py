"""Listing and splitting of a Keras class-folder tree (SPEC §3.4).

The listing is Keras's ``index_directory`` order so that ``split_mode="keras"``
picks the files Keras picks: classes sorted (or ``class_names`` order); per
class a recursive walk, folders in order of their full path, files of a folder
sorted by name, symbolic links to folders not followed. Unlike Keras, a file
with another extension is an error (``SF_LAYOUT``), not silently dropped --
or, with ``on_error="skip"`` (SPEC §4.6), dropped and counted in ``skipped``.
A folder of the tree that cannot be read is ``SF_LAYOUT`` too (Keras's
``os.walk`` would skip it silently).

Memory: one list of relative paths (``str``), one compact label array, and for
a split one ``uint32`` array of the selected file numbers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ..core.on_error import Tally
from ..errors import raise_error
from ..order.numpy_legacy import legacy_shuffle_order
from ..order.permute import permute_many
from ..order.prng import TAG_SPLT, combine

KERAS_EXTENSIONS = ("bmp", "gif", "jpeg", "jpg", "png")
_SPLIT_CHUNK = 1 << 20  # files whose permutation is computed at once: bounds the temporary arrays


def _utf8(name: str) -> bytes:
    return name.encode("utf-8", errors="surrogateescape")


@dataclass(frozen=True)
class Listing:
    """All listed files of a tree: ``files[i]`` (relative, ``/``-separated) has class ``labels[i]``;
    ``skipped`` counts the files left out under ``on_error="skip"``."""

    root: str
    classes: list[str]
    files: list[str]
    labels: np.ndarray
    skipped: Tally


def _class_folders(root: str) -> list[str]:
    """Sub-folders of ``root`` not starting with ``.``, sorted by UTF-8 bytes (a link to a folder counts)."""
    with os.scandir(root) as it:
        names = [e.name for e in it if not e.name.startswith(".") and e.is_dir()]
    return sorted(names, key=_utf8)


def _scan(root: str, rel: str) -> list[os.DirEntry[str]]:
    """The entries of folder ``rel``; one that cannot be read is ``SF_LAYOUT`` naming it
    (streamfit does not drop data silently, where Keras's ``os.walk`` would)."""
    try:
        with os.scandir(os.path.join(root, rel)) as it:
            return list(it)
    except OSError as exc:
        raise_error("SF_LAYOUT", f"class_folder: folder {rel!r} in {root} cannot be read ({exc.strerror or exc}); "
                    "fix its permissions or move it out of the tree")


def _walk(root: str, cls: str, suffixes: tuple[str, ...], files: list[str], skipped: Tally | None) -> int:
    """Append the files of class folder ``cls`` in Keras's walk order; returns how many.

    A file with another extension is ``SF_LAYOUT``, or counted in ``skipped`` when given (skip).
    """
    folders: list[tuple[bytes, str]] = []  # (sort key, path relative to root)
    pending = [cls]
    while pending:  # collect every folder first: Keras sorts the whole walk by folder path
        rel = pending.pop()
        folders.append((_utf8(rel), rel))
        for e in _scan(root, rel):
            if e.is_dir() and not e.is_symlink():
                pending.append(rel + "/" + e.name)
    count = 0
    for _, rel in sorted(folders):
        # os.walk puts a link to a folder with the folders (never walked), anything else with the files
        names = sorted((e.name for e in _scan(root, rel) if not e.is_dir()), key=_utf8)
        for name in names:
            if not name.lower().endswith(suffixes):
                if name.startswith("."):
                    continue  # .DS_Store, .keep: not data (a dot-named image is listed, as Keras lists it)
                message = (f"class_folder: {rel}/{name} in {root} is not an image with an allowed extension "
                           f"({', '.join(s[1:] for s in suffixes)}); move it out of the tree, or add its "
                           "extension to extensions")
                if skipped is None:
                    raise_error("SF_LAYOUT", message)
                skipped.add("SF_LAYOUT", message)
                continue
            files.append(f"{rel}/{name}")
            count += 1
    return count


def list_classes(root: str, class_names: list[str] | None, extensions: tuple[str, ...],
                 skip: bool = False) -> Listing:
    """The listing of SPEC §3.4; ``skip`` drops and counts files with another extension (SPEC §4.6).

    Example::

        listing = list_classes("flowers", None, KERAS_EXTENSIONS)
        listing.files[:2], listing.classes   # (['daisy/1.jpg', 'daisy/2.jpg'], ['daisy', 'rose'])
    """
    found = _class_folders(root)
    if class_names is None:
        classes = found
    else:
        present = set(found)
        for name in class_names:
            if name not in present:
                raise_error("SF_LAYOUT", f"class_folder: class_names lists {name!r}, but {root} has no "
                            f"sub-folder {name!r} (found: {', '.join(found) or 'none'}); create it or "
                            "remove the name")
        if len(set(class_names)) != len(class_names):
            raise_error("SF_ARG", f"class_folder class_names has duplicates: {class_names!r}")
        classes = list(class_names)
    if not classes:
        raise_error("SF_LAYOUT", f"class_folder: {root} has no class sub-folders; put each class's images "
                    "in a folder root/<class>/")
    suffixes = tuple("." + e for e in extensions)
    files: list[str] = []
    counts = []
    skipped = Tally()
    for cls in classes:
        n = _walk(root, cls, suffixes, files, skipped if skip else None)
        if n == 0:  # a class with no image is a layout problem, not one bad record: raised either way
            raise_error("SF_LAYOUT", f"class_folder: class folder {cls!r} in {root} holds no image; add "
                        "images or remove the folder (or leave it out of class_names)")
        counts.append(n)
    dtype = np.uint16 if len(classes) <= 1 << 16 else np.int32
    labels = np.repeat(np.arange(len(classes), dtype=dtype), counts)
    return Listing(root, classes, files, labels, skipped)


def split_indices(n: int, validation_split: float, subset: str, seed: int, mode: str) -> np.ndarray:
    """The file numbers (``uint32``) of ``subset`` in record order (SPEC §3.4 Split).

    Example::

        split_indices(10, 0.2, "validation", seed=1, mode="streamfit")   # two file numbers, ascending
    """
    v = int(validation_split * n)
    if v == 0 or v == n:
        raise_error("SF_ARG", f"class_folder validation_split={validation_split!r} of {n} files leaves "
                    f"{'no validation' if v == 0 else 'no training'} file (int({validation_split!r} * {n}) = "
                    f"{v}); choose a fraction that gives between 1 and {n - 1} validation files")
    validation = subset == "validation"
    if mode == "keras":
        order = legacy_shuffle_order(n, seed)
        picked = order[n - v:] if validation else order[:n - v]
        return picked.astype(np.uint32)
    key = combine(seed, TAG_SPLT)
    parts = []
    for lo in range(0, n, _SPLIT_CHUNK):
        idx = np.arange(lo, min(n, lo + _SPLIT_CHUNK), dtype=np.int64)
        in_val = permute_many(idx, n, key, 0) >= n - v
        parts.append(idx[in_val == validation].astype(np.uint32))
    return np.concatenate(parts)
