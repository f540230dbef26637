//! Flow's Core API over real HTTP: the client-credentials token and its
//! OAuth2 errors, 401 without a valid Bearer token, the follow-up reads
//! answering what the delivered events announced, the "Cases - Read" 403,
//! the throttled 429, and the journal.

use hooksim_simulator::api::flow::{CASES_READ, CLIENT_WITHOUT_CASES_READ};
use hooksim_simulator::api::{ApiConditions, ProviderApis};
use hooksim_simulator::providers::ProviderId;
use reqwest::header::{AsHeaderName, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::start_provider_apis;

const FORM: &str = "application/x-www-form-urlencoded";
const CASE: i64 = 224_393;

struct FlowApi {
    apis: ProviderApis,
    client: reqwest::Client,
}

impl FlowApi {
    async fn start() -> Self {
        let (apis, client) = start_provider_apis().await;
        Self { apis, client }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.apis.base_url(ProviderId::Flow))
    }

    /// `POST /flow/authtoken` with `body` as `content_type`.
    async fn token_request(&self, content_type: &str, body: String) -> Response {
        self.client
            .post(self.url("/flow/authtoken"))
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("the token endpoint answers")
    }

    /// A token for `client_id` with the scenario's secret.
    async fn token_for(&self, client_id: &str) -> String {
        let secret = self.apis.state().credentials().client_secret;
        let response = self
            .token_request(
                FORM,
                format!(
                    "grant_type=client_credentials&client_id={client_id}&client_secret={secret}"
                ),
            )
            .await;
        assert_eq!(response.status(), 200);
        body(response).await["access_token"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    async fn token(&self) -> String {
        let client_id = self.apis.state().credentials().client_id;
        self.token_for(&client_id).await
    }

    /// `method path` with `Authorization: Bearer token` when given.
    async fn call(&self, method: Method, path: &str, token: Option<&str>) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the API answers")
    }

    async fn get(&self, path: &str, token: &str) -> Response {
        self.call(Method::GET, path, Some(token)).await
    }

    fn deliver(&self, event_type: &str, created: &str, payload: Value) {
        self.apis.state().record_delivery(
            ProviderId::Flow,
            json!({ "EventType": event_type, "EventCreatedDate": created, "Payload": payload }),
        );
    }
}

/// A response header as text.
fn header(response: &Response, name: impl AsHeaderName) -> Option<&str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn body(response: Response) -> Value {
    let bytes = response.bytes().await.expect("a body");
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

async fn ok_json(response: Response) -> Value {
    assert_eq!(response.status(), 200, "{:?}", response.url().path());
    body(response).await
}

fn settlement_path(id: i64) -> String {
    format!("/flow/api/Properties/{id}/SettlementStatuses")
}

#[tokio::test]
async fn client_credentials_give_a_bearer_token_form_or_json() {
    let api = FlowApi::start().await;
    let credentials = api.apis.state().credentials();
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        credentials.client_id, credentials.client_secret
    );
    let response = api.token_request(FORM, form).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, CACHE_CONTROL), Some("no-store"));
    let token = body(response).await;
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 3600);
    assert!(
        token["access_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );

    let as_json = json!({
        "grant_type": "client_credentials",
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
    });
    let response = api
        .token_request("application/json", as_json.to_string())
        .await;
    assert_eq!(response.status(), 200);
    let second = body(response).await;
    assert_ne!(
        second["access_token"], token["access_token"],
        "a fresh token"
    );
}

#[tokio::test]
async fn wrong_or_missing_credentials_get_oauth2_errors() {
    let api = FlowApi::start().await;
    let credentials = api.apis.state().credentials();
    let cases = [
        (
            format!(
                "grant_type=client_credentials&client_id={}&client_secret=wrong",
                credentials.client_id
            ),
            "invalid_client",
        ),
        (
            format!(
                "grant_type=client_credentials&client_id=stranger&client_secret={}",
                credentials.client_secret
            ),
            "invalid_client",
        ),
        (
            format!("client_id={}&client_secret=x", credentials.client_id),
            "invalid_request",
        ),
        (
            "grant_type=client_credentials".to_owned(),
            "invalid_request",
        ),
        (
            format!(
                "grant_type=password&client_id={}&client_secret={}",
                credentials.client_id, credentials.client_secret
            ),
            "unsupported_grant_type",
        ),
    ];
    for (form, error) in cases {
        let response = api.token_request(FORM, form.clone()).await;
        assert_eq!(response.status(), 400, "{form}");
        let answer = body(response).await;
        assert_eq!(answer["error"], error, "{form}: {answer}");
        assert!(answer["error_description"].is_string(), "{answer}");
    }
    let not_a_form = api.token_request("text/plain", "hello".to_owned()).await;
    assert_eq!(not_a_form.status(), 400);
    assert_eq!(body(not_a_form).await["error"], "invalid_request");
}

#[tokio::test]
async fn reads_need_a_token_this_api_issued() {
    let api = FlowApi::start().await;
    api.deliver("SettlementStatusChanged", "t1", json!({ "CaseId": CASE }));
    let path = settlement_path(CASE);

    let anonymous = api.call(Method::GET, &path, None).await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(header(&anonymous, WWW_AUTHENTICATE), Some("Bearer"));
    let forged = api.call(Method::GET, &path, Some("made-up")).await;
    assert_eq!(forged.status(), 401);
    assert!(header(&forged, WWW_AUTHENTICATE).is_some_and(|v| v.contains("invalid_token")));
    let search = api
        .call(
            Method::POST,
            &format!("/flow/api/Search/AdvancedPropertySearch?$filter=Id eq {CASE}"),
            None,
        )
        .await;
    assert_eq!(search.status(), 401);

    let token = api.token().await;
    assert_eq!(api.get(&path, &token).await.status(), 200);
}

#[tokio::test]
async fn the_settlement_status_read_back_is_the_one_each_event_announced() {
    let api = FlowApi::start().await;
    let token = api.token().await;
    api.deliver("CaseSold", "t0", json!({ "CaseId": CASE }));
    let status = |answer: Value| answer["SettlementStatus"].clone();

    let before = ok_json(api.get(&settlement_path(CASE), &token).await).await;
    assert_eq!(before["Id"], CASE);
    assert_eq!(status(before), "Waiting");

    api.deliver("SettlementStatusChanged", "t1", json!({ "CaseId": CASE }));
    // A redelivery is the same announcement, not a second change.
    api.deliver("SettlementStatusChanged", "t1", json!({ "CaseId": CASE }));
    let after_one = ok_json(api.get(&settlement_path(CASE), &token).await).await;
    // The demo's status the seed's list lacks: a receiver must read it too.
    assert_eq!(status(after_one), "ReadyForSettlement");

    api.deliver("SettlementStatusChanged", "t2", json!({ "CaseId": CASE }));
    let after_two = ok_json(api.get(&settlement_path(CASE), &token).await).await;
    assert_eq!(status(after_two), "TransferredToSettlement");

    let unknown = api.get(&settlement_path(CASE + 1), &token).await;
    assert_eq!(unknown.status(), 404);
    assert!(body(unknown).await["Message"].is_string());
    let not_an_id = api
        .get("/flow/api/Properties/abc/SettlementStatuses", &token)
        .await;
    assert_eq!(not_an_id.status(), 404);
}

#[tokio::test]
async fn seller_insurance_is_read_by_property_id() {
    let api = FlowApi::start().await;
    let token = api.token().await;
    api.deliver(
        "SellerInsuranceChanged",
        "t1",
        json!({ "PropertyId": 501_234 }),
    );
    let information = ok_json(
        api.get("/flow/api/Properties/501234/Information", &token)
            .await,
    )
    .await;
    assert_eq!(information["Id"], 501_234);
    assert_eq!(information["SellerInsuranceType"], "Yes");
}

#[tokio::test]
async fn conditions_need_cases_read_and_say_so() {
    let api = FlowApi::start().await;
    api.deliver("OppdragCreated", "t0", json!({ "CaseId": CASE }));
    let path = format!("/flow/api/Conditions/Properties/{CASE}");

    let limited = api.token_for(CLIENT_WITHOUT_CASES_READ).await;
    let refused = api.get(&path, &limited).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        body(refused).await["MissingPermissions"],
        json!([CASES_READ])
    );

    let token = api.token().await;
    let unpublished = ok_json(api.get(&path, &token).await).await;
    assert!(unpublished["AskingPrice"].is_i64(), "{unpublished}");
    assert_eq!(unpublished["PublishedAskingPrice"], Value::Null);

    api.deliver(
        "PublicationChanged",
        "t1",
        json!({ "CaseId": CASE, "PublicationId": 77, "Type": 1 }),
    );
    let published = ok_json(api.get(&path, &token).await).await;
    assert_eq!(published["PublishedAskingPrice"], published["AskingPrice"]);

    // A scenario can take the permission away from a token already issued,
    // for a receiver configured once with the full user's credentials.
    api.apis.state().set_conditions(ApiConditions {
        without_cases_read: true,
        ..ApiConditions::default()
    });
    assert_eq!(api.get(&path, &token).await.status(), 403);
    assert_eq!(
        api.apis.state().begin_scenario(),
        api.apis.state().journal().len()
    );
    assert_eq!(api.get(&path, &token).await.status(), 200);
}

fn rate_limited(on: bool) -> ApiConditions {
    ApiConditions {
        rate_limited: on,
        ..ApiConditions::default()
    }
}

#[tokio::test]
async fn the_advanced_search_answers_the_selected_fields_of_the_filtered_case() {
    let api = FlowApi::start().await;
    let token = api.token().await;
    api.deliver("CaseStatusChanged", "t1", json!({ "CaseId": CASE }));
    api.deliver("AppropriationDateChanged", "t2", json!({ "CaseId": CASE }));
    let search = |query: String| {
        let api = &api;
        let token = token.clone();
        async move {
            api.call(
                Method::POST,
                &format!("/flow/api/Search/AdvancedPropertySearch?{query}"),
                Some(&token),
            )
            .await
        }
    };

    let found =
        ok_json(search(format!("$filter=Id eq {CASE}&$select=Status,TransferDate")).await).await;
    assert_eq!(found["Count"], 1);
    assert_eq!(
        found["Results"][0]
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["Status".to_owned(), "TransferDate".to_owned()])
    );
    assert_eq!(found["Results"][0]["Status"], "Ready");
    assert!(
        found["Results"][0]["TransferDate"]
            .as_str()
            .is_some_and(|d| d.ends_with("T00:00:00"))
    );

    let nothing = ok_json(search("$filter=Id eq 1".to_owned()).await).await;
    assert_eq!(nothing, json!({ "Count": 0, "Results": [] }));

    for query in ["$filter=Status eq 'Sold'", "$filter=Id eq 1&$select=Nope"] {
        let refused = search(query.to_owned()).await;
        assert_eq!(refused.status(), 400, "{query}");
        assert!(body(refused).await["Message"].is_string(), "{query}");
    }
}

#[tokio::test]
async fn sale_texts_follow_the_sale_text_events() {
    let api = FlowApi::start().await;
    let token = api.token().await;
    api.apis.state().record_delivery(
        ProviderId::Flow,
        json!({
            "EventType": "DynamicSaleTextChanged",
            "EventCreatedDate": "2024-05-06T11:05:46.3641898+02:00",
            "Payload": [{ "Id": CASE, "Guid": "fb4d7e56-1be7-49a5-994f-646890ece2a7" }],
            "DynamicSaleTextHeaderId": 42,
            "UpdatedDateTime": "2024-05-06T11:04:00.0000000+02:00",
            "RequireReload": false,
        }),
    );
    let items_path = format!("/flow/api/DynamicSaleText/Cases/{CASE}/DynamicSaleTextItems");
    let items = ok_json(api.get(&items_path, &token).await).await;
    let items = items.as_array().expect("a list of items");
    assert_eq!(items.len(), 2);
    for field in [
        "Id",
        "ParentId",
        "Header",
        "Text",
        "Level",
        "ShouldNotBePublished",
        "ErrorMessage",
        "HasError",
        "UpdatedAt",
    ] {
        assert!(items[1].get(field).is_some(), "{field} in {}", items[1]);
    }

    let one = ok_json(api.get(&format!("{items_path}/42"), &token).await).await;
    assert_eq!(one["Id"], 42);
    assert_eq!(one["UpdatedAt"], "2024-05-06T11:04:00.0000000+02:00");
    assert_eq!(
        api.get(&format!("{items_path}/43"), &token).await.status(),
        404
    );
}

#[tokio::test]
async fn a_rate_limited_api_answers_429_with_the_rate_limit_headers() {
    let api = FlowApi::start().await;
    api.deliver("SettlementStatusChanged", "t1", json!({ "CaseId": CASE }));
    let token = api.token().await;

    api.apis.state().set_conditions(rate_limited(true));
    let throttled = api.get(&settlement_path(CASE), &token).await;
    assert_eq!(throttled.status(), 429);
    for name in [
        "X-RateLimit-Delayed-By-Milliseconds",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
    ] {
        let value = header(&throttled, name).unwrap_or_default();
        assert!(value.parse::<u64>().is_ok(), "{name}: `{value}`");
    }
    // Getting a token is not throttled; reading is.
    let another = api.token().await;
    assert_eq!(
        api.get(&settlement_path(CASE), &another).await.status(),
        429
    );

    api.apis.state().set_conditions(rate_limited(false));
    assert_eq!(api.get(&settlement_path(CASE), &token).await.status(), 200);
}

#[tokio::test]
async fn every_call_is_journalled_below_the_flow_base() {
    let api = FlowApi::start().await;
    api.deliver("SettlementStatusChanged", "t1", json!({ "CaseId": CASE }));
    let token = api.token().await;
    api.get(&settlement_path(CASE), &token).await;
    api.call(
        Method::POST,
        &format!("/flow/api/Search/AdvancedPropertySearch?$filter=Id eq {CASE}&$select=Status"),
        Some(&token),
    )
    .await;

    let journal = api.apis.state().journal();
    let calls: Vec<(String, String, Option<String>, u16)> = journal
        .into_iter()
        .map(|e| {
            assert_eq!(e.provider, Some(ProviderId::Flow));
            (e.method, e.path, e.query, e.status)
        })
        .collect();
    assert_eq!(
        calls,
        vec![
            ("POST".to_owned(), "/flow/authtoken".to_owned(), None, 200),
            ("GET".to_owned(), settlement_path(CASE), None, 200),
            (
                "POST".to_owned(),
                "/flow/api/Search/AdvancedPropertySearch".to_owned(),
                Some(format!("$filter=Id%20eq%20{CASE}&$select=Status")),
                200
            ),
        ]
    );
}
