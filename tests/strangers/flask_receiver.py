"""Webhook receiver for portal leads (Hemnet) and Property Finder Atlas events.

Run with:  PORT=8000 ADMIN_TOKEN=... HEMNET_WEBHOOK_KEYS=... python flask_receiver.py

Everything is configured through environment variables, read once at start-up
(see Config below). Storage is a single sqlite file.
"""

import hashlib
import hmac
import json
import logging
import os
import sqlite3
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing
from datetime import datetime, timezone

from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

log = logging.getLogger("receiver")

# The event types Atlas documents (Enterprise API, Webhooks).
ATLAS_ALL_EVENTS = [
    "user.created",
    "user.updated",
    "user.deleted",
    "user.activated",
    "user.deactivated",
    "lead.created",
    "lead.updated",
    "lead.assigned",
    "publicProfile.verification.approved",
    "publicProfile.verification.rejected",
    "listing.published",
    "listing.unpublished",
    "listing.action",
    "listing.publishFailed",
]

# Outbound calls to the Atlas API; Atlas itself answers well within this.
API_TIMEOUT_S = 5


def _csv(value):
    return [item.strip() for item in (value or "").split(",") if item.strip()]


class Config:
    def __init__(self, env):
        self.port = int(env.get("PORT") or "8000")
        self.database = env.get("DATABASE") or _temp_database()
        self.public_url = (env.get("PUBLIC_URL") or f"http://127.0.0.1:{self.port}").rstrip("/")
        self.admin_token = env.get("ADMIN_TOKEN") or ""

        self.hemnet_keys = _csv(env.get("HEMNET_WEBHOOK_KEYS"))
        # Known-bad switch used by a negative test: skip lead de-duplication.
        self.hemnet_store_duplicates = env.get("HEMNET_STORE_DUPLICATES") == "1"

        self.atlas_api_base = (env.get("ATLAS_API_BASE") or "").rstrip("/")
        self.atlas_api_key = env.get("ATLAS_API_KEY") or ""
        self.atlas_api_secret = env.get("ATLAS_API_SECRET") or ""
        self.atlas_webhook_secret = env.get("ATLAS_WEBHOOK_SECRET") or ""
        self.atlas_events = _csv(env.get("ATLAS_EVENTS")) or list(ATLAS_ALL_EVENTS)


def _temp_database():
    fd, path = tempfile.mkstemp(prefix="receiver-", suffix=".sqlite3")
    os.close(fd)
    return path


def now_iso():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- storage -----------------------------------------------------------------

SCHEMA = """
CREATE TABLE IF NOT EXISTS leads (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- NULL disables the uniqueness check for a row (sqlite treats NULLs as distinct).
    dedupe_key  TEXT UNIQUE,
    contact_id  TEXT NOT NULL,
    first_name  TEXT,
    last_name   TEXT,
    email       TEXT,
    phone       TEXT,
    message     TEXT,
    raw         TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS leads_contact_id ON leads (contact_id);

-- How often Hemnet delivered each contact (retries, duplicates).
CREATE TABLE IF NOT EXISTS lead_deliveries (
    contact_id TEXT PRIMARY KEY,
    deliveries INTEGER NOT NULL,
    last_seen  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS atlas_events (
    event_id    TEXT PRIMARY KEY,
    type        TEXT,
    entity_type TEXT,
    entity_id   TEXT,
    occurred_at TEXT,
    raw         TEXT NOT NULL,
    deliveries  INTEGER NOT NULL DEFAULT 1,
    received_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS analytics_counts (
    type     TEXT PRIMARY KEY,
    received INTEGER NOT NULL
);
"""


class Store:
    def __init__(self, path):
        self.path = path
        with closing(self._connect()) as db:
            # WAL lets the lookup API read while webhook threads write.
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    def _connect(self):
        # One connection per call: the server is threaded and sqlite
        # connections must not be shared between threads.
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        return db

    def save_lead(self, contact, dedupe):
        contact_id = _text(contact.get("id"))
        received = now_iso()
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT OR IGNORE INTO leads (dedupe_key, contact_id, first_name, last_name,"
                " email, phone, message, raw, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    contact_id if dedupe else None,
                    contact_id,
                    _text(contact.get("firstName")),
                    _text(contact.get("lastName")),
                    _text(contact.get("email")),
                    _text(contact.get("phone")),
                    _text(contact.get("message")),
                    json.dumps(contact, ensure_ascii=False),
                    received,
                ),
            )
            db.execute(
                "INSERT INTO lead_deliveries (contact_id, deliveries, last_seen) VALUES (?, 1, ?)"
                " ON CONFLICT (contact_id) DO UPDATE SET deliveries = deliveries + 1,"
                " last_seen = excluded.last_seen",
                (contact_id, received),
            )

    def leads_for(self, contact_id):
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT contact_id, first_name, last_name, email, message, received_at"
                " FROM leads WHERE contact_id = ? ORDER BY id",
                (contact_id,),
            ).fetchall()
        return [dict(row) for row in rows]

    def save_atlas_event(self, envelope, raw):
        entity = envelope.get("entity") if isinstance(envelope.get("entity"), dict) else {}
        with closing(self._connect()) as db, db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO atlas_events (event_id, type, entity_type, entity_id,"
                " occurred_at, raw, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    _text(envelope.get("id")),
                    _text(envelope.get("type")),
                    _text(entity.get("type")),
                    _text(entity.get("id")),
                    _text(envelope.get("timestamp")),
                    raw,
                    now_iso(),
                ),
            )
            if cursor.rowcount == 0:
                db.execute(
                    "UPDATE atlas_events SET deliveries = deliveries + 1 WHERE event_id = ?",
                    (_text(envelope.get("id")),),
                )
                return False
            return True

    def atlas_event(self, event_id):
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT event_id, type, entity_type, entity_id, occurred_at, deliveries,"
                " received_at FROM atlas_events WHERE event_id = ?",
                (event_id,),
            ).fetchone()
        return dict(row) if row else None

    def count_analytics(self, event_type):
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT INTO analytics_counts (type, received) VALUES (?, 1)"
                " ON CONFLICT (type) DO UPDATE SET received = received + 1",
                (event_type,),
            )

    def analytics_counts(self):
        with closing(self._connect()) as db:
            rows = db.execute("SELECT type, received FROM analytics_counts ORDER BY type").fetchall()
        return {row["type"]: row["received"] for row in rows}


def _text(value):
    """Column value for an attribute documented as a (nullable) string."""
    if value is None or isinstance(value, str):
        return value
    # Not expected (types are stable), but keep the data rather than fail.
    return json.dumps(value, ensure_ascii=False)


# --- signatures --------------------------------------------------------------


def signature_matches(header, secrets, body):
    """True when any signature in `header` ("sig" or "old,new") is the
    HMAC-SHA256 hex of `body` under any of `secrets`."""
    candidates = [part.strip().lower() for part in (header or "").split(",") if part.strip()]
    expected = [hmac.new(s.encode(), body, hashlib.sha256).hexdigest() for s in secrets]
    ok = False
    # Compare every pair so timing doesn't reveal which one matched.
    for candidate in candidates:
        for digest in expected:
            ok |= hmac.compare_digest(candidate.encode(), digest.encode())
    return ok


def parse_json(body):
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


# --- Atlas API client --------------------------------------------------------


class ApiError(Exception):
    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class AtlasClient:
    def __init__(self, config):
        self.config = config
        # The API is usually on loopback in tests; never route it via a proxy.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def _call(self, method, path, body=None, token=None):
        """(status, parsed body) for any HTTP answer; ApiError if unreachable."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.config.atlas_api_base + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with self.opener.open(req, timeout=API_TIMEOUT_S) as resp:
                return resp.status, parse_json(resp.read())
        except urllib.error.HTTPError as err:
            detail = parse_json(err.read())
            err.close()
            return err.code, detail
        except (urllib.error.URLError, OSError) as err:
            raise ApiError(f"{method} {path}: {err}") from err

    def token(self):
        status, answer = self._call(
            "POST",
            "/v1/auth/token",
            {"apiKey": self.config.atlas_api_key, "apiSecret": self.config.atlas_api_secret},
        )
        token = answer.get("accessToken") if isinstance(answer, dict) else None
        if status != 200 or not isinstance(token, str) or not token:
            raise ApiError(f"token request refused: {_problem(answer)}", status)
        return token

    def subscribe(self, token, event, callback_url, secret):
        body = {"eventId": event, "callbackUrl": callback_url}
        if secret:
            body["secret"] = secret
        status, answer = self._call("POST", "/v1/webhooks", body, token)
        # 409: this callback is already subscribed to the event, which is what we want.
        if status not in (200, 201, 409):
            raise ApiError(f"subscribing to {event} failed: {_problem(answer)}", status)

    def unsubscribe(self, token, event):
        path = "/v1/webhooks/" + urllib.parse.quote(event, safe="")
        status, answer = self._call("DELETE", path, None, token)
        # 404: nothing subscribed to it any more, which is what we want.
        if status not in (200, 204, 404):
            raise ApiError(f"unsubscribing from {event} failed: {_problem(answer)}", status)


def _problem(answer):
    if isinstance(answer, dict):
        return answer.get("detail") or answer.get("title") or answer.get("message") or "error"
    return "no details"


# --- app ---------------------------------------------------------------------


def create_app(config):
    app = Flask(__name__)
    store = Store(config.database)
    atlas = AtlasClient(config)

    if not config.admin_token:
        log.warning("ADMIN_TOKEN is not set: admin and API endpoints will refuse every request")
    if not config.hemnet_keys:
        log.warning("HEMNET_WEBHOOK_KEYS is not set: Hemnet deliveries will be refused")

    def admin_ok():
        header = request.headers.get("Authorization", "")
        expected = f"Bearer {config.admin_token}"
        return bool(config.admin_token) and hmac.compare_digest(header.encode(), expected.encode())

    def unauthorized():
        return jsonify(error="unauthorized"), 401

    @app.get("/healthz")
    def healthz():
        return Response("ok", status=200, mimetype="text/plain")

    # Hemnet: only a 200 counts as delivered; anything else is retried for days.
    @app.post("/webhooks/hemnet-leads")
    def hemnet_leads():
        body = request.get_data()
        if not signature_matches(request.headers.get("X-Signature"), config.hemnet_keys, body):
            return jsonify(error="invalid signature"), 401
        event = parse_json(body)
        if not isinstance(event, dict):
            return jsonify(error="body must be a JSON object"), 400

        if event.get("type") == "CONTACT" and event.get("action") == "CREATE":
            contact = event.get("data")
            if isinstance(contact, dict) and contact.get("id") not in (None, ""):
                # Stored inline: it's one small insert, and a 200 should mean "saved".
                store.save_lead(contact, dedupe=not config.hemnet_store_duplicates)
            else:
                # A retry won't fix a contact without an id; log it and move on.
                log.warning("Hemnet CONTACT.CREATE without data.id, ignored (request %s)",
                            request.headers.get("X-Request-Id"))
        # Other types/actions: acknowledge so Hemnet doesn't retry them.
        return "", 200

    @app.get("/api/leads")
    def leads():
        if not admin_ok():
            return unauthorized()
        contact_id = request.args.get("contact_id", "")
        found = store.leads_for(contact_id)
        return jsonify(total=len(found), leads=found)

    # Atlas delivers at least once and accepts any 2xx.
    @app.post("/webhooks/atlas")
    def atlas_webhook():
        body = request.get_data()
        if config.atlas_webhook_secret and not signature_matches(
            request.headers.get("X-Signature"), [config.atlas_webhook_secret], body
        ):
            return jsonify(error="invalid signature"), 401
        envelope = parse_json(body)
        if not isinstance(envelope, dict) or envelope.get("id") in (None, ""):
            return jsonify(error="expected an event envelope with an id"), 400
        store.save_atlas_event(envelope, body.decode("utf-8", "replace"))
        # Unknown types are stored like any other and simply not acted on.
        return "", 204

    # Subscribed without a secret: only counts, so nothing here needs trusting.
    @app.post("/webhooks/atlas-analytics")
    def atlas_analytics():
        envelope = parse_json(request.get_data())
        event_type = envelope.get("type") if isinstance(envelope, dict) else None
        store.count_analytics(event_type if isinstance(event_type, str) else "(unknown)")
        return "", 204

    @app.get("/api/atlas/events")
    def atlas_events():
        if not admin_ok():
            return unauthorized()
        found = store.atlas_event(request.args.get("id", ""))
        return jsonify(total=1 if found else 0, events=[found] if found else [])

    @app.get("/api/atlas/analytics")
    def atlas_analytics_counts():
        if not admin_ok():
            return unauthorized()
        counts = store.analytics_counts()
        return jsonify(total=sum(counts.values()), by_type=counts)

    @app.post("/admin/atlas/subscribe")
    def atlas_subscribe():
        if not admin_ok():
            return unauthorized()
        callback = f"{config.public_url}/webhooks/atlas"
        try:
            token = atlas.token()
            for event in config.atlas_events:
                atlas.subscribe(token, event, callback, config.atlas_webhook_secret)
        except ApiError as err:
            return jsonify(error=str(err), status=err.status), 502
        return jsonify(subscribed=config.atlas_events)

    @app.post("/admin/atlas/unsubscribe")
    def atlas_unsubscribe():
        if not admin_ok():
            return unauthorized()
        try:
            token = atlas.token()
            for event in config.atlas_events:
                atlas.unsubscribe(token, event)
        except ApiError as err:
            return jsonify(error=str(err), status=err.status), 502
        return jsonify(unsubscribed=config.atlas_events)

    return app


def main():
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = Config(os.environ)
    app = create_app(config)
    # make_server binds before we announce, so "listening" really means it.
    server = make_server("127.0.0.1", config.port, app, threaded=True)
    print(f"listening on 127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
