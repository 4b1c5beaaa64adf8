"""Transform layer: one stage class per op (SPEC §4.1)."""
