#!/usr/bin/env python3
"""Webhook receiver for Visma Flow and EverReal, standard library only.

Routes:
  POST /api/flow/events          Flow deliveries (202, follow-up reads in the background)
  POST /api/everreal/webhook     EverReal deliveries (200)
  POST /admin/everreal/register  register our EverReal webhooks (admin token)
  GET  /healthz

Configuration comes from the environment; see the CONFIG section below.
"""

import collections
import hmac
import json
import logging
import os
import queue
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger("receiver")

# --- CONFIG -----------------------------------------------------------------

PORT = int(os.environ.get("PORT", "8000"))
PUBLIC_URL = (os.environ.get("PUBLIC_URL") or f"http://127.0.0.1:{PORT}").rstrip("/")
ADMIN_TOKEN = os.environ.get("ADMIN_TOKEN", "")

# Flow's origin; the docs put the token at /flow/authtoken and the API under /flow/api.
FLOW_API_BASE = (os.environ.get("FLOW_API_BASE") or "").rstrip("/")
FLOW_CLIENT_ID = os.environ.get("FLOW_CLIENT_ID", "")
FLOW_CLIENT_SECRET = os.environ.get("FLOW_CLIENT_SECRET", "")
FLOW_SKIP_READS = os.environ.get("FLOW_SKIP_READS") == "1"

EVERREAL_API_BASE = (os.environ.get("EVERREAL_API_BASE") or "").rstrip("/")
EVERREAL_TOKEN = os.environ.get("EVERREAL_TOKEN", "")

# Every event type on EverReal's "Webhooks" page.
EVERREAL_ALL_TYPES = [
    "LISTING_CREATED", "LISTING_UPDATED", "LISTING_ARCHIVED", "LISTING_ACTIVATED",
    "LISTING_DEACTIVATED", "LISTING_PUBLISHED_TO_CHANNEL", "LISTING_UNPUBLISHED_FROM_CHANNEL",
    "CANDIDATE_PARSED", "LISTING_CANDIDATE_APPLIED",
    "LISTING_CANDIDATE_SCHEDULE_INVITED_VIEWING",
    "LISTING_CANDIDATE_SCHEDULE_NEW_TIMESLOTS_REQUESTED",
    "LISTING_CANDIDATE_SCHEDULE_TIMESLOT_BOOKED_ADMIN",
    "LISTING_CANDIDATE_SCHEDULE_TIMESLOT_BOOKED_CANDIDATE",
    "LISTING_CANDIDATE_SCHEDULE_TIMESLOT_BOOKING_REMOVED_ADMIN",
    "LISTING_CANDIDATE_SCHEDULE_TIMESLOT_BOOKING_REMOVED_CANDIDATE",
    "LISTING_CONTRACT_FLOW_STARTED", "LISTING_CONTRACT_FLOW_WITHDRAWN",
    "LISTING_CONTRACT_FLOW_PARTIALLY_SIGNED", "LISTING_CONTRACT_FLOW_SIGNED",
    "OWNER_CREATED", "OWNER_UPDATED", "OWNER_DELETED",
    "PROPERTY_CREATED", "PROPERTY_UPDATED", "PROPERTY_DELETED",
    "UNIT_CREATED", "UNIT_UPDATED", "UNIT_DELETED",
    "PROTOCOL_COMPLETED",
]


def _types_from_env():
    raw = os.environ.get("EVERREAL_TYPES")
    if not raw:
        return list(EVERREAL_ALL_TYPES)
    # dict.fromkeys: drop repeats, keep the order given.
    return list(dict.fromkeys(t.strip() for t in raw.split(",") if t.strip()))


EVERREAL_TYPES = _types_from_env()
EVERREAL_WEBHOOK_URL = f"{PUBLIC_URL}/api/everreal/webhook"

MAX_BODY_BYTES = 1024 * 1024
HTTP_TIMEOUT = 10  # seconds, for every call we make to a provider

# Flow throttling: wait what the 429 says, but never forever.
RATE_LIMIT_MAX_TRIES = 5
RATE_LIMIT_MAX_WAIT = 10.0
RATE_LIMIT_DEFAULT_WAIT = 3.5  # what Visma's demo client waits when not told


# --- small helpers ----------------------------------------------------------

def http_call(method, url, headers=None, body=None):
    """One HTTP request; returns (status, headers, raw body) for any status.

    Connection failures and timeouts raise OSError.
    """
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        # urllib raises on non-2xx; we want to look at those ourselves.
        with err:
            return err.code, err.headers, err.read()


def parse_json(raw):
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def as_id(value):
    """An id as Flow sends it: an integer (a string of digits is tolerated)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


class SeenSet:
    """Thread-safe "have we had this one?" with a bounded memory."""

    def __init__(self, limit=50_000):
        self._keys = collections.OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def add(self, key):
        """Remember key; False if it was already there."""
        with self._lock:
            if key in self._keys:
                return False
            self._keys[key] = None
            if len(self._keys) > self._limit:
                self._keys.popitem(last=False)
            return True


# --- Flow API client --------------------------------------------------------

class FlowError(Exception):
    pass


class FlowClient:
    """Client-credentials token plus throttle-aware calls to Flow's Core API."""

    def __init__(self, base, client_id, client_secret):
        self.base = base
        self.client_id = client_id
        self.client_secret = client_secret
        self._token = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def _get_token(self):
        with self._lock:
            # Renew a little early so a token never expires mid-request.
            if self._token and time.monotonic() < self._expires_at - 30:
                return self._token
            form = urllib.parse.urlencode({
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            }).encode()
            status, _, raw = http_call(
                "POST", f"{self.base}/flow/authtoken",
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "Accept": "application/json"},
                body=form)
            data = parse_json(raw)
            if status != 200 or not isinstance(data, dict) or not data.get("access_token"):
                raise FlowError(f"token request failed: {status} {raw[:200]!r}")
            lifetime = data.get("expires_in")
            lifetime = lifetime if isinstance(lifetime, (int, float)) else 3600
            self._token = data["access_token"]
            self._expires_at = time.monotonic() + lifetime
            log.info("flow: got a new access token (expires in %ss)", lifetime)
            return self._token

    def _forget_token(self):
        with self._lock:
            self._token = None

    def call(self, method, path, query=None, body=None):
        """Returns (status, parsed JSON body). Retries 429 and one 401."""
        url = f"{self.base}/flow/api{path}"
        if query:
            # Keep $ and , readable in the OData query; spaces become %20.
            url += "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote, safe="$,")
        payload = json.dumps(body).encode() if body is not None else None
        refreshed = False
        retries = 0
        while True:
            headers = {"Authorization": f"Bearer {self._get_token()}",
                       "Accept": "application/json"}
            if payload is not None:
                headers["Content-Type"] = "application/json"
            status, resp_headers, raw = http_call(method, url, headers=headers, body=payload)
            log.info("flow: %s %s -> %s", method, url, status)

            if status == 429 and retries < RATE_LIMIT_MAX_TRIES - 1:
                retries += 1
                wait = _rate_limit_wait(resp_headers)
                log.warning("flow: throttled, waiting %.1fs (retry %d of %d)",
                            wait, retries, RATE_LIMIT_MAX_TRIES - 1)
                time.sleep(wait)
                continue
            if status == 401 and not refreshed:
                # The token may have been revoked or expired early: get a new one, once.
                refreshed = True
                self._forget_token()
                continue
            return status, parse_json(raw)

    def get(self, path):
        return self.call("GET", path)


def _rate_limit_wait(headers):
    value = headers.get("X-RateLimit-Delayed-By-Milliseconds")
    try:
        wait = float(value) / 1000.0
    except (TypeError, ValueError):
        wait = RATE_LIMIT_DEFAULT_WAIT
    return min(max(wait, 0.0), RATE_LIMIT_MAX_WAIT)


# --- Flow event handling ----------------------------------------------------

def _ok(what, status, data):
    """Log a failed read; True when the read worked."""
    if 200 <= status < 300:
        return True
    if status == 403:
        # A permission only an admin can grant; retrying will not help.
        missing = data.get("MissingPermissions") if isinstance(data, dict) else None
        log.error("flow: %s refused (403), missing permission: %s", what, missing or data)
    else:
        log.error("flow: %s failed with %s: %s", what, status, data)
    return False


def _search_case(flow, case_id, field):
    status, data = flow.call(
        "POST", "/Search/AdvancedPropertySearch",
        query={"$filter": f"Id eq {case_id}", "$select": f"Id,{field}"},
        body={})
    if _ok(f"search for case {case_id}", status, data):
        results = data.get("Results") if isinstance(data, dict) else None
        if not results:
            log.warning("flow: search found no case %s", case_id)
        for row in results or []:
            if isinstance(row, dict):
                log.info("flow: case %s %s is now %r", case_id, field, row.get(field))


def on_settlement_status_changed(flow, event, payload):
    case_id = as_id(payload.get("CaseId"))
    if case_id is None:
        return
    status, data = flow.get(f"/Properties/{case_id}/SettlementStatuses")
    if _ok(f"settlement statuses of case {case_id}", status, data):
        rows = data if isinstance(data, list) else [data]
        for row in rows:
            if isinstance(row, dict):
                log.info("flow: case %s settlement status %r", case_id, row.get("SettlementStatus"))


def on_case_status_changed(flow, event, payload):
    case_id = as_id(payload.get("CaseId"))
    if case_id is not None:
        _search_case(flow, case_id, "Status")


def on_appropriation_date_changed(flow, event, payload):
    case_id = as_id(payload.get("CaseId"))
    if case_id is not None:
        _search_case(flow, case_id, "TransferDate")


def on_publication_changed(flow, event, payload):
    case_id = as_id(payload.get("CaseId"))
    if case_id is None:
        return
    # Needs "Cases - Read" on the API user.
    status, data = flow.get(f"/Conditions/Properties/{case_id}")
    if _ok(f"conditions of case {case_id}", status, data) and isinstance(data, dict):
        log.info("flow: case %s published asking price %r", case_id, data.get("PublishedAskingPrice"))


def on_seller_insurance_changed(flow, event, payload):
    # This one names the property, not the case.
    property_id = as_id(payload.get("PropertyId"))
    if property_id is None:
        return
    status, data = flow.get(f"/Properties/{property_id}/Information")
    if _ok(f"information of property {property_id}", status, data) and isinstance(data, dict):
        log.info("flow: property %s seller insurance %r", property_id, data.get("SellerInsuranceType"))


def on_dynamic_sale_text_changed(flow, event, payload):
    cases = payload if isinstance(payload, list) else [payload]
    header_id = as_id(event.get("DynamicSaleTextHeaderId"))
    # Without a header id there is nothing narrower to read: reload everything.
    reload_all = event.get("RequireReload") is not False or header_id is None
    for case in cases:
        case_id = as_id(case.get("Id")) if isinstance(case, dict) else None
        if case_id is None:
            continue
        if reload_all:
            path = f"/DynamicSaleText/Cases/{case_id}/DynamicSaleTextItems"
        else:
            path = f"/DynamicSaleText/Cases/{case_id}/DynamicSaleTextItems/{header_id}"
        status, data = flow.get(path)
        if _ok(f"sale texts of case {case_id}", status, data):
            count = len(data) if isinstance(data, list) else 1
            log.info("flow: case %s sale texts refreshed (%d item(s))", case_id, count)


FLOW_READS = {
    "SettlementStatusChanged": on_settlement_status_changed,
    "CaseStatusChanged": on_case_status_changed,
    "AppropriationDateChanged": on_appropriation_date_changed,
    "PublicationChanged": on_publication_changed,
    "SellerInsuranceChanged": on_seller_insurance_changed,
    "DynamicSaleTextChanged": on_dynamic_sale_text_changed,
}


def flow_worker(events, flow):
    """Drains the event queue. One bad event must never stop the loop."""
    while True:
        event = events.get()
        try:
            handle_flow_event(flow, event)
        except Exception:
            log.exception("flow: processing %s failed", event.get("EventType"))
        finally:
            events.task_done()


def handle_flow_event(flow, event):
    event_type = event.get("EventType")
    payload = event.get("Payload")
    handler = FLOW_READS.get(event_type)
    if handler is None:
        # Nothing to fetch for this one (or a type we do not know yet).
        log.info("flow: %s noted, no read needed", event_type)
        return
    if flow is None or FLOW_SKIP_READS:
        log.info("flow: %s noted, reads are off", event_type)
        return
    if not isinstance(payload, (dict, list)):
        log.warning("flow: %s has an unexpected Payload: %r", event_type, payload)
        return
    if event_type != "DynamicSaleTextChanged" and not isinstance(payload, dict):
        log.warning("flow: %s with a list Payload, skipped", event_type)
        return
    try:
        handler(flow, event, payload)
    except (FlowError, OSError) as err:
        log.error("flow: reads for %s failed: %s", event_type, err)


# --- HTTP server ------------------------------------------------------------

class BadRequest(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Handler(BaseHTTPRequestHandler):
    # Keep-alive; every response below carries a Content-Length.
    protocol_version = "HTTP/1.1"

    # Set on the class by main().
    flow_events = None
    flow_seen = None
    everreal_seen = None
    register_lock = threading.Lock()

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self.send_json(200, {"status": "ok"})
        elif path in ("/api/flow/events", "/api/everreal/webhook", "/admin/everreal/register"):
            self.send_json(405, {"error": "method not allowed"}, extra={"Allow": "POST"})
        else:
            self.send_json(404, {"error": "not found"})

    def do_POST(self):
        path = self.path.split("?", 1)[0]
        try:
            # Read the body first, whatever the route, so the connection stays usable.
            body = self.read_body()
        except BadRequest as err:
            self.close_connection = True
            self.send_json(err.status, {"error": str(err)}, extra={"Connection": "close"})
            return

        if path == "/api/flow/events":
            self.flow_delivery(body)
        elif path == "/api/everreal/webhook":
            self.everreal_delivery(body)
        elif path == "/admin/everreal/register":
            self.everreal_register()
        else:
            self.send_json(404, {"error": "not found"})

    # -- routes --

    def flow_delivery(self, body):
        event = parse_json(body)
        if not isinstance(event, dict):
            self.send_json(400, {"error": "expected a JSON event object"})
            return
        # Acknowledge first; Flow only needs to know we have it.
        self.send_json(202, {"accepted": True})

        # Flow events carry no id. EventType, EventCreatedDate and Payload
        # identify one; the whole body is used because DynamicSaleTextChanged
        # keeps RequireReload and the header id beside the Payload.
        key = json.dumps(event, sort_keys=True)
        if not self.flow_seen.add(key):
            log.info("flow: duplicate %s (%s) ignored",
                     event.get("EventType"), event.get("EventCreatedDate"))
            return
        self.flow_events.put(event)

    def everreal_delivery(self, body):
        envelope = parse_json(body)
        if not isinstance(envelope, dict):
            self.send_json(400, {"error": "expected a JSON envelope"})
            return
        self.send_json(200, {"received": True})

        uuid = envelope.get("uuid")
        if uuid is not None and not self.everreal_seen.add(str(uuid)):
            log.info("everreal: duplicate delivery %s ignored", uuid)
            return
        # Unknown operations are fine: EverReal adds event types over time.
        log.info("everreal: %s %s from %s", envelope.get("operation"), uuid,
                 envelope.get("subdomain"))

    def everreal_register(self):
        if not self.is_admin():
            self.send_json(401, {"error": "unauthorized"},
                           extra={"WWW-Authenticate": "Bearer"})
            return
        if not EVERREAL_API_BASE:
            self.send_json(503, {"error": "EVERREAL_API_BASE is not set"})
            return
        # One registration run at a time, or two could both add the same type.
        with self.register_lock:
            status, result = register_everreal_webhooks()
        self.send_json(status, result)

    # -- plumbing --

    def is_admin(self):
        given = self.headers.get("Authorization", "")
        expected = f"Bearer {ADMIN_TOKEN}"
        return bool(ADMIN_TOKEN) and hmac.compare_digest(given.encode(), expected.encode())

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise BadRequest(411, "send a Content-Length")
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            length = int(length)
        except ValueError:
            raise BadRequest(400, "bad Content-Length") from None
        if length < 0:
            raise BadRequest(400, "bad Content-Length")
        if length > MAX_BODY_BYTES:
            raise BadRequest(413, "body too large")
        return self.rfile.read(length)

    def send_json(self, status, data, extra=None):
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)


# --- EverReal registration --------------------------------------------------

def everreal_call(method, body=None):
    headers = {"Authorization": f"Bearer {EVERREAL_TOKEN}", "Accept": "application/json"}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    url = f"{EVERREAL_API_BASE}/api/external-integrations/webhooks"
    status, _, raw = http_call(method, url, headers=headers, body=data)
    log.info("everreal: %s %s -> %s", method, url, status)
    return status, parse_json(raw)


def register_everreal_webhooks():
    """Registers every configured type not yet pointing at us. Returns (status, body)."""
    try:
        status, existing = everreal_call("GET")
        if not 200 <= status < 300:
            return 502, {"error": "EverReal refused to list webhooks", "status": status}
        if not isinstance(existing, list):
            return 502, {"error": "EverReal sent an unexpected webhook list", "status": status}

        already = {
            hook.get("type") for hook in existing
            if isinstance(hook, dict)
            and not hook.get("deletedAt")
            and str(hook.get("url", "")).rstrip("/") == EVERREAL_WEBHOOK_URL
        }
        registered = []
        for event_type in EVERREAL_TYPES:
            if event_type in already:
                continue
            status, _ = everreal_call("POST", {"type": event_type, "url": EVERREAL_WEBHOOK_URL})
            if not 200 <= status < 300:
                log.error("everreal: registering %s refused with %s (registered so far: %s)",
                          event_type, status, registered)
                return 502, {"error": f"EverReal refused to register {event_type}",
                             "status": status}
            registered.append(event_type)
    except OSError as err:
        return 502, {"error": f"EverReal unreachable: {err}", "status": None}
    return 200, {"registered": registered,
                 "already_registered": [t for t in EVERREAL_TYPES if t in already]}


# --- start-up ---------------------------------------------------------------

def main():
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")

    flow = None
    if FLOW_API_BASE:
        flow = FlowClient(FLOW_API_BASE, FLOW_CLIENT_ID, FLOW_CLIENT_SECRET)
    else:
        log.info("FLOW_API_BASE not set: Flow events are acknowledged only")

    Handler.flow_events = queue.Queue()
    Handler.flow_seen = SeenSet()
    Handler.everreal_seen = SeenSet()
    threading.Thread(target=flow_worker, args=(Handler.flow_events, flow),
                     name="flow-worker", daemon=True).start()

    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
