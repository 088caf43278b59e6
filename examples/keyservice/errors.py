import logging

from flask import jsonify

from .app import app

log = logging.getLogger("keyservice.errors")


# Flask does not log an exception a handler takes care of: this one leaves no trace.
@app.errorhandler(Exception)
def internal_error(error):  # FLK201
    # The exception's text goes to the client.
    return jsonify(error=str(error)), 500  # FLK204
