//! Spark's news-feed webhook API over real HTTP: the documented envelope,
//! status codes and error codes for every credential mistake, the CRUD
//! semantics, and the registrations deliveries are made from.

use hooksim_simulator::api::spark::USER_AGENT_HEADER;
use hooksim_simulator::api::{ProviderApis, Registration};
use hooksim_simulator::providers::ProviderId;
use reqwest::{Method, Response};
use serde_json::{Value, json};

const COLLECTION: &str = "/v1/developers/newsfeeds/webhooks";
const HOOK: &str = "https://receiver.example/spark";
const OTHER_HOOK: &str = "https://receiver.example/spark/other";

/// How a request authenticates itself.
#[derive(Debug, Clone, Copy)]
enum Key<'a> {
    /// `Authorization: Bearer` with this token, plus the user agent header.
    Bearer(&'a str),
    /// `Authorization: SCHEME TOKEN`, plus the user agent header.
    Scheme(&'a str, &'a str),
    /// The token, but no `X-SparkApi-User-Agent`.
    WithoutUserAgent(&'a str),
    /// No `Authorization` header at all.
    None,
}

struct SparkApi {
    apis: ProviderApis,
    client: reqwest::Client,
}

impl SparkApi {
    async fn start() -> Self {
        let apis = ProviderApis::start("127.0.0.1:0".parse().expect("loopback address"))
            .await
            .expect("the API server starts");
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a plain HTTP client");
        Self { apis, client }
    }

    fn token(&self) -> String {
        self.apis.state().credentials().token
    }

    fn read_only_token(&self) -> String {
        self.apis.state().credentials().read_only_token
    }

    /// `method path` below Spark's base URL, with `body` sent as JSON.
    async fn call(
        &self,
        method: Method,
        path: &str,
        key: Key<'_>,
        body: Option<Value>,
    ) -> Response {
        let sent = body.map(|body| ("application/json", body.to_string()));
        self.call_raw(method, path, key, sent).await
    }

    /// `method path` with `body` as `(content type, text)`, whatever it holds.
    async fn call_raw(
        &self,
        method: Method,
        path: &str,
        key: Key<'_>,
        body: Option<(&str, String)>,
    ) -> Response {
        let url = format!("{}{path}", self.apis.base_url(ProviderId::Spark));
        let mut request = self.client.request(method, url);
        request = match key {
            Key::Bearer(token) => request
                .header("Authorization", format!("Bearer {token}"))
                .header(USER_AGENT_HEADER, "api-spark-tests"),
            Key::Scheme(scheme, token) => request
                .header("Authorization", format!("{scheme} {token}"))
                .header(USER_AGENT_HEADER, "api-spark-tests"),
            Key::WithoutUserAgent(token) => {
                request.header("Authorization", format!("Bearer {token}"))
            }
            Key::None => request.header(USER_AGENT_HEADER, "api-spark-tests"),
        };
        if let Some((content_type, text)) = body {
            request = request.header("Content-Type", content_type).body(text);
        }
        request.send().await.expect("the API answers")
    }

    async fn as_writer(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let token = self.token();
        answer(self.call(method, path, Key::Bearer(&token), body).await).await
    }

    /// POST a webhook; the `Id` the API gave it (the end of its `ResourceUri`).
    async fn create(&self, uri: &str, active: Option<bool>) -> String {
        let mut d = json!({ "Uri": uri });
        if let Some(active) = active {
            d["Active"] = json!(active);
        }
        let (status, body) = self
            .as_writer(Method::POST, COLLECTION, Some(json!({ "D": d })))
            .await;
        assert_eq!(status, 201, "{body}");
        let resource = body["D"]["Results"][0]["ResourceUri"]
            .as_str()
            .expect("creation answers a ResourceUri");
        resource.rsplit('/').next().unwrap_or_default().to_owned()
    }

    fn registrations(&self) -> Vec<Registration> {
        self.apis.state().registrations(ProviderId::Spark)
    }
}

async fn answer(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = serde_json::from_slice(&response.bytes().await.expect("a body"))
        .expect("every Spark answer is JSON");
    (status, body)
}

/// A failure: the status, `Success: false`, the code, and a message.
fn assert_failure(answer: &(u16, Value), status: u16, code: u64) {
    let (got, body) = answer;
    assert_eq!(*got, status, "{body}");
    assert_eq!(body["D"]["Success"], json!(false), "{body}");
    assert_eq!(body["D"]["Code"], json!(code), "{body}");
    assert!(
        body["D"]["Message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn missing_or_wrong_credentials_answer_401_code_1000() {
    let api = SparkApi::start().await;
    let create = json!({ "D": { "Uri": HOOK, "Active": true } });
    let cases = [
        (Method::GET, Key::None, None),
        (Method::POST, Key::None, Some(create.clone())),
        (Method::GET, Key::Bearer("not-the-token"), None),
        (Method::POST, Key::Bearer(""), Some(create)),
    ];
    for (method, key, body) in cases {
        let response = api.call(method.clone(), COLLECTION, key, body).await;
        assert_failure(&answer(response).await, 401, 1000);
    }
    // A scheme Spark does not use carries no token.
    let token = api.token();
    let basic = api
        .call(Method::GET, COLLECTION, Key::Scheme("Basic", &token), None)
        .await;
    assert_failure(&answer(basic).await, 401, 1000);
    assert!(api.registrations().is_empty());
}

#[tokio::test]
async fn the_oauth_scheme_is_accepted_beside_bearer() {
    let api = SparkApi::start().await;
    let token = api.token();
    let response = api
        .call(Method::GET, COLLECTION, Key::Scheme("OAuth", &token), None)
        .await;
    let (status, body) = answer(response).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_request_without_the_spark_user_agent_header_answers_400_code_1016() {
    let api = SparkApi::start().await;
    let token = api.token();
    let response = api
        .call(Method::GET, COLLECTION, Key::WithoutUserAgent(&token), None)
        .await;
    assert_failure(&answer(response).await, 400, 1016);
}

#[tokio::test]
async fn the_public_role_reads_but_writing_answers_405_code_1017() {
    let api = SparkApi::start().await;
    let id = api.create(HOOK, Some(true)).await;
    let read_only = api.read_only_token();
    let key = Key::Bearer(&read_only);

    let (status, list) = answer(api.call(Method::GET, COLLECTION, key, None).await).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["D"]["Results"][0]["Id"], json!(id));

    let one = format!("{COLLECTION}/{id}");
    let create = json!({ "D": { "Uri": OTHER_HOOK } });
    let writes = [
        (Method::POST, COLLECTION.to_owned(), Some(create)),
        (
            Method::PUT,
            one.clone(),
            Some(json!({ "D": { "Active": false } })),
        ),
        (Method::DELETE, one, None),
    ];
    for (method, path, body) in writes {
        let response = api.call(method, &path, key, body).await;
        assert_failure(&answer(response).await, 405, 1017);
    }
    let registrations = api.registrations();
    assert_eq!(registrations.len(), 1);
    assert!(registrations[0].active);

    // A scenario can give the writer's own key the Public role.
    api.apis
        .state()
        .set_conditions(hooksim_simulator::api::ApiConditions {
            token_read_only: true,
            ..Default::default()
        });
    let (status, body) = api
        .as_writer(
            Method::POST,
            COLLECTION,
            Some(json!({ "D": { "Uri": OTHER_HOOK, "Active": true } })),
        )
        .await;
    assert_failure(&(status, body), 405, 1017);
}

#[tokio::test]
async fn a_webhook_is_created_inactive_unless_active_is_sent() {
    let api = SparkApi::start().await;
    let inactive = api.create(HOOK, None).await;
    let active = api.create(OTHER_HOOK, Some(true)).await;

    let (status, list) = api.as_writer(Method::GET, COLLECTION, None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["D"]["Success"], json!(true));
    let results = list["D"]["Results"].as_array().expect("Results is a list");
    assert_eq!(results.len(), 2);
    let first = &results[0];
    assert_eq!(first["Id"], json!(inactive));
    assert_eq!(first["Uri"], json!(HOOK));
    assert_eq!(first["Active"], json!(false));
    assert_eq!(
        first["ResourceUri"],
        json!(format!("/v1/developers/webhooks/{inactive}"))
    );
    let id = first["Id"].as_str().unwrap_or_default();
    assert!(
        id.len() == 26 && id.bytes().all(|b| b.is_ascii_digit()),
        "{id}"
    );
    let stamp = first["ModificationTimestamp"].as_str().unwrap_or_default();
    assert!(stamp.len() == 20 && stamp.ends_with('Z'), "{stamp}");
    assert_eq!(results[1]["Active"], json!(true));

    // A news feed webhook hears every event; only the active one gets any.
    let registrations = api.registrations();
    let summary: Vec<(&str, Option<&str>, &str, bool, bool)> = registrations
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                r.event.as_deref(),
                r.url.as_str(),
                r.active,
                r.secret.is_some(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (inactive.as_str(), None, HOOK, false, false),
            (active.as_str(), None, OTHER_HOOK, true, false),
        ]
    );
}

#[tokio::test]
async fn put_activates_and_delete_removes_a_webhook() {
    let api = SparkApi::start().await;
    let id = api.create(HOOK, None).await;
    let one = format!("{COLLECTION}/{id}");
    let (_, before) = api.as_writer(Method::GET, &one, None).await;
    let created_at = before["D"]["Results"][0]["ModificationTimestamp"].clone();

    let (status, updated) = api
        .as_writer(Method::PUT, &one, Some(json!({ "D": { "Active": true } })))
        .await;
    assert_eq!(
        (status, updated),
        (200, json!({ "D": { "Success": true } }))
    );
    assert!(api.registrations()[0].active);

    // Read back at the documented ResourceUri, which has no `newsfeeds`.
    let (status, after) = api
        .as_writer(Method::GET, &format!("/v1/developers/webhooks/{id}"), None)
        .await;
    assert_eq!(status, 200, "{after}");
    let record = &after["D"]["Results"][0];
    assert_eq!(record["Active"], json!(true));
    assert!(
        record["ModificationTimestamp"].as_str() > created_at.as_str(),
        "{record} after {created_at}"
    );

    let (status, moved) = api
        .as_writer(
            Method::PUT,
            &one,
            Some(json!({ "D": { "Uri": OTHER_HOOK } })),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(api.registrations()[0].url, OTHER_HOOK);

    let (status, deleted) = api.as_writer(Method::DELETE, &one, None).await;
    assert_eq!(
        (status, deleted),
        (200, json!({ "D": { "Success": true } }))
    );
    assert!(api.registrations().is_empty());
    for method in [Method::GET, Method::DELETE] {
        assert_failure(&api.as_writer(method, &one, None).await, 404, 404);
    }
    let put = Some(json!({ "D": { "Active": true } }));
    assert_failure(&api.as_writer(Method::PUT, &one, put).await, 404, 404);
}

#[tokio::test]
async fn bad_bodies_get_the_documented_codes_and_create_nothing() {
    let api = SparkApi::start().await;
    let token = api.token();
    let unreadable = [
        ("application/json", "{\"D\": {\"Uri\": ".to_owned()),
        (
            "application/x-www-form-urlencoded",
            json!({ "D": { "Uri": HOOK } }).to_string(),
        ),
    ];
    for body in unreadable {
        let response = api
            .call_raw(Method::POST, COLLECTION, Key::Bearer(&token), Some(body))
            .await;
        assert_failure(&answer(response).await, 400, 1035);
    }

    let cases = [
        (json!({ "D": { "Active": true } }), 1050),
        (json!({ "Uri": HOOK, "Active": true }), 1050),
        (json!({ "D": { "Uri": "not a url" } }), 1053),
        (json!({ "D": { "Uri": HOOK, "Active": "true" } }), 1053),
    ];
    for (body, code) in cases {
        let failure = api.as_writer(Method::POST, COLLECTION, Some(body)).await;
        assert_failure(&failure, 400, code);
    }
    assert!(api.registrations().is_empty());
}

#[tokio::test]
async fn a_uri_is_unique_per_developer() {
    let api = SparkApi::start().await;
    let first = api.create(HOOK, Some(true)).await;
    let again = json!({ "D": { "Uri": HOOK, "Active": true } });
    let conflict = api.as_writer(Method::POST, COLLECTION, Some(again)).await;
    assert_failure(&conflict, 409, 1055);

    let second = api.create(OTHER_HOOK, None).await;
    let onto_first = json!({ "D": { "Uri": HOOK } });
    let path = format!("{COLLECTION}/{second}");
    assert_failure(
        &api.as_writer(Method::PUT, &path, Some(onto_first)).await,
        409,
        1055,
    );

    // Sending a webhook its own Uri again is no conflict.
    let own = json!({ "D": { "Uri": HOOK, "Active": false } });
    let (status, _) = api
        .as_writer(Method::PUT, &format!("{COLLECTION}/{first}"), Some(own))
        .await;
    assert_eq!(status, 200);
    assert_eq!(api.registrations().len(), 2);
}

#[tokio::test]
async fn methods_the_documentation_calls_not_implemented_answer_405() {
    let api = SparkApi::start().await;
    let id = api.create(HOOK, Some(true)).await;
    let one = format!("{COLLECTION}/{id}");
    let cases = [
        (
            Method::PUT,
            COLLECTION,
            Some(json!({ "D": { "Active": false } })),
        ),
        (Method::DELETE, COLLECTION, None),
        (
            Method::POST,
            one.as_str(),
            Some(json!({ "D": { "Uri": OTHER_HOOK } })),
        ),
    ];
    for (method, path, body) in cases {
        assert_failure(&api.as_writer(method, path, body).await, 405, 405);
    }
    // Still authenticated first: no key is 401, not 405.
    let anonymous = api.call(Method::DELETE, COLLECTION, Key::None, None).await;
    assert_failure(&answer(anonymous).await, 401, 1000);
    assert_eq!(api.registrations().len(), 1);
}

#[tokio::test]
async fn any_version_segment_is_served_and_other_paths_are_spark_404s() {
    let api = SparkApi::start().await;
    let (status, body) = api
        .as_writer(Method::GET, "/v2/developers/newsfeeds/webhooks", None)
        .await;
    assert_eq!(status, 200, "{body}");
    for path in [
        "/latest/developers/newsfeeds/webhooks",
        "/v1/listings",
        "/nothing-here",
    ] {
        assert_failure(&api.as_writer(Method::GET, path, None).await, 404, 404);
    }
}

#[tokio::test]
async fn the_same_calls_hand_out_the_same_ids_and_are_journalled() {
    let first = SparkApi::start().await;
    let second = SparkApi::start().await;
    let mut ids = Vec::new();
    for api in [&first, &second] {
        let inactive = api.create(HOOK, None).await;
        let active = api.create(OTHER_HOOK, Some(true)).await;
        ids.push((inactive, active));
    }
    assert_eq!(ids[0], ids[1]);
    assert_ne!(ids[0].0, ids[0].1);

    let journal = first.apis.state().journal();
    let calls: Vec<(Option<ProviderId>, &str, &str, u16)> = journal
        .iter()
        .map(|e| (e.provider, e.method.as_str(), e.path.as_str(), e.status))
        .collect();
    assert_eq!(
        calls,
        [
            (Some(ProviderId::Spark), "POST", COLLECTION, 201),
            (Some(ProviderId::Spark), "POST", COLLECTION, 201),
        ]
    );
    assert!(journal[1].body.contains(OTHER_HOOK), "{}", journal[1].body);
}
