import hashlib
import logging
import os

from flask import Flask, abort, g, jsonify, request

from .auth import get_api_key

app = Flask(__name__)
app.config["SECRET_KEY"] = "dev-secret-please-change"  # FLK402: hard-coded secret
log = logging.getLogger("keyservice")

VALID_KEYS = {os.environ.get("SERVICE_API_KEY", "")}


@app.before_request
def load_key():
    key, origin = get_api_key()
    g.api_key = key
    g.key_origin = origin


@app.route("/items")
def items():
    log.info("listing items for key %s", g.api_key)  # FLK101: the raw key is logged
    log.debug("request headers: %s", dict(request.headers))  # FLK102: every header, Authorization included
    log.info("GET %s", request.url)  # FLK103: the URL may carry ?key=
    return jsonify(items=[])


@app.route("/items/<int:item_id>")
def item(item_id):
    if g.api_key not in VALID_KEYS:
        abort(401, description=f"unknown key {g.api_key}")  # FLK105: the key is echoed back
    # The right way: a fingerprint of the key, and where it came from.
    key_id = hashlib.sha256(g.api_key.encode()).hexdigest()[:12]
    log.info("item %s read", item_id, extra={"key_id": key_id, "key_origin": g.key_origin})
    return jsonify(id=item_id)


if __name__ == "__main__":
    app.run(debug=True)  # FLK401: the Werkzeug debugger is a remote console
