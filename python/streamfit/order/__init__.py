"""Order layer: pure integer functions that decide which record comes next (SPEC §1)."""
