"""The core REST API, one module per sub-domain (communities, account, conversation,
...), and what every app's API shares (support, auth, parsers)."""
