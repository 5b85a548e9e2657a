"""Forms of the core: core (profile, tokens, value stories, the shared fields) and one
module per sub-domain."""
