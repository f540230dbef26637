//! EverReal's webhook registration API over real HTTP: the documented 403
//! for a missing or wrong token, register (200 + the bare id in `Location`), list (the
//! documented record), delete, and the registrations deliveries go to.

use hooksim_simulator::api::ProviderApis;
use hooksim_simulator::providers::ProviderId;
use reqwest::header::LOCATION;
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::start_provider_apis;

const COLLECTION: &str = "/api/external-integrations/webhooks";
const HOOK: &str = "https://crm.example/everreal";

struct EverRealApi {
    apis: ProviderApis,
    client: reqwest::Client,
}

impl EverRealApi {
    async fn start() -> Self {
        let (apis, client) = start_provider_apis().await;
        Self { apis, client }
    }

    fn token(&self) -> String {
        self.apis.state().credentials().token
    }

    /// `method path` below EverReal's base URL, with `Bearer token` when
    /// given and `body` as JSON.
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let url = format!("{}{path}", self.apis.base_url(ProviderId::EverReal));
        let mut request = self.client.request(method, url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        request.send().await.expect("the API answers")
    }

    /// Registers `url` for `event` and returns the id `Location` holds:
    /// documented as the id alone (`d32d5912-…`), not a URL.
    async fn register(&self, event: &str, url: &str) -> String {
        let response = self
            .call(
                Method::POST,
                COLLECTION,
                Some(&self.token()),
                Some(json!({ "type": event, "url": url })),
            )
            .await;
        assert_eq!(response.status(), 200);
        let id = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .expect("a Location header")
            .to_owned();
        assert!(
            uuid::Uuid::parse_str(&id).is_ok(),
            "Location holds the bare id: {id}"
        );
        assert!(
            body(response).await.is_null(),
            "the id comes in Location only"
        );
        id
    }

    async fn list(&self) -> Vec<Value> {
        let response = self
            .call(Method::GET, COLLECTION, Some(&self.token()), None)
            .await;
        assert_eq!(response.status(), 200);
        match body(response).await {
            Value::Array(records) => records,
            other => panic!("not a list: {other}"),
        }
    }
}

async fn body(response: Response) -> Value {
    let bytes = response.bytes().await.expect("a body");
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_missing_or_wrong_token_gets_the_documented_403_everywhere() {
    let api = EverRealApi::start().await;
    let one = format!("{COLLECTION}/some-id");
    let calls = [
        (Method::GET, COLLECTION, None),
        (
            Method::POST,
            COLLECTION,
            Some(json!({ "type": "LISTING_CREATED", "url": HOOK })),
        ),
        (Method::DELETE, one.as_str(), None),
    ];
    for (method, path, request_body) in calls {
        for token in [None, Some("wrong-token")] {
            let response = api
                .call(method.clone(), path, token, request_body.clone())
                .await;
            assert_eq!(response.status(), 403, "{method} {path} with {token:?}");
            assert_eq!(
                body(response).await,
                json!({ "code": "server_error", "statusCode": 403 }),
                "{method} {path} with {token:?}"
            );
        }
    }
    assert!(
        api.apis
            .state()
            .registrations(ProviderId::EverReal)
            .is_empty()
    );
}

#[tokio::test]
async fn a_registration_is_listed_with_the_documented_record() {
    let api = EverRealApi::start().await;
    assert!(api.list().await.is_empty());
    let first = api.register("LISTING_CANDIDATE_APPLIED", HOOK).await;
    let second = api.register("LISTING_CREATED", HOOK).await;
    assert_ne!(first, second);

    let records = api.list().await;
    assert_eq!(records.len(), 2);
    let record = &records[0];
    let fields: Vec<&str> = record
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        [
            "id",
            "type",
            "partnerId",
            "companyId",
            "connectedByUserId",
            "url",
            "createdAt",
            "updatedAt",
            "deletedAt"
        ]
    );
    assert_eq!(record["id"], first.as_str());
    assert_eq!(record["type"], "LISTING_CANDIDATE_APPLIED");
    assert_eq!(record["url"], HOOK);
    assert_eq!(record["deletedAt"], Value::Null);
    let created = record["createdAt"].as_str().expect("a timestamp");
    assert_eq!(created.len(), "2020-09-30T10:07:28.052Z".len(), "{created}");
    assert!(created < records[1]["createdAt"].as_str().expect("a timestamp"));

    let registrations = api.apis.state().registrations(ProviderId::EverReal);
    assert_eq!(registrations.len(), 2);
    assert_eq!(
        registrations[0].event.as_deref(),
        Some("LISTING_CANDIDATE_APPLIED")
    );
    assert!(registrations.iter().all(|r| r.active && r.secret.is_none()));
}

#[tokio::test]
async fn a_deleted_webhook_is_gone_and_deleting_it_again_is_404() {
    let api = EverRealApi::start().await;
    let id = api.register("UNIT_CREATED", HOOK).await;
    let path = format!("{COLLECTION}/{id}");
    let token = api.token();

    let deleted = api.call(Method::DELETE, &path, Some(&token), None).await;
    assert_eq!(deleted.status(), 204);
    assert!(api.list().await.is_empty());
    assert!(
        api.apis
            .state()
            .registrations(ProviderId::EverReal)
            .is_empty()
    );

    let again = api.call(Method::DELETE, &path, Some(&token), None).await;
    assert_eq!(again.status(), 404);
    assert_eq!(body(again).await["statusCode"], 404);
}

#[tokio::test]
async fn a_bad_registration_body_is_400_and_registers_nothing() {
    let api = EverRealApi::start().await;
    let token = api.token();
    for bad in [
        json!({ "url": HOOK }),
        json!({ "type": "LISTING_CREATED" }),
        json!({ "type": "NOT_AN_EVENT", "url": HOOK }),
        json!({ "type": "LISTING_CREATED", "url": "crm.example/no-scheme" }),
    ] {
        let response = api
            .call(Method::POST, COLLECTION, Some(&token), Some(bad.clone()))
            .await;
        assert_eq!(response.status(), 400, "{bad}");
        let answer = body(response).await;
        assert_eq!(answer["statusCode"], 400, "{answer}");
        assert!(answer["message"].is_string(), "{answer}");
    }
    assert!(api.list().await.is_empty());
}
