"""Query parameters: an endpoint that takes some names them, and any other is a 400.

An unknown name used to be ignored, so a typo (`?projectid=foo`) answered as if nothing had been asked: the default
project's usage, read as the project's. Endpoints without query parameters take the query as it comes.
"""

from __future__ import annotations

from aiohttp import web

from larouter.errors import bad_request


def check_query(request: web.Request, accepted: tuple[str, ...]) -> None:
    """400 `unknown_parameter` naming the first query parameter not in `accepted`, and listing those; 400 for one
    given twice (`?lines=5&lines=abc`: which one was meant?)."""
    if request.query:
        for name in accepted:
            if len(request.query.getall(name, ())) > 1:
                raise bad_request(f"query parameter '{name}' may be given only once", name)
    for name in request.query:
        if name not in accepted:
            shown = name[:64]
            near = next((a for a in accepted if a.casefold() == name.casefold()), None)
            hint = f" (did you mean {near!r}? names are case-sensitive)" if near else ""
            resource = request.match_info.route.resource
            path = resource.canonical if resource is not None else request.path
            raise bad_request(f"unknown query parameter {shown!r}{hint}; {request.method} {path} accepts "
                              f"{', '.join(accepted)}", shown, "unknown_parameter")
