"""URL path converters shared by every app."""


class IdConverter:
    """A database id: 1 to 18 digits, so it always fits a 64-bit integer column.
    Django's `int` converter takes any length, and a longer number made the database
    raise (a 500) instead of the page answering 404."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))
