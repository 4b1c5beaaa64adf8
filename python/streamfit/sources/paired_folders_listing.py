"""Listing and matching of paired folders by file stem (SPEC §3.5, and §4.6 for ``skip``).

Each folder is listed flat: ``{stem: file name}``. With ``on_error="raise"``
any stray entry, a stem held twice by one folder, or a stem missing from some
folder is an error; records follow the first input's stems. With ``"skip"``
the candidates are the stems of *all* folders, and each problem is counted
instead: a stray entry as ``SF_LAYOUT`` (one per entry), a stem held twice as
``SF_LAYOUT`` (one per stem), else a stem missing somewhere as
``SF_PAIR_MISSING`` (one per stem).
"""

from __future__ import annotations

import os
from typing import Sequence

from ..core.on_error import Tally
from ..errors import raise_error


def _utf8(name: str) -> bytes:
    return name.encode("utf-8", errors="surrogateescape")


def list_stems(root: str, folder: str, extensions: tuple[str, ...], skipped: Tally | None = None
               ) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """``({stem: file name}, {stem: (folder/file, folder/other file)})`` of one folder, flat.

    ``SF_LAYOUT`` for a missing folder (always), another file, a sub-folder or a repeated stem;
    with ``skipped`` given (skip) the last three are counted or returned instead of raised.

    Example::

        list_stems("pairs", "time1", ("png", "jpg"))   # ({"a1": "a1.png", "a2": "a2.jpg", ...}, {})
    """
    path = os.path.join(root, folder)
    if not os.path.isdir(path):
        raise_error("SF_LAYOUT", f"paired_folders: folder {folder!r} is missing in {root}; create {folder}/ "
                    "or fix inputs/label")
    suffixes = tuple("." + e for e in extensions)
    with os.scandir(path) as it:
        entries = sorted(((e.name, e.is_dir()) for e in it), key=lambda t: _utf8(t[0]))
    stems: dict[str, str] = {}
    twice: dict[str, tuple[str, str]] = {}
    for name, is_dir in entries:
        if is_dir or not name.lower().endswith(suffixes):
            if name.startswith("."):
                continue  # .DS_Store, .cache/: not data
            what = "a sub-folder (folders are read flat)" if is_dir else \
                f"not an image with an allowed extension ({', '.join(extensions)})"
            message = (f"paired_folders: {folder}/{name} in {root} is {what}; move it out, or add its extension "
                       "to extensions")
            if skipped is None:
                raise_error("SF_LAYOUT", message)
            skipped.add("SF_LAYOUT", message)
            continue
        stem = name.rsplit(".", 1)[0]
        if stem in stems:
            pair = (f"{folder}/{stems[stem]}", f"{folder}/{name}")
            if skipped is None:
                raise_error("SF_LAYOUT", _twice_message(root, pair, stem))
            twice.setdefault(stem, pair)
            continue
        stems[stem] = name
    return stems, twice


def _twice_message(root: str, pair: tuple[str, str], stem: str) -> str:
    return (f"paired_folders: {pair[0]} and {pair[1]} in {root} have the same stem {stem!r}; files are matched "
            "by name without extension, so rename or remove one")


def _missing_message(root: str, a: str, name: str, b: str, stem: str) -> str:
    return (f"paired_folders: {a}/{name} in {root} has no partner in {b}/ (no file named {stem}.<ext>); add "
            f"{b}/{stem}.<ext> or remove {a}/{name}")


def match(root: str, folders: Sequence[str], listings: list[dict[str, str]]) -> list[str]:
    """Stems of the first folder sorted by UTF-8 bytes, once every folder holds exactly the same stems
    (``SF_PAIR_MISSING`` naming the first file without a partner otherwise)."""
    for a, fa in zip(folders, listings):
        for b, fb in zip(folders, listings):
            for stem in sorted(fa, key=_utf8):
                if stem not in fb:
                    raise_error("SF_PAIR_MISSING", _missing_message(root, a, fa[stem], b, stem))
    return sorted(listings[0], key=_utf8)


def match_skipping(root: str, folders: Sequence[str], listings: list[dict[str, str]],
                   twice: dict[str, tuple[str, str]], skipped: Tally) -> list[str]:
    """The stems of every folder, sorted, that are a record; the others are counted (SPEC §4.6).

    Example::

        match_skipping("pairs", ["time1", "time2"], [{"a": "a.png", "b": "b.png"}, {"a": "a.jpg"}], {}, tally)
        # ["a"]; tally.counts == {"SF_PAIR_MISSING": 1}
    """
    every = set().union(*listings, twice)
    kept = []
    for stem in sorted(every, key=_utf8):
        if stem in twice:
            skipped.add("SF_LAYOUT", _twice_message(root, twice[stem], stem))
            continue
        lacking = [k for k, listing in enumerate(listings) if stem not in listing]
        if lacking:
            k = next(k for k, listing in enumerate(listings) if stem in listing)
            skipped.add("SF_PAIR_MISSING", _missing_message(root, folders[k], listings[k][stem],
                                                            folders[lacking[0]], stem))
            continue
        kept.append(stem)
    return kept
