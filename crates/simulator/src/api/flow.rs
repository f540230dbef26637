//! Visma Real Estate "Flow" Core API, the part a webhook receiver calls: the
//! client-credentials token and the follow-up read each event asks for.
//!
//! Sources: "Subscribing to WebHooks" of the Flow Core API (no public copy;
//! the section of each event) names the reads and their paths, the
//! SettlementStatus and SellerInsuranceType values, the DynamicSaleTextItems
//! item, and that Conditions needs "Cases - Read". Visma's Core.Api.Demo ([`CORE_API_DEMO`]) shows the rest:
//! `client_id` and `client_secret` posted (grant `client_credentials`) to
//! `{Host}/authtoken` with Host `https://integration.webtopsolutions.com/flow`,
//! the API under `{Host}/api`, search answers `{Count, Results}`, the field
//! names of PropertySearchDto, PropertyInformationDto and
//! PropertyConditionsDto, a 403 body listing the missing permissions, and a
//! 429 carrying X-RateLimit-Delayed-By-Milliseconds, -Limit, -Remaining, -Reset.
//!
//! The scenario's API base URL stands for Flow's origin, so the seed's
//! `/flow/api/...` paths and the demo's `/flow/authtoken` hang under it as is.
//!
//! Assumed (documented nowhere): the token's format and lifetime (3600 s,
//! never enforced within a scenario); error bodies (OAuth2 `{"error"}` from
//! the token endpoint, ASP.NET's `{"Message"}` from the API, a bare 401 with
//! `WWW-Authenticate`); that only the `Id eq N` filter is played; which API
//! user lacks "Cases - Read" ([`CLIENT_WITHOUT_CASES_READ`]); the shapes the
//! seed names only one field of; the rate-limit header values; and how the
//! data follows the events, which is this: a case exists once a delivered
//! event names it (unknown ids are 404), and every distinct event with a
//! documented read moves what that read returns one step (the first
//! `SettlementStatusChanged` of a case makes its settlement
//! `ReadyForSettlement`, the next `TransferredToSettlement`, ...), so what a
//! receiver reads back is what the event announced. A redelivered event
//! moves nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::auth::{ClientAuth, Token};
use super::{ApiState, Credentials};
use crate::fake::calendar::UtcDateTime;
use crate::providers::ProviderId;
use crate::providers::flow::{READY_FOR_SETTLEMENT, SALE_TEXT_CHANGED};

/// Visma's demo client for the Core API: token endpoint, throttling and
/// permission handling, DTOs.
pub const CORE_API_DEMO: &str = "https://github.com/Visma-Real-Estate-Solutions/Core.Api.Demo";

/// The permission `GET /flow/api/Conditions/Properties/{id}` needs (documented).
pub const CASES_READ: &str = "Cases - Read";

/// An API user with the scenario's client secret and every permission but
/// "Cases - Read". Flow grants permissions to API users in its admin, not
/// per token request, so a second client id stands for a second user (assumed).
pub const CLIENT_WITHOUT_CASES_READ: &str = "hooksim-client-without-cases-read";

/// What the token endpoint says a token lasts (assumed: an hour, as is usual).
pub const TOKEN_LIFETIME_SECONDS: u64 = 3600;

/// The wait a throttled call is told to take (assumed; the demo says to
/// wait 3.5 s when unsure, a scenario should not have to).
pub const RATE_LIMIT_DELAY_MILLISECONDS: u64 = 1000;

/// The settlement statuses in the order a sale moves through them. The
/// seed's "General" has no place in that order, so it is never reached;
/// `ReadyForSettlement` (documented in the demo's enum, not the seed)
/// comes between waiting and the transfer (assumed, from its meaning).
const SETTLEMENT_PROGRESSION: [&str; 7] = [
    "Waiting",
    READY_FOR_SETTLEMENT,
    "TransferredToSettlement",
    "SettlementReceived",
    "DeedSentToRegistration",
    "SettlementCompleted",
    "Archived",
];

/// What a seller picks when the choice changes, in turn (assumed); before
/// any change it is "Unknown" (Ikke valgt).
const SELLER_INSURANCE_CHOICES: [&str; 3] = ["Yes", "SellerNo", "TermsNo"];
const SELLER_INSURANCE_UNSET: &str = "Unknown";

/// Case statuses (the demo's CaseStatusType) in a sale's usual order (assumed).
const CASE_STATUS_PROGRESSION: [&str; 6] = [
    "Initial",
    "Active",
    "Ready",
    "BiddingStarted",
    "Sold",
    "Archived",
];
/// Where a case that was not created by an `OppdragCreated` starts.
const ACTIVE: usize = 1;
const SOLD: usize = 4;

/// The PropertySearchDto fields the search can `$select`, in the DTO's order.
const SEARCH_FIELDS: [&str; 7] = [
    "Id",
    "CaseId",
    "Status",
    "CaseStatusType",
    "TransferDate",
    "SettlementStatus",
    "SellerInsuranceType",
];

/// Sale-text headers, picked by header id (fake data).
const SALE_TEXT_HEADERS: [&str; 8] = [
    "Beliggenhet",
    "Standard",
    "Oppvarming",
    "Parkering",
    "Uteareal",
    "Adkomst",
    "Barnehage og skole",
    "Diverse",
];

/// `EventCreatedDate` for an event that lacks one (a scenario removed it).
const UNDATED: &str = "2024-05-06T11:05:46.3641898+02:00";

/// Where client credentials are exchanged for a token (the demo's
/// `{Host}/authtoken`, Host ending in `/flow`).
const TOKEN_PATH: &str = "/flow/authtoken";

/// What a Flow client sends: its client credentials, form-encoded as OAuth2
/// sends them, to [`TOKEN_PATH`]; then the issued token as Bearer.
pub fn client_auth(credentials: &Credentials) -> ClientAuth {
    ClientAuth {
        // `super::`: this module's own `TokenRequest` is the body the endpoint reads.
        token_request: Some(super::TokenRequest {
            path: TOKEN_PATH,
            authorization: None,
            content_type: "application/x-www-form-urlencoded",
            // The credentials are hooksim's own, plain ASCII: nothing to percent-encode.
            body: format!(
                "grant_type=client_credentials&client_id={}&client_secret={}",
                credentials.client_id, credentials.client_secret
            ),
        }),
        schemes: &["Bearer"],
        token: Token::Issued {
            field: "access_token",
        },
        required_headers: &[],
        others: vec![(
            format!("client id {CLIENT_WITHOUT_CASES_READ} (same secret)"),
            "an API user without \"Cases - Read\"",
        )],
    }
}

/// Token endpoint and reads. The scenario's `{{api.base_url}}` plays Flow's
/// origin, so these sit under the path the seed and the demo give.
pub fn routes() -> Router<ApiState> {
    Router::new()
        .route(TOKEN_PATH, post(issue_token))
        .route(
            "/flow/api/Search/AdvancedPropertySearch",
            post(advanced_property_search),
        )
        .route(
            "/flow/api/Properties/{id}/SettlementStatuses",
            get(settlement_statuses),
        )
        .route(
            "/flow/api/Properties/{id}/Information",
            get(property_information),
        )
        .route(
            "/flow/api/Conditions/Properties/{id}",
            get(property_conditions),
        )
        .route(
            "/flow/api/DynamicSaleText/Cases/{case_id}/DynamicSaleTextItems",
            get(sale_text_items),
        )
        .route(
            "/flow/api/DynamicSaleText/Cases/{case_id}/DynamicSaleTextItems/{header_id}",
            get(sale_text_item),
        )
        // Tokens live as long as this server: one router per scenario.
        .layer(Extension(Arc::new(IssuedTokens::default())))
}

/// What an API user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ApiUser {
    cases_read: bool,
}

impl ApiUser {
    /// The user `client_id` names, when `client_secret` is right.
    fn authenticate(
        credentials: &Credentials,
        client_id: &str,
        client_secret: &str,
    ) -> Option<Self> {
        if client_secret != credentials.client_secret {
            return None;
        }
        if client_id == credentials.client_id {
            Some(Self { cases_read: true })
        } else if client_id == CLIENT_WITHOUT_CASES_READ {
            Some(Self { cases_read: false })
        } else {
            None
        }
    }
}

/// Bearer tokens handed out by this server, and whose they are.
#[derive(Debug, Default)]
struct IssuedTokens {
    users: Mutex<HashMap<String, ApiUser>>,
}

impl IssuedTokens {
    fn issue(&self, token: String, user: ApiUser) {
        // One insert per update: a panicked holder leaves nothing half-done.
        self.users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(token, user);
    }

    fn user(&self, token: &str) -> Option<ApiUser> {
        self.users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
            .copied()
    }
}

/// The OAuth2 token request. Every field is optional here so a missing one
/// gets OAuth2's own error rather than a parse failure.
#[derive(Debug, Deserialize)]
struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// `POST /flow/authtoken`: client credentials in the body, form-encoded as
/// OAuth2 sends them (JSON accepted too), answered with a Bearer token.
async fn issue_token(
    State(state): State<ApiState>,
    Extension(tokens): Extension<Arc<IssuedTokens>>,
    request: Request,
) -> Response {
    let sent_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("json"));
    let parsed = if sent_json {
        Json::<TokenRequest>::from_request(request, &())
            .await
            .map(|Json(body)| body)
            .map_err(|rejection| rejection.body_text())
    } else {
        Form::<TokenRequest>::from_request(request, &())
            .await
            .map(|Form(body)| body)
            .map_err(|rejection| rejection.body_text())
    };
    let body = match parsed {
        Ok(body) => body,
        Err(why) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &why),
    };
    match body.grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(other) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant_type `{other}` is not supported; use client_credentials"),
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is missing",
            );
        }
    }
    let (Some(client_id), Some(client_secret)) = (body.client_id, body.client_secret) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_id and client_secret are required in the body",
        );
    };
    let token = {
        let mut world = state.world();
        let Some(user) = ApiUser::authenticate(&world.credentials, &client_id, &client_secret)
        else {
            // 400, as OAuth2 servers answer credentials sent in the body
            // (401 is for credentials in an Authorization header).
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_client",
                "unknown client or wrong secret",
            );
        };
        let token = format!("hooksim-flow-token-{}", world.next_id());
        tokens.issue(token.clone(), user);
        token
    };
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
        })),
    )
        .into_response()
}

/// An OAuth2 error answer (RFC 6749, section 5.2).
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// Every way the API turns a call away. Bodies are ASP.NET's
/// `{"Message": ...}` (assumed); a 401 has none.
#[derive(Debug)]
enum Refusal {
    /// No Bearer token (401).
    NoToken,
    /// A token this server never issued (401).
    InvalidToken,
    /// The scenario turned rate limiting on (429).
    Throttled,
    /// The API user lacks this permission (403, naming it, as the demo reads it).
    MissingPermission(&'static str),
    /// No such case or sale text, or not an id (404).
    NotFound(String),
    /// A `$filter` or `$select` this API does not answer (400).
    BadQuery(String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let message = |status: StatusCode, text: String| {
            (status, Json(json!({ "Message": text }))).into_response()
        };
        match self {
            // An empty body and a challenge, as ASP.NET's Bearer handler answers.
            Self::NoToken => unauthorized("Bearer"),
            Self::InvalidToken => unauthorized("Bearer error=\"invalid_token\""),
            Self::Throttled => throttled(),
            Self::MissingPermission(permission) => (
                StatusCode::FORBIDDEN,
                Json(json!({
                    "Message": "The API user lacks permissions this call needs",
                    "MissingPermissions": [permission],
                })),
            )
                .into_response(),
            Self::NotFound(what) => message(StatusCode::NOT_FOUND, what),
            Self::BadQuery(why) => message(StatusCode::BAD_REQUEST, why),
        }
    }
}

/// A caller with a token this server issued, and the cases as the events
/// delivered so far left them. Every read takes one, so none can skip the
/// token check or the rate limit.
struct Reader {
    user: ApiUser,
    cases: Cases,
}

impl FromRequestParts<ApiState> for Reader {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Refusal> {
        let token = client_auth(&state.credentials())
            .presented_token(&parts.headers)
            .ok_or(Refusal::NoToken)?;
        // No ledger means no token was ever issued here.
        let user = parts
            .extensions
            .get::<Arc<IssuedTokens>>()
            .and_then(|tokens| tokens.user(token))
            .ok_or(Refusal::InvalidToken)?;
        let world = state.world();
        if world.conditions.rate_limited {
            return Err(Refusal::Throttled);
        }
        // A scenario may take the permission away from the user the token is for.
        let user = ApiUser {
            cases_read: user.cases_read && !world.conditions.without_cases_read,
        };
        Ok(Self {
            user,
            cases: Cases::from_delivered(&world.delivered),
        })
    }
}

impl Reader {
    /// The case an `{id}` in the path names; anything but a known case is 404.
    fn case(&self, id: &str) -> Result<&Case, Refusal> {
        let id = path_id(id)?;
        self.cases
            .get(id)
            .ok_or_else(|| Refusal::NotFound(format!("No case with id {id}")))
    }
}

fn unauthorized(challenge: &'static str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, challenge)],
    )
        .into_response()
}

/// 429 with the four headers the demo reads. Values assumed: wait
/// [`RATE_LIMIT_DELAY_MILLISECONDS`], 100 calls per window, none left, the
/// window ends in a second.
fn throttled() -> Response {
    let delay = RATE_LIMIT_DELAY_MILLISECONDS.to_string();
    let reset = RATE_LIMIT_DELAY_MILLISECONDS.div_ceil(1000).to_string();
    (
        StatusCode::TOO_MANY_REQUESTS,
        [
            ("X-RateLimit-Delayed-By-Milliseconds", delay),
            ("X-RateLimit-Limit", "100".to_owned()),
            ("X-RateLimit-Remaining", "0".to_owned()),
            ("X-RateLimit-Reset", reset),
        ],
        Json(json!({ "Message": "Too many requests; wait and try again" })),
    )
        .into_response()
}

/// A case id from the path; anything but an integer matches no route (404).
fn path_id(text: &str) -> Result<i64, Refusal> {
    text.parse()
        .map_err(|_| Refusal::NotFound(format!("`{text}` is not an id")))
}

/// `GET /flow/api/Properties/{id}/SettlementStatuses` (id = CaseId).
async fn settlement_statuses(
    reader: Reader,
    Path(id): Path<String>,
) -> Result<Json<Value>, Refusal> {
    let case = reader.case(&id)?;
    Ok(Json(json!({
        "Id": case.id,
        "SettlementStatus": case.settlement_status(),
    })))
}

/// `GET /flow/api/Properties/{id}/Information` (id = PropertyId).
async fn property_information(
    reader: Reader,
    Path(id): Path<String>,
) -> Result<Json<Value>, Refusal> {
    let case = reader.case(&id)?;
    Ok(Json(json!({
        "Id": case.id,
        "SellerInsuranceType": case.seller_insurance(),
    })))
}

/// `GET /flow/api/Conditions/Properties/{id}`: needs "Cases - Read".
async fn property_conditions(
    reader: Reader,
    Path(id): Path<String>,
) -> Result<Json<Value>, Refusal> {
    if !reader.user.cases_read {
        return Err(Refusal::MissingPermission(CASES_READ));
    }
    let case = reader.case(&id)?;
    Ok(Json(json!({
        "AskingPrice": case.asking_price(),
        "PublishedAskingPrice": case.published_asking_price(),
    })))
}

/// `GET /flow/api/DynamicSaleText/Cases/{caseId}/DynamicSaleTextItems`.
async fn sale_text_items(
    reader: Reader,
    Path(case_id): Path<String>,
) -> Result<Json<Value>, Refusal> {
    let case = reader.case(&case_id)?;
    Ok(Json(Value::Array(case.sale_text_items())))
}

/// `GET /flow/api/DynamicSaleText/Cases/{caseId}/DynamicSaleTextItems/{headerId}`.
async fn sale_text_item(
    reader: Reader,
    Path((case_id, header_id)): Path<(String, String)>,
) -> Result<Json<Value>, Refusal> {
    let case = reader.case(&case_id)?;
    let header_id = path_id(&header_id)?;
    case.sale_text_items()
        .into_iter()
        .find(|item| item["Id"] == header_id)
        .map(Json)
        .ok_or_else(|| Refusal::NotFound(format!("Case {} has no sale text {header_id}", case.id)))
}

/// `POST /flow/api/Search/AdvancedPropertySearch?$filter=Id eq N&$select=F,G`:
/// `{Count, Results}` with the selected PropertySearchDto fields.
async fn advanced_property_search(
    reader: Reader,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Refusal> {
    let cases = &reader.cases;
    let selected = match query.get("$select") {
        Some(select) => selected_fields(select).map_err(Refusal::BadQuery)?,
        None => SEARCH_FIELDS.to_vec(),
    };
    let matching: Vec<&Case> = match query.get("$filter") {
        Some(filter) => filtered_ids(filter)
            .map_err(Refusal::BadQuery)?
            .into_iter()
            .filter_map(|id| cases.get(id))
            .collect(),
        None => cases.all().iter().collect(),
    };
    let results: Vec<Value> = matching
        .iter()
        .map(|case| {
            let found = case.search_fields();
            let picked: Map<String, Value> = selected
                .iter()
                .map(|field| {
                    let value = found.get(*field).cloned().unwrap_or(Value::Null);
                    ((*field).to_owned(), value)
                })
                .collect();
            Value::Object(picked)
        })
        .collect();
    Ok(Json(json!({ "Count": results.len(), "Results": results })))
}

/// The fields of a `$select`, each one the DTO has.
fn selected_fields(select: &str) -> Result<Vec<&'static str>, String> {
    select
        .split(',')
        .map(str::trim)
        .filter(|field| !field.is_empty())
        .map(|field| {
            SEARCH_FIELDS
                .iter()
                .find(|known| **known == field)
                .copied()
                .ok_or_else(|| {
                    format!(
                        "Could not find a property named '{field}' on type 'PropertySearchDto'; \
                         hooksim plays {}",
                        SEARCH_FIELDS.join(", ")
                    )
                })
        })
        .collect()
}

/// The case ids a `$filter` asks for. The seed only ever filters on one id,
/// so `Id eq N` (or `CaseId eq N`) clauses joined by `or` are what is played.
fn filtered_ids(filter: &str) -> Result<Vec<i64>, String> {
    filter
        .split(" or ")
        .map(|clause| {
            let words: Vec<&str> = clause.split_whitespace().collect();
            match words.as_slice() {
                [field, operator, value]
                    if (field.eq_ignore_ascii_case("Id")
                        || field.eq_ignore_ascii_case("CaseId"))
                        && operator.eq_ignore_ascii_case("eq") =>
                {
                    value
                        .parse()
                        .map_err(|_| format!("`{value}` in `$filter` is not an id"))
                }
                _ => Err(format!(
                    "hooksim plays `$filter=Id eq N` (clauses joined by `or`), not `{}`",
                    clause.trim()
                )),
            }
        })
        .collect()
}

/// One case as the delivered events left it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Case {
    id: i64,
    /// `EventCreatedDate` of the first event that named it.
    first_seen: String,
    /// First named by `OppdragCreated`, so it starts as `Initial`.
    opened_by_event: bool,
    status_changes: usize,
    sold: bool,
    settlement_changes: usize,
    transfer_date_changes: usize,
    insurance_changes: usize,
    publication_changes: usize,
    /// `(DynamicSaleTextHeaderId, UpdatedDateTime)` of every sale-text header
    /// an event named for this case, latest update kept.
    sale_text_headers: Vec<(i64, String)>,
}

impl Case {
    fn new(id: i64, first_seen: &str, event_type: &str) -> Self {
        Self {
            id,
            first_seen: first_seen.to_owned(),
            opened_by_event: event_type == "OppdragCreated",
            status_changes: 0,
            sold: false,
            settlement_changes: 0,
            transfer_date_changes: 0,
            insurance_changes: 0,
            publication_changes: 0,
            sale_text_headers: Vec::new(),
        }
    }

    /// What one event with this case in its Payload changes.
    fn apply(&mut self, event_type: &str) {
        match event_type {
            "SettlementStatusChanged" => self.settlement_changes += 1,
            "SellerInsuranceChanged" => self.insurance_changes += 1,
            "AppropriationDateChanged" => self.transfer_date_changes += 1,
            "CaseStatusChanged" => self.status_changes += 1,
            "CaseSold" => self.sold = true,
            "PublicationChanged" => self.publication_changes += 1,
            _ => {}
        }
    }

    fn settlement_status(&self) -> &'static str {
        let last = SETTLEMENT_PROGRESSION.len() - 1;
        SETTLEMENT_PROGRESSION[self.settlement_changes.min(last)]
    }

    fn seller_insurance(&self) -> &'static str {
        match self.insurance_changes {
            0 => SELLER_INSURANCE_UNSET,
            n => SELLER_INSURANCE_CHOICES[(n - 1) % SELLER_INSURANCE_CHOICES.len()],
        }
    }

    fn case_status(&self) -> &'static str {
        let start = if self.opened_by_event { 0 } else { ACTIVE };
        let mut at = start + self.status_changes;
        if self.sold {
            at = at.max(SOLD);
        }
        CASE_STATUS_PROGRESSION[at.min(CASE_STATUS_PROGRESSION.len() - 1)]
    }

    /// Unset until an `AppropriationDateChanged`; each one moves it two
    /// weeks later (fake data). ASP.NET writes a date without an offset.
    fn transfer_date(&self) -> Option<String> {
        let changes = i64::try_from(self.transfer_date_changes).ok()?;
        if changes == 0 {
            return None;
        }
        let first = UtcDateTime::from_date(2025, 3, 1).plus_days(self.id.rem_euclid(90));
        Some(format!(
            "{}T00:00:00",
            first.plus_days(14 * (changes - 1)).date()
        ))
    }

    /// NOK, from the case id (fake data).
    fn asking_price(&self) -> i64 {
        2_500_000 + self.id.rem_euclid(120) * 25_000
    }

    /// Unpublished until a `PublicationChanged`; each later one is a price
    /// cut of 50 000 (fake data).
    fn published_asking_price(&self) -> Option<i64> {
        let changes = i64::try_from(self.publication_changes).ok()?;
        (changes > 0).then(|| self.asking_price() - 50_000 * (changes - 1))
    }

    fn search_fields(&self) -> Map<String, Value> {
        let status = self.case_status();
        [
            ("Id", json!(self.id)),
            ("CaseId", json!(self.id)),
            ("Status", json!(status)),
            ("CaseStatusType", json!(status)),
            ("TransferDate", json!(self.transfer_date())),
            ("SettlementStatus", json!(self.settlement_status())),
            ("SellerInsuranceType", json!(self.seller_insurance())),
        ]
        .into_iter()
        .map(|(field, value)| (field.to_owned(), value))
        .collect()
    }

    /// Every sale text of the case: a top-level text, then each header an
    /// event named, under it. The top-level id is the case id times ten,
    /// outside the range header ids are drawn from (fake data).
    fn sale_text_items(&self) -> Vec<Value> {
        let root = self.id.saturating_mul(10);
        let mut items = vec![sale_text_item_json(
            root,
            None,
            "Om eiendommen",
            1,
            &self.first_seen,
        )];
        for (header_id, updated) in &self.sale_text_headers {
            let header = sale_text_header(*header_id);
            items.push(sale_text_item_json(
                *header_id,
                Some(root),
                header,
                2,
                updated,
            ));
        }
        items
    }
}

/// The header a sale-text id shows (fake data, fixed per id).
fn sale_text_header(id: i64) -> &'static str {
    let count = i64::try_from(SALE_TEXT_HEADERS.len()).unwrap_or(i64::MAX);
    usize::try_from(id.rem_euclid(count))
        .ok()
        .and_then(|at| SALE_TEXT_HEADERS.get(at))
        .copied()
        .unwrap_or(SALE_TEXT_HEADERS[0])
}

/// One DynamicSaleTextItem, in the seed's field order.
fn sale_text_item_json(
    id: i64,
    parent: Option<i64>,
    header: &str,
    level: u8,
    updated: &str,
) -> Value {
    json!({
        "Id": id,
        "ParentId": parent,
        "Header": header,
        "Text": format!("<p>{header}: oppdatert tekst.</p>"),
        "Level": level,
        "ShouldNotBePublished": false,
        "ErrorMessage": "",
        "HasError": false,
        "UpdatedAt": updated,
    })
}

/// Every case the delivered Flow events named, first named first.
#[derive(Debug, Default)]
struct Cases {
    cases: Vec<Case>,
}

impl Cases {
    /// Replays the distinct Flow events delivered so far: a redelivery is
    /// the same event, not a second change.
    fn from_delivered(delivered: &[(ProviderId, Value)]) -> Self {
        let mut cases = Self::default();
        let mut seen: Vec<&Value> = Vec::new();
        for (provider, event) in delivered {
            if *provider != ProviderId::Flow || seen.contains(&event) {
                continue;
            }
            seen.push(event);
            cases.apply(event);
        }
        cases
    }

    fn apply(&mut self, event: &Value) {
        let event_type = event["EventType"].as_str().unwrap_or_default();
        let created = event["EventCreatedDate"].as_str().unwrap_or(UNDATED);
        match &event["Payload"] {
            Value::Array(sale_text_cases) if event_type == SALE_TEXT_CHANGED => {
                let header = id_of(event.get("DynamicSaleTextHeaderId"));
                let updated = event["UpdatedDateTime"].as_str().unwrap_or(created);
                for id in sale_text_cases.iter().filter_map(|c| id_of(c.get("Id"))) {
                    let case = self.case_mut(id, created, event_type);
                    if let Some(header) = header {
                        case.sale_text_headers.retain(|(known, _)| *known != header);
                        case.sale_text_headers.push((header, updated.to_owned()));
                    }
                }
            }
            payload @ Value::Object(_) => {
                // SellerInsuranceChanged names the property, which Flow
                // numbers like its case (Properties/{id} takes either).
                let field = if event_type == "SellerInsuranceChanged" {
                    "PropertyId"
                } else {
                    "CaseId"
                };
                if let Some(id) = id_of(payload.get(field)) {
                    self.case_mut(id, created, event_type).apply(event_type);
                }
            }
            _ => {}
        }
    }

    fn case_mut(&mut self, id: i64, created: &str, event_type: &str) -> &mut Case {
        let at = match self.cases.iter().position(|case| case.id == id) {
            Some(at) => at,
            None => {
                self.cases.push(Case::new(id, created, event_type));
                self.cases.len() - 1
            }
        };
        &mut self.cases[at]
    }

    fn get(&self, id: i64) -> Option<&Case> {
        self.cases.iter().find(|case| case.id == id)
    }

    fn all(&self) -> &[Case] {
        &self.cases
    }
}

/// An id as Flow sends it (an integer), or as a string of digits.
fn id_of(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::flow::{SELLER_INSURANCE_TYPES, SETTLEMENT_STATUSES};

    fn event(event_type: &str, created: &str, payload: Value) -> (ProviderId, Value) {
        (
            ProviderId::Flow,
            json!({ "EventType": event_type, "EventCreatedDate": created, "Payload": payload }),
        )
    }

    #[test]
    fn progressions_use_only_documented_values() {
        for status in SETTLEMENT_PROGRESSION {
            assert!(
                SETTLEMENT_STATUSES.iter().any(|(name, _)| *name == status),
                "{status}"
            );
        }
        for choice in SELLER_INSURANCE_CHOICES
            .iter()
            .chain(&[SELLER_INSURANCE_UNSET])
        {
            assert!(
                SELLER_INSURANCE_TYPES
                    .iter()
                    .any(|(name, _)| name == choice),
                "{choice}"
            );
        }
    }

    #[test]
    fn each_distinct_event_moves_its_read_one_step() {
        let first = event("SettlementStatusChanged", "a", json!({"CaseId": 5}));
        let delivered = vec![
            event("CaseSold", "0", json!({"CaseId": 5})),
            first.clone(),
            first.clone(),
            event("SettlementStatusChanged", "b", json!({"CaseId": "5"})),
            event("SellerInsuranceChanged", "c", json!({"PropertyId": 6})),
            (ProviderId::Spark, first.1.clone()),
        ];
        let cases = Cases::from_delivered(&delivered);
        let five = cases.get(5).expect("case 5 was named");
        assert_eq!(five.settlement_status(), "TransferredToSettlement");
        assert_eq!(five.case_status(), "Sold");
        assert_eq!(five.first_seen, "0");
        let six = cases.get(6).expect("property 6 was named");
        assert_eq!(six.seller_insurance(), "Yes");
        assert_eq!(six.settlement_status(), "Waiting");
        assert!(cases.get(7).is_none());
        assert_eq!(cases.all().len(), 2);
    }

    #[test]
    fn progressions_stop_at_their_last_step() {
        let mut case = Case::new(1, "x", "OppdragCreated");
        assert_eq!(case.case_status(), "Initial");
        case.settlement_changes = 99;
        case.status_changes = 99;
        case.insurance_changes = 4;
        assert_eq!(case.settlement_status(), "Archived");
        assert_eq!(case.case_status(), "Archived");
        assert_eq!(case.seller_insurance(), "Yes");
    }

    #[test]
    fn dates_and_prices_follow_their_events() {
        let mut case = Case::new(100_003, "x", "CaseSold");
        assert_eq!(case.transfer_date(), None);
        assert_eq!(case.published_asking_price(), None);
        case.transfer_date_changes = 2;
        case.publication_changes = 2;
        // 100 003 mod 90 = 13 days after 1 March, then two weeks on.
        assert_eq!(case.transfer_date().as_deref(), Some("2025-03-28T00:00:00"));
        assert_eq!(case.asking_price(), 2_500_000 + 43 * 25_000);
        assert_eq!(
            case.published_asking_price(),
            Some(case.asking_price() - 50_000)
        );
    }

    #[test]
    fn sale_text_events_name_cases_and_headers() {
        let delivered = vec![
            (
                ProviderId::Flow,
                json!({"EventType": "DynamicSaleTextChanged", "EventCreatedDate": "t1",
                       "Payload": [{"Id": 7, "Guid": "g"}, {"Id": 8, "Guid": "h"}], "RequireReload": true}),
            ),
            (
                ProviderId::Flow,
                json!({"EventType": "DynamicSaleTextChanged", "EventCreatedDate": "t2",
                       "Payload": [{"Id": 7, "Guid": "g"}], "DynamicSaleTextHeaderId": 33,
                       "UpdatedDateTime": "u2", "RequireReload": false}),
            ),
        ];
        let cases = Cases::from_delivered(&delivered);
        let seven = cases.get(7).expect("case 7").sale_text_items();
        assert_eq!(seven.len(), 2);
        assert_eq!(seven[0]["Id"], 70);
        assert_eq!(seven[0]["ParentId"], Value::Null);
        assert_eq!(seven[0]["UpdatedAt"], "t1");
        assert_eq!(seven[1]["Id"], 33);
        assert_eq!(seven[1]["ParentId"], 70);
        assert_eq!(seven[1]["UpdatedAt"], "u2");
        assert_eq!(cases.get(8).expect("case 8").sale_text_items().len(), 1);
    }

    #[test]
    fn filters_and_selects_are_read_or_refused_clearly() {
        assert_eq!(filtered_ids("Id eq 42"), Ok(vec![42]));
        assert_eq!(filtered_ids("Id eq 1 or CaseId eq 2"), Ok(vec![1, 2]));
        assert!(
            filtered_ids("Status eq 'Sold'")
                .is_err_and(|why| why.contains("Id eq N") && why.contains("Status eq 'Sold'"))
        );
        assert!(filtered_ids("Id eq x").is_err_and(|why| why.contains("`x`")));
        assert_eq!(
            selected_fields("TransferDate, Status"),
            Ok(vec!["TransferDate", "Status"])
        );
        assert!(selected_fields("Nope").is_err_and(|why| why.contains("'Nope'")));
    }

    #[test]
    fn only_the_known_clients_with_the_right_secret_get_a_user() {
        let credentials = Credentials::default();
        let secret = credentials.client_secret.clone();
        assert_eq!(
            ApiUser::authenticate(&credentials, &credentials.client_id, &secret),
            Some(ApiUser { cases_read: true })
        );
        assert_eq!(
            ApiUser::authenticate(&credentials, CLIENT_WITHOUT_CASES_READ, &secret),
            Some(ApiUser { cases_read: false })
        );
        assert_eq!(
            ApiUser::authenticate(&credentials, &credentials.client_id, "wrong"),
            None
        );
        assert_eq!(
            ApiUser::authenticate(&credentials, "someone", &secret),
            None
        );
    }
}
