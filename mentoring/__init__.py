"""The mentoring app."""
