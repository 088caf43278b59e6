import functools
import logging
import os

from flask import abort, g, request

log = logging.getLogger("keyservice.auth")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
KEYS = {}


def get_api_key():
    """The key and where it came from; the query string is accepted for old clients."""
    key = request.headers.get("X-API-Key")
    if key:
        return key, "header"
    # Keys in URLs end up in access logs and browser history.
    return request.args.get("api_key"), "query"  # FLK104


def require_key(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key, origin = get_api_key()
        if not key:
            log.warning("no API key", extra={"reason": "missing", "key_origin": origin})
            abort(401)
        if key not in KEYS:
            # Logged, but the same text for every failure: no reason, no origin.
            log.warning("authentication failed")  # FLK302
            abort(401)
        g.api_key = key
        g.key_origin = origin
        g.is_admin = KEYS[key] == "admin"
        return view(*args, **kwargs)

    return wrapper


# A check that lets requests in without recording which key it was.
def require_metrics_token(view):  # FLK305
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        token = request.headers.get("X-Metrics-Token", "")
        # == stops at the first differing character: its time leaks the token.
        if token != METRICS_TOKEN:  # FLK303
            # No log entry: no alert can fire on someone guessing tokens.
            abort(401)  # FLK301
        return view(*args, **kwargs)

    return wrapper
