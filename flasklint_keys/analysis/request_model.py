"""What each part of Flask's ``request`` object carries.

Kept as data so the contract's lists stay visible in one place.
"""

from __future__ import annotations

from .taint import Kind

# request.<attr> -> what logging the whole attribute leaks.
REQUEST_ATTRIBUTES: dict[str, Kind] = {
    "headers": Kind.DUMP,
    "cookies": Kind.DUMP,
    "environ": Kind.DUMP,
    "authorization": Kind.DUMP,
    "form": Kind.DUMP,
    "json": Kind.DUMP,
    "data": Kind.DUMP,
    "url": Kind.URL,
    "full_path": Kind.URL,
    "query_string": Kind.URL,
    "args": Kind.URL,
    "values": Kind.URL,
}

# request.<method>() -> what its result leaks.
REQUEST_METHODS: dict[str, Kind] = {"get_json": Kind.DUMP, "get_data": Kind.DUMP}

# Methods that read one field of a request mapping (``headers.get("X-API-Key")``).
FIELD_READERS = frozenset(
    {"get", "getlist", "get_all", "pop", "getone", "setdefault", "__getitem__"}
)

# Methods that return the whole mapping again in another shape (still a dump).
WHOLE_VIEWS = frozenset(
    {"to_dict", "items", "values", "copy", "lists", "to_wsgi_list", "listvalues", "deepcopy"}
)

# WSGI environ keys that carry the query string.
ENVIRON_URL_KEYS = frozenset({"QUERY_STRING", "REQUEST_URI", "RAW_URI"})

# Cookie names that hold a session credential.
SESSION_COOKIES = frozenset(
    {"session", "sessionid", "sid", "remember_token", "jwt", "access_token_cookie"}
)

# Which name heuristic applies to keys read from each mapping.
HEADER_MAPPINGS = frozenset({"request.headers", "request.environ"})
