from flask import request


def get_api_key():
    """The key and where it came from; the query string is accepted for old clients."""
    key = request.headers.get("X-API-Key")
    if key:
        return key, "header"
    return request.args.get("api_key"), "query"  # FLK104: keys in URLs end up in access logs
