import logging
import os

log = logging.getLogger("keyservice.jobs")
DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///keys.db")


def rotate_keys(store):
    # The database URL carries the database password.
    log.info("rotating keys in %s", DATABASE_URL)  # FLK106
    try:
        store.rotate()
    # Every failure, bugs included, disappears.
    except Exception:  # FLK202
        pass


def expire_keys(store):
    try:
        store.expire()
    except Exception as exc:
        # An error log without the traceback.
        log.error("expiry failed: %s", exc)  # FLK203


def count_keys(store):
    try:
        return store.count()
    finally:
        # A return in finally discards the exception in flight.
        return 0  # FLK205
