"""fakeapi.router: path-template routing in the manner of Starlette.

A Router is built from a table of (method, template, rate class, handler)
rows; match() finds the row for a request, with its {param} values, or raises
the 404 or the 405 (with Allow) that Starlette would give.
"""

import re

from .contract import METHOD_NOT_ALLOWED, NOT_FOUND, ApiError


class Route:
    def __init__(self, method, template, rate_class, handler):
        self.method = method
        self.template = template
        self.rate_class = rate_class
        self.handler = handler
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self.regex = re.compile(f"^{pattern}$")


class Router:
    """Starlette-like matching: a path match with another method is a 405."""

    def __init__(self, routes):
        self.routes = [Route(*r) for r in routes]

    def match(self, method, path):
        """-> (route, path params); raises ApiError 404 / 405."""
        allowed = []
        for route in self.routes:
            found = route.regex.match(path)
            if found:
                if route.method == method:
                    return route, found.groupdict()
                allowed.append(route.method)
        if allowed:
            raise ApiError(405, METHOD_NOT_ALLOWED, [("Allow", ", ".join(allowed))])
        raise ApiError(404, NOT_FOUND)
