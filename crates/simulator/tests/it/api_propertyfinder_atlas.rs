//! The Enterprise (Atlas) API's token and `/v1/webhooks`, called over HTTP
//! as a receiver calls them: credentials, scopes, the token rate limit,
//! status codes, both error formats, and what each call does to the
//! registrations.

use hooksim_simulator::api::propertyfinder_atlas::{
    ERROR_FORMAT_HEADER, PROBLEM_JSON_V2, Scope, TOKEN_REQUESTS_PER_MINUTE,
};
use hooksim_simulator::api::{ApiConditions, Credentials, ProviderApis};
use hooksim_simulator::providers::ProviderId;
use reqwest::Method;
use serde_json::{Value, json};

use crate::start_provider_apis;

const CALLBACK: &str = "https://crm.example/pf/webhooks";

/// What came back from one call.
#[derive(Debug)]
struct Answer {
    status: u16,
    content_type: Option<String>,
    retry_after: Option<String>,
    body: Value,
}

/// One call: an optional Bearer token, JSON body and `X-PF-Error-Format`.
struct Call<'a> {
    method: Method,
    path: &'a str,
    token: Option<&'a str>,
    body: Option<Value>,
    problem_json: bool,
}

impl<'a> Call<'a> {
    fn new(method: Method, path: &'a str) -> Self {
        Self {
            method,
            path,
            token: None,
            body: None,
            problem_json: false,
        }
    }

    fn token(self, token: &'a str) -> Self {
        Self {
            token: Some(token),
            ..self
        }
    }

    fn json(self, body: Value) -> Self {
        Self {
            body: Some(body),
            ..self
        }
    }

    fn problem_json(self) -> Self {
        Self {
            problem_json: true,
            ..self
        }
    }

    async fn send(self, apis: &ProviderApis, client: &reqwest::Client) -> Answer {
        let url = format!(
            "{}{}",
            apis.base_url(ProviderId::PropertyFinderAtlas),
            self.path
        );
        let mut request = client.request(self.method, url);
        if let Some(token) = self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        if let Some(body) = &self.body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        if self.problem_json {
            request = request.header(ERROR_FORMAT_HEADER, PROBLEM_JSON_V2);
        }
        let response = request.send().await.expect("the API answers");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (content_type, retry_after) = (header("content-type"), header("retry-after"));
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("the body is read");
        Answer {
            status,
            content_type,
            retry_after,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }
}

/// The member names of a JSON object, in order; none for anything else.
fn keys(object: &Value) -> Vec<&str> {
    object.as_object().map_or_else(Vec::new, |members| {
        members.keys().map(String::as_str).collect()
    })
}

/// The legacy error shape, the default: `{code, message}` as JSON.
fn assert_legacy(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{:?}", answer.body);
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    assert_eq!(keys(&answer.body), ["code", "message"], "{:?}", answer.body);
    assert_eq!(answer.body["code"], code);
    assert!(answer.body["message"].is_string());
}

/// The problem+json shape, only when asked for.
fn assert_problem(answer: &Answer, status: u16, slug: &str) {
    assert_eq!(answer.status, status, "{:?}", answer.body);
    assert_eq!(
        answer.content_type.as_deref(),
        Some("application/problem+json")
    );
    let body = &answer.body;
    assert_eq!(
        keys(body)[..6],
        ["type", "code", "title", "detail", "status", "attributes"]
    );
    assert_eq!(
        body["type"],
        format!("https://problems.atlas.propertyfinder.com/common-http-{status}-{slug}/")
    );
    assert_eq!(body["code"], format!("common_http_{status}-{slug}"));
    assert_eq!(body["status"], status);
    let trace = body["attributes"]["trace_id"].as_str().expect("a trace id");
    assert_eq!(trace.len(), 32);
}

fn key_pair() -> Value {
    let credentials = Credentials::default();
    json!({"apiKey": credentials.client_id, "apiSecret": credentials.client_secret})
}

async fn token(apis: &ProviderApis, client: &reqwest::Client) -> String {
    let answer = Call::new(Method::POST, "/v1/auth/token")
        .json(key_pair())
        .send(apis, client)
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body["accessToken"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

fn subscription(event: &str, callback: &str, secret: Option<&str>) -> Value {
    let mut body = json!({"eventId": event, "callbackUrl": callback});
    if let Some(secret) = secret {
        body["secret"] = Value::from(secret);
    }
    body
}

#[tokio::test]
async fn the_token_endpoint_answers_the_documented_shape() {
    let (apis, client) = start_provider_apis().await;
    let issued = Call::new(Method::POST, "/v1/auth/token")
        .json(key_pair())
        .send(&apis, &client)
        .await;
    assert_eq!(issued.status, 200);
    assert_eq!(
        keys(&issued.body),
        ["accessToken", "expiresIn", "tokenType"]
    );
    assert_eq!(issued.body["expiresIn"], 1800);
    assert_eq!(issued.body["tokenType"], "Bearer");
    assert_ne!(
        issued.body["accessToken"],
        Value::from(token(&apis, &client).await)
    );

    let credentials = Credentials::default();
    let refused = [
        (
            json!({"apiKey": credentials.client_id, "apiSecret": "guess"}),
            401,
            "common_http_401-unauthorized",
        ),
        (
            json!({"apiKey": "someone-else", "apiSecret": credentials.client_secret}),
            401,
            "common_http_401-unauthorized",
        ),
        (
            json!({"apiKey": credentials.client_id}),
            422,
            "common_http_422-unprocessable-entity",
        ),
        (json!(["apiKey"]), 400, "common_http_400-bad-request"),
    ];
    for (body, status, code) in refused {
        let answer = Call::new(Method::POST, "/v1/auth/token")
            .json(body)
            .send(&apis, &client)
            .await;
        assert_legacy(&answer, status, code);
    }
    // The documented request has no scope: a key's scopes are fixed when it
    // is created, and anything else sent along is ignored.
    let mut asking = key_pair();
    asking["scope"] = Value::from("listings:write");
    let answer = Call::new(Method::POST, "/v1/auth/token")
        .json(asking)
        .send(&apis, &client)
        .await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn refused_credentials_get_no_token() {
    let (apis, client) = start_provider_apis().await;
    apis.state().set_conditions(ApiConditions {
        credentials_refused: true,
        ..Default::default()
    });
    let refused = Call::new(Method::POST, "/v1/auth/token")
        .json(key_pair())
        .send(&apis, &client)
        .await;
    assert_legacy(&refused, 401, "common_http_401-unauthorized");
    apis.state().begin_scenario();
    token(&apis, &client).await;
}

#[tokio::test]
async fn errors_are_problem_json_only_when_the_request_asks() {
    let (apis, client) = start_provider_apis().await;
    let legacy = Call::new(Method::GET, "/v1/webhooks")
        .send(&apis, &client)
        .await;
    assert_legacy(&legacy, 401, "common_http_401-unauthorized");

    let problem = Call::new(Method::GET, "/v1/webhooks")
        .problem_json()
        .send(&apis, &client)
        .await;
    assert_problem(&problem, 401, "unauthorized");
    assert_eq!(problem.body["title"], "Unauthorized");
    assert_eq!(problem.body["detail"], legacy.body["message"]);

    // A field's mistake points at it; the same mistake twice has two traces.
    let token = token(&apis, &client).await;
    let too_long = subscription("lead.created", CALLBACK, Some(&"x".repeat(33)));
    let mut traces = Vec::new();
    for _ in 0..2 {
        let answer = Call::new(Method::POST, "/v1/webhooks")
            .token(&token)
            .json(too_long.clone())
            .problem_json()
            .send(&apis, &client)
            .await;
        assert_problem(&answer, 422, "unprocessable-entity");
        assert_eq!(answer.body["errors"][0]["pointer"], "/secret");
        traces.push(answer.body["attributes"]["trace_id"].clone());
    }
    assert_ne!(traces[0], traces[1]);
    // Success is the same whatever the header says.
    let created = Call::new(Method::POST, "/v1/webhooks")
        .token(&token)
        .json(subscription("lead.created", CALLBACK, None))
        .problem_json()
        .send(&apis, &client)
        .await;
    assert_eq!(created.status, 201);
}

#[tokio::test]
async fn webhooks_need_a_valid_token() {
    let (apis, client) = start_provider_apis().await;
    let body = subscription("lead.created", CALLBACK, None);
    let api_token = Credentials::default().token;
    let mut forged = token(&apis, &client).await;
    forged = forged.replacen("leads:read", "credits:read", 1);
    let calls = [
        Call::new(Method::GET, "/v1/webhooks"),
        Call::new(Method::POST, "/v1/webhooks").json(body.clone()),
        Call::new(Method::POST, "/v1/webhooks")
            .token(&api_token)
            .json(body.clone()),
        Call::new(Method::POST, "/v1/webhooks")
            .token(&forged)
            .json(body),
        Call::new(Method::DELETE, "/v1/webhooks/lead.created"),
    ];
    for call in calls {
        let answer = call.send(&apis, &client).await;
        assert_legacy(&answer, 401, "common_http_401-unauthorized");
    }
    assert!(
        apis.state()
            .registrations(ProviderId::PropertyFinderAtlas)
            .is_empty()
    );
}

#[tokio::test]
async fn a_key_without_an_events_read_scope_cannot_subscribe_to_it() {
    let (apis, client) = start_provider_apis().await;
    for (missing, refused, allowed) in [
        (Scope::LeadsRead, "lead.assigned", "listing.action"),
        (Scope::ListingsRead, "listing.publishFailed", "user.created"),
        (
            Scope::UsersRead,
            "publicProfile.verification.approved",
            "lead.created",
        ),
    ] {
        apis.state().begin_scenario();
        apis.state().set_conditions(ApiConditions {
            atlas_missing_scope: Some(missing),
            ..Default::default()
        });
        let token = token(&apis, &client).await;
        let answer = Call::new(Method::POST, "/v1/webhooks")
            .token(&token)
            .json(subscription(refused, CALLBACK, None))
            .send(&apis, &client)
            .await;
        assert_legacy(&answer, 403, "common_http_403-forbidden");
        assert!(
            answer.body["message"]
                .as_str()
                .is_some_and(|m| m.contains(missing.as_str())),
            "{:?}",
            answer.body
        );
        let problem = Call::new(Method::POST, "/v1/webhooks")
            .token(&token)
            .json(subscription(refused, CALLBACK, None))
            .problem_json()
            .send(&apis, &client)
            .await;
        assert_problem(&problem, 403, "forbidden");
        let created = Call::new(Method::POST, "/v1/webhooks")
            .token(&token)
            .json(subscription(allowed, CALLBACK, None))
            .send(&apis, &client)
            .await;
        assert_eq!(created.status, 201, "{allowed} without {missing:?}");
        // Listing and deleting need only webhooks:full_access.
        let listed = Call::new(Method::GET, "/v1/webhooks")
            .token(&token)
            .send(&apis, &client)
            .await;
        assert_eq!(listed.body["data"].as_array().map(Vec::len), Some(1));
        let registrations = apis.state().registrations(ProviderId::PropertyFinderAtlas);
        assert_eq!(registrations.len(), 1);
        assert_eq!(registrations[0].event.as_deref(), Some(allowed));
    }
}

#[tokio::test]
async fn the_token_endpoint_allows_60_requests_a_minute() {
    let (apis, client) = start_provider_apis().await;
    let held = token(&apis, &client).await;
    for _ in 1..TOKEN_REQUESTS_PER_MINUTE {
        token(&apis, &client).await;
    }
    let limited = Call::new(Method::POST, "/v1/auth/token")
        .json(key_pair())
        .send(&apis, &client)
        .await;
    assert_legacy(&limited, 429, "common_http_429-too-many-requests");
    let wait: u64 = limited
        .retry_after
        .as_deref()
        .and_then(|s| s.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    let asked = Call::new(Method::POST, "/v1/auth/token")
        .json(key_pair())
        .problem_json()
        .send(&apis, &client)
        .await;
    assert_problem(&asked, 429, "too-many-requests");
    // Only the token endpoint is limited, and a new scenario starts afresh.
    let listed = Call::new(Method::GET, "/v1/webhooks")
        .token(&held)
        .send(&apis, &client)
        .await;
    assert_eq!(listed.status, 200);
    apis.state().begin_scenario();
    token(&apis, &client).await;
}

#[tokio::test]
async fn subscriptions_are_created_once_per_event_and_url_and_fan_out() {
    let (apis, client) = start_provider_apis().await;
    let token = token(&apis, &client).await;
    let signed = subscription("lead.created", CALLBACK, Some("s3cr3t"));

    let created = Call::new(Method::POST, "/v1/webhooks")
        .token(&token)
        .json(signed.clone())
        .send(&apis, &client)
        .await;
    assert_eq!(created.status, 201);
    assert_eq!(keys(&created.body), ["eventId", "url", "createdAt"]);
    assert_eq!(created.body["eventId"], "lead.created");
    assert_eq!(created.body["url"], CALLBACK);
    let created_at = created.body["createdAt"].as_str().expect("a timestamp");
    assert!(
        created_at.len() == 20 && created_at.ends_with('Z'),
        "{created_at}"
    );
    let again = Call::new(Method::POST, "/v1/webhooks")
        .token(&token)
        .json(signed)
        .send(&apis, &client)
        .await;
    assert_legacy(&again, 409, "common_http_409-conflict");

    let second_url = "https://backup.example/pf";
    for body in [
        subscription("lead.created", second_url, None),
        subscription("listing.published", CALLBACK, None),
    ] {
        let answer = Call::new(Method::POST, "/v1/webhooks")
            .token(&token)
            .json(body)
            .send(&apis, &client)
            .await;
        assert_eq!(answer.status, 201);
    }

    let registrations = apis.state().registrations(ProviderId::PropertyFinderAtlas);
    let shown: Vec<(Option<&str>, &str, Option<&str>, bool)> = registrations
        .iter()
        .map(|r| {
            (
                r.event.as_deref(),
                r.url.as_str(),
                r.secret.as_deref(),
                r.active,
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (Some("lead.created"), CALLBACK, Some("s3cr3t"), true),
            (Some("lead.created"), second_url, None, true),
            (Some("listing.published"), CALLBACK, None, true),
        ]
    );

    let all = Call::new(Method::GET, "/v1/webhooks")
        .token(&token)
        .send(&apis, &client)
        .await;
    assert_eq!(all.status, 200);
    assert_eq!(all.body["data"][0], created.body, "listed as created");
    assert_eq!(all.body["data"].as_array().map(Vec::len), Some(3));
    assert!(
        !all.body.to_string().contains("s3cr3t"),
        "secrets are never shown"
    );
    let filtered = Call::new(Method::GET, "/v1/webhooks?eventType=listing.published")
        .token(&token)
        .send(&apis, &client)
        .await;
    let data = filtered.body["data"].as_array().expect("a list");
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["eventId"], "listing.published");
}

#[tokio::test]
async fn invalid_subscriptions_are_422() {
    let (apis, client) = start_provider_apis().await;
    let token = token(&apis, &client).await;
    let cases = [
        (
            subscription("lead.created", CALLBACK, Some(&"x".repeat(33))),
            "/secret",
        ),
        (subscription("lead.created", CALLBACK, Some("")), "/secret"),
        (subscription("lead.new", CALLBACK, None), "/eventId"),
        (
            subscription("lead.created", "not a url", None),
            "/callbackUrl",
        ),
        (json!({"callbackUrl": CALLBACK}), "/eventId"),
        (json!({"eventId": "lead.created"}), "/callbackUrl"),
    ];
    for (body, pointer) in cases {
        let legacy = Call::new(Method::POST, "/v1/webhooks")
            .token(&token)
            .json(body.clone())
            .send(&apis, &client)
            .await;
        assert_legacy(&legacy, 422, "common_http_422-unprocessable-entity");
        let problem = Call::new(Method::POST, "/v1/webhooks")
            .token(&token)
            .json(body)
            .problem_json()
            .send(&apis, &client)
            .await;
        assert_problem(&problem, 422, "unprocessable-entity");
        assert_eq!(problem.body["errors"][0]["pointer"], pointer);
    }
    let at_the_limit = subscription("lead.created", CALLBACK, Some(&"x".repeat(32)));
    let answer = Call::new(Method::POST, "/v1/webhooks")
        .token(&token)
        .json(at_the_limit)
        .send(&apis, &client)
        .await;
    assert_eq!(answer.status, 201);
}

#[tokio::test]
async fn deleting_an_event_removes_every_subscription_to_it() {
    let (apis, client) = start_provider_apis().await;
    let token = token(&apis, &client).await;
    for (event, callback) in [
        ("lead.created", CALLBACK),
        ("lead.created", "https://backup.example/pf"),
        ("user.created", CALLBACK),
    ] {
        let answer = Call::new(Method::POST, "/v1/webhooks")
            .token(&token)
            .json(subscription(event, callback, None))
            .send(&apis, &client)
            .await;
        assert_eq!(answer.status, 201);
    }
    let delete = || Call::new(Method::DELETE, "/v1/webhooks/lead.created").token(&token);
    assert_eq!(delete().send(&apis, &client).await.status, 204);
    let gone = delete().send(&apis, &client).await;
    assert_legacy(&gone, 404, "common_http_404-not-found");
    let left = apis.state().registrations(ProviderId::PropertyFinderAtlas);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].event.as_deref(), Some("user.created"));
}
