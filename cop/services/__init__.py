"""Writes of the core domain. One module per entity; views, the API and tasks call these."""
