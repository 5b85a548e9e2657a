"""Reads of the core that matter, one module per sub-domain: each owns its joins and its
visibility filter."""
