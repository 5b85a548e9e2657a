"""The meetings app."""
