"""Core: records, digests and the pipeline object."""
