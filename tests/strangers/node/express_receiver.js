'use strict';

// Webhook receiver for our listing and CRM integrations:
//   - Spark Platform (Flexmls) news-feed webhooks
//   - Property Finder "PF Expert" CRM hooks
//
// Both providers POST small JSON notifications and expect a quick 2xx. We
// acknowledge first and do the real work afterwards, so a slow downstream
// never makes the provider time out and retry (Spark gives us 5 s).

const crypto = require('node:crypto');
const express = require('express');

// ---------------------------------------------------------------------------
// Configuration

const PORT = Number(process.env.PORT || 3000);
const PUBLIC_URL = trimSlash(process.env.PUBLIC_URL || `http://127.0.0.1:${PORT}`);
const ADMIN_KEY = process.env.ADMIN_KEY || '';

const SPARK_API_BASE = trimSlash(process.env.SPARK_API_BASE || 'https://sparkapi.com');
const SPARK_ACCESS_TOKEN = process.env.SPARK_ACCESS_TOKEN || '';
// Spark refuses requests without this header; any name identifying us will do.
const SPARK_USER_AGENT = 'AcmeRealty-ListingSync/1.0';
// Only for a negative test: register without "Active": true (Spark's default is false).
const SPARK_FORGET_ACTIVE = process.env.SPARK_FORGET_ACTIVE === '1';

const PF_API_BASE = trimSlash(process.env.PF_API_BASE || 'https://api-v2.mycrm.com');
// PF issues tokens on its own host, from the client level key pair customer care gives out.
const PF_AUTH_BASE = trimSlash(process.env.PF_AUTH_BASE || 'https://auth.propertyfinder.com');
const PF_API_KEY = process.env.PF_API_KEY || '';
const PF_API_SECRET = process.env.PF_API_SECRET || '';
const PF_ALL_EVENTS = [
  'lead.new', 'lead.assigned', 'lead.status', 'lead.updated', 'lead.deleted',
  'landlord.new', 'landlord.assigned', 'landlord.updated', 'landlord.deleted',
  'property.new', 'property.deleted', 'property.assigned', 'property.status', 'property.state',
  'user.new', 'user.updated', 'user.deleted',
  'transaction.new', 'transaction.won', 'transaction.lost', 'transaction.updated', 'transaction.deleted',
];
const PF_EVENTS = process.env.PF_EVENTS
  ? process.env.PF_EVENTS.split(',').map((e) => e.trim()).filter(Boolean)
  : PF_ALL_EVENTS;

const SPARK_WEBHOOK_URL = `${PUBLIC_URL}/integrations/spark/newsfeed`;
const PF_HOOK_URL = `${PUBLIC_URL}/crm/propertyfinder/hooks`;
const SPARK_WEBHOOKS = `${SPARK_API_BASE}/v1/developers/newsfeeds/webhooks`;

// Outbound calls to the providers' APIs should never hang an admin request.
const API_TIMEOUT_MS = 5000;

// Activity goes to stderr; stdout stays for the start-up line.
const log = (...args) => console.error(...args);

function trimSlash(url) {
  return url.replace(/\/+$/, '');
}

// ---------------------------------------------------------------------------
// Small helpers

// Remembers keys we have already acted on. Bounded so a long-running process
// does not grow forever; the oldest keys go first.
class SeenKeys {
  constructor(max = 50000) {
    this.max = max;
    this.keys = new Set();
  }

  // True the first time a key is offered, false afterwards.
  firstTime(key) {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.max) {
      this.keys.delete(this.keys.values().next().value);
    }
    return true;
  }
}

// Reads the raw body as JSON. Returns undefined when it is not a JSON object,
// so callers can answer 400 instead of throwing.
function jsonObject(req) {
  if (!Buffer.isBuffer(req.body) || req.body.length === 0) return undefined;
  try {
    const value = JSON.parse(req.body.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function requireAdmin(req, res, next) {
  const given = Buffer.from(req.get('X-Admin-Key') || '');
  const expected = Buffer.from(ADMIN_KEY);
  // An unset ADMIN_KEY locks the admin routes rather than opening them.
  const ok = expected.length > 0
    && given.length === expected.length
    && crypto.timingSafeEqual(given, expected);
  if (!ok) return res.status(403).json({ error: 'forbidden' });
  return next();
}

// An API answered with something other than 2xx, or could not be reached.
class ApiError extends Error {
  constructor(message, status = null) {
    super(message);
    this.status = status;
  }
}

// fetch + JSON, turning network failures and timeouts into ApiError.
async function callApi(url, { method = 'GET', headers = {}, body } = {}) {
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
    });
  } catch (err) {
    throw new ApiError(`${method} ${url} failed: ${err.cause?.message || err.message}`);
  }
  const text = await res.text().catch(() => '');
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  return { status: res.status, ok: res.ok, data, text };
}

// Express 4 does not catch rejected promises from handlers.
const asyncRoute = (fn) => (req, res, next) => Promise.resolve(fn(req, res, next)).catch(next);

function sendApiError(res, err) {
  if (!(err instanceof ApiError)) throw err;
  console.error(`provider API error: ${err.message}`);
  res.status(502).json({ error: err.message, status: err.status });
}

// ---------------------------------------------------------------------------
// Spark news-feed webhooks

const sparkSeen = new SeenKeys();

function sparkHeaders() {
  return {
    Authorization: `Bearer ${SPARK_ACCESS_TOKEN}`,
    'X-SparkApi-User-Agent': SPARK_USER_AGENT,
    Accept: 'application/json',
  };
}

// Spark wraps failures as {"D":{"Success":false,"Code":..,"Message":..}}.
function sparkFailure(what, answer) {
  const d = answer.data && answer.data.D;
  const detail = d && d.Message ? `${d.Message} (code ${d.Code})` : answer.text.slice(0, 200);
  return new ApiError(`Spark ${what} refused with HTTP ${answer.status}: ${detail}`, answer.status);
}

async function listSparkWebhooks() {
  const answer = await callApi(SPARK_WEBHOOKS, { headers: sparkHeaders() });
  if (!answer.ok) throw sparkFailure('webhook list', answer);
  const results = answer.data && answer.data.D && answer.data.D.Results;
  return Array.isArray(results) ? results : [];
}

async function findOurSparkWebhook() {
  const webhooks = await listSparkWebhooks();
  return webhooks.find((w) => w && w.Uri === SPARK_WEBHOOK_URL);
}

async function activateSparkWebhook(id) {
  const answer = await callApi(`${SPARK_WEBHOOKS}/${encodeURIComponent(id)}`, {
    method: 'PUT',
    headers: sparkHeaders(),
    body: { D: { Active: true } },
  });
  if (!answer.ok) throw sparkFailure('webhook update', answer);
  return id;
}

// Returns the new webhook's id, or null when Spark says it already exists.
async function createSparkWebhook() {
  const record = { Uri: SPARK_WEBHOOK_URL };
  // Active defaults to false on Spark: an inactive webhook never gets a delivery.
  if (!SPARK_FORGET_ACTIVE) record.Active = true;
  const answer = await callApi(SPARK_WEBHOOKS, {
    method: 'POST',
    headers: sparkHeaders(),
    body: { D: record },
  });
  // Uri is unique per developer: someone registered it in the meantime.
  if (answer.status === 409) return null;
  if (!answer.ok) throw sparkFailure('webhook creation', answer);

  // The creation answer carries the new record's ResourceUri; its last segment is the Id.
  const created = answer.data && answer.data.D && Array.isArray(answer.data.D.Results)
    ? answer.data.D.Results[0]
    : undefined;
  if (created && created.Id) return String(created.Id);
  if (created && created.ResourceUri) return created.ResourceUri.split('/').filter(Boolean).pop();
  const found = await findOurSparkWebhook();
  if (!found) throw new ApiError('Spark accepted the webhook but does not list it', answer.status);
  return found.Id;
}

async function ensureSparkWebhook() {
  let existing = await findOurSparkWebhook();
  if (!existing) {
    const id = await createSparkWebhook();
    if (id) return id;
    existing = await findOurSparkWebhook();
    if (!existing) throw new ApiError('Spark reports the webhook exists but does not list it', 409);
  }
  if (existing.Active === true) return existing.Id;
  return activateSparkWebhook(existing.Id);
}

// What we actually do with a listing event. Spark only tells us *which*
// listing changed; a real sync job would fetch the listing next.
function handleSparkNotification(note) {
  const listingId = note.Listing && note.Listing.Id;
  const feed = note.NewsFeed || {};
  const key = [listingId, feed.Id, feed.Event, feed.EventTimestamp].map((v) => String(v ?? '')).join('|');
  // Spark retries anything it thinks failed; act on each notification once.
  if (!sparkSeen.firstTime(key)) {
    log(`spark: duplicate ${feed.Event || '?'} for listing ${listingId || '?'} ignored`);
    return;
  }
  // Events we have no special handling for (new ones included) still
  // trigger a plain refresh of the listing.
  log(`spark: ${feed.Event || 'unknown event'} for listing ${listingId || '?'} (feed ${feed.Id || '?'})`);
}

// ---------------------------------------------------------------------------
// Property Finder (PF Expert) hooks

const pfSeen = new SeenKeys();
// event -> hook id, for the hooks we registered (PF has no list endpoint).
const pfHooks = new Map();

// The current access token and when we stop using it. Tokens last 30 minutes
// and there is no refresh token, so we simply ask for a new one.
let pfToken = null;
let pfTokenUntil = 0;

function pfFailure(what, answer) {
  const data = answer.data || {};
  const detail = data.message || data.error_description || data.error || answer.text.slice(0, 200);
  return new ApiError(`Property Finder ${what} refused with HTTP ${answer.status}: ${detail}`, answer.status);
}

async function pfAccessToken() {
  if (pfToken && Date.now() < pfTokenUntil) return pfToken;
  const basic = Buffer.from(`${PF_API_KEY}:${PF_API_SECRET}`).toString('base64');
  const answer = await callApi(`${PF_AUTH_BASE}/auth/oauth/v1/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${basic}`, Accept: 'application/json' },
    body: { scope: 'openid', grant_type: 'client_credentials' },
  });
  if (!answer.ok) throw pfFailure('token request', answer);
  const token = answer.data && answer.data.access_token;
  if (!token) throw new ApiError('Property Finder answered the token request without an access_token', answer.status);
  // A minute of margin so a token never expires between our check and PF's.
  const lifetime = Number(answer.data.expires_in) || 1800;
  pfToken = token;
  pfTokenUntil = Date.now() + Math.max(lifetime - 60, 0) * 1000;
  return pfToken;
}

async function pfHeaders() {
  return { Authorization: `Bearer ${await pfAccessToken()}`, Accept: 'application/json' };
}

// One call to the PF API; a 401 means our token went stale, so get a new one and try once more.
async function callPf(url, options) {
  let answer = await callApi(url, { ...options, headers: await pfHeaders() });
  if (answer.status === 401) {
    pfToken = null;
    answer = await callApi(url, { ...options, headers: await pfHeaders() });
  }
  return answer;
}

async function registerPfHook(event) {
  const answer = await callPf(`${PF_API_BASE}/hooks`, {
    method: 'POST',
    body: { hook: { event, target: PF_HOOK_URL } },
  });
  if (!answer.ok) throw pfFailure(`hook for ${event}`, answer);
  const hook = answer.data && answer.data.hook;
  // Only the id matters to us. PF's documented answer spells the event key
  // "event:", so we don't rely on either spelling.
  if (!hook || hook.id === undefined || hook.id === null) {
    throw new ApiError(`Property Finder answered the ${event} hook without an id`, answer.status);
  }
  return hook.id;
}

async function deletePfHook(id) {
  const answer = await callPf(`${PF_API_BASE}/hooks/${encodeURIComponent(id)}`, {
    method: 'DELETE',
  });
  // Already gone is as good as deleted.
  if (!answer.ok && answer.status !== 404) throw pfFailure(`deletion of hook ${id}`, answer);
}

function handlePfNotification(note) {
  const concept = note.concept && typeof note.concept === 'object' ? note.concept : {};
  // The body has no delivery id or timestamp; event + resource id is the best key there is.
  if (concept.id !== undefined && concept.id !== null) {
    if (!pfSeen.firstTime(`${note.event}|${concept.id}`)) {
      log(`propertyfinder: duplicate ${note.event} for ${concept.namespace} ${concept.id} ignored`);
      return;
    }
  }
  // sub_namespace is often null; we don't need it to know what to refetch.
  log(`propertyfinder: ${note.event || 'unknown event'} for ${concept.namespace || '?'} ${concept.id ?? '?'}`);
}

// ---------------------------------------------------------------------------
// Routes

const app = express();
app.disable('x-powered-by');

// Webhook bodies are parsed by hand so a missing or odd Content-Type doesn't
// cost us a delivery, and bad JSON gets a clean 400.
const rawBody = express.raw({ type: () => true, limit: '1mb' });

app.get('/healthz', (req, res) => res.status(200).json({ ok: true }));

app.post('/integrations/spark/newsfeed', rawBody, (req, res) => {
  const note = jsonObject(req);
  if (!note) return res.status(400).json({ error: 'expected a JSON object' });
  res.status(204).end();
  setImmediate(() => {
    try {
      handleSparkNotification(note);
    } catch (err) {
      console.error('spark: processing failed', err);
    }
  });
  return undefined;
});

app.post('/crm/propertyfinder/hooks', rawBody, (req, res) => {
  const note = jsonObject(req);
  if (!note) return res.status(400).json({ error: 'expected a JSON object' });
  res.status(200).json({ received: true });
  setImmediate(() => {
    try {
      handlePfNotification(note);
    } catch (err) {
      console.error('propertyfinder: processing failed', err);
    }
  });
  return undefined;
});

app.post('/admin/spark/webhook', requireAdmin, asyncRoute(async (req, res) => {
  try {
    const id = await ensureSparkWebhook();
    res.status(200).json({ webhook: id, active: true });
  } catch (err) {
    sendApiError(res, err);
  }
}));

app.post('/admin/propertyfinder/hooks', requireAdmin, asyncRoute(async (req, res) => {
  try {
    // One at a time: PF allows one endpoint per event, and we want to stop at the first refusal.
    for (const event of PF_EVENTS) {
      pfHooks.set(event, await registerPfHook(event));
    }
    res.status(200).json({ hooks: Object.fromEntries(pfHooks) });
  } catch (err) {
    sendApiError(res, err);
  }
}));

const deleteHooks = asyncRoute(async (req, res) => {
  const deleted = [];
  try {
    for (const [event, id] of [...pfHooks]) {
      await deletePfHook(id);
      pfHooks.delete(event);
      deleted.push(id);
    }
    res.status(200).json({ deleted });
  } catch (err) {
    sendApiError(res, err);
  }
});
app.delete('/admin/propertyfinder/hooks', requireAdmin, deleteHooks);
app.post('/admin/propertyfinder/hooks/delete', requireAdmin, deleteHooks);

// Body parser errors (too large, bad encoding) keep their status; anything else is ours.
app.use((err, req, res, next) => {
  if (res.headersSent) return next(err);
  const status = err.status || err.statusCode || 500;
  if (status >= 500) console.error(err);
  return res.status(status).json({ error: status >= 500 ? 'internal error' : err.message });
});

app.listen(PORT, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${PORT}`);
});
