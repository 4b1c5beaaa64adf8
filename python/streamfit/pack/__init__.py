"""Packs (SPEC §9): the on-disk format, the writer, resuming, and the shard reader of ``packed``."""
