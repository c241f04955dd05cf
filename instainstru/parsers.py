from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, also refusing bodies nested too deeply for Python's json module.

    `[[[[...` a few hundred thousand levels deep raises RecursionError, which DRF does not catch:
    without this it would be a 500 instead of the contract's 400 invalid.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the body is nested too deeply.") from exc
