"""URL confs of the core: site (the root URL conf), api (/api/v1/, the composition root)
and one per sub-domain."""
