"""Source layer: records from disk or from a range (SPEC §3)."""
