"""The knowledge app."""
