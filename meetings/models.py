"""Models of the meetings app; they arrive with its issue."""
