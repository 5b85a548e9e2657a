"""Models of the mentoring app; they arrive with its issue."""
