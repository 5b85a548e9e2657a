"""The API's request parsers. A module of its own, like `api_auth`: DRF imports its
parser classes while `rest_framework.views` is itself being imported, so this module
must not import anything that imports the views."""

from rest_framework import exceptions, parsers


class ObjectJSONParser(parsers.JSONParser):
    """JSON bodies are objects: every write takes named fields. `12`, `null`, `true` or
    `[]` is a 400 here, before any view reads `request.data` as a mapping (a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type=media_type, parser_context=parser_context)
        if not isinstance(data, dict):
            raise exceptions.ParseError("The JSON body must be an object, such as {}.")
        return data
