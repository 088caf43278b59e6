"""A small API-key service with one of each problem flasklint-keys finds.

Each line with a problem ends in the code it gets; the right way is shown beside
the wrong one where it is short.
"""

import hashlib
import logging
import os

import sentry_sdk
from flask import Flask, abort, g, jsonify, request

from .auth import require_key

# Sentry sends request headers and cookies with every error event.
sentry_sdk.init(dsn=os.environ.get("SENTRY_DSN"), send_default_pii=True)  # FLK107

app = Flask(__name__)
# A hard-coded secret.
app.config["SECRET_KEY"] = "dev-secret-please-change"  # FLK402
log = logging.getLogger("keyservice")


@app.route("/items")
@require_key
def items():
    # The raw key is logged.
    log.info("listing items for key %s", g.api_key)  # FLK101
    # Every header is logged, Authorization included.
    log.debug("request headers: %s", dict(request.headers))  # FLK102
    # The URL may carry ?key=.
    log.info("GET %s", request.url)  # FLK103
    return jsonify(items=[])


@app.route("/items/<int:item_id>")
@require_key
def item(item_id):
    if item_id > 1000:
        # The key is echoed back to whoever sent it.
        abort(404, description=f"no item {item_id} for key {g.api_key}")  # FLK105
    # The right way: a fingerprint of the key, and where it came from.
    key_id = hashlib.sha256(g.api_key.encode()).hexdigest()[:12]
    log.info("item %s read", item_id, extra={"key_id": key_id, "key_origin": g.key_origin})
    return jsonify(id=item_id)


@app.route("/admin/keys")
@require_key
def list_keys():
    if not g.is_admin:
        # A denial with no log entry: nobody sees key holders probing admin routes.
        abort(403)  # FLK304
    return jsonify(keys=[])


if __name__ == "__main__":
    # The Werkzeug debugger is a remote console.
    app.run(debug=True)  # FLK401
