"""Writes of the knowledge app, one module per entity. Views, the API and tasks call these.

Every function takes keyword arguments only and raises
`django.core.exceptions.ValidationError` with a readable message when the action is
not possible (not allowed, or not in this state).
"""
