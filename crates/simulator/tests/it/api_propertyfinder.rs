//! PF Expert's token and `/hooks`, called over HTTP as a receiver calls
//! them: credentials, status codes, bodies, and what each call does to the
//! registrations (the Enterprise API's: `api_propertyfinder_atlas`).

use std::net::SocketAddr;

use hooksim_simulator::api::{Credentials, ProviderApis};
use hooksim_simulator::providers::ProviderId;
use reqwest::Method;
use serde_json::{Value, json};

/// What came back from one call.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    async fn read(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("the body is read");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Self {
            status,
            headers,
            body,
        }
    }

    /// The header `name` as text.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn start() -> ProviderApis {
    ProviderApis::start(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("the provider APIs start on a free port")
}

/// `method` `url` with an optional Bearer token and JSON body.
async fn call(method: Method, url: &str, token: Option<&str>, body: Option<&Value>) -> Answer {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a plain HTTP client builds");
    let mut request = client.request(method, url);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    Answer::read(request.send().await.expect("the API answers")).await
}

/// The member names of a JSON object, in order; none for anything else.
fn keys(object: &Value) -> Vec<&str> {
    object.as_object().map_or_else(Vec::new, |members| {
        members.keys().map(String::as_str).collect()
    })
}

fn hook_request(event: &str, target: &str) -> Value {
    json!({"hook": {"event": event, "target": target}})
}

mod pf_expert {
    use super::*;

    const TARGET: &str = "http://custom-platform.com/create-lead.php";

    fn hooks_url(apis: &ProviderApis) -> String {
        format!("{}/hooks", apis.base_url(ProviderId::PropertyFinder))
    }

    fn token_url(apis: &ProviderApis) -> String {
        format!(
            "{}/auth/oauth/v1/token",
            apis.base_url(ProviderId::PropertyFinder)
        )
    }

    const TOKEN_REQUEST: &str = r#"{"scope":"openid","grant_type":"client_credentials"}"#;

    /// `POST /auth/oauth/v1/token` with `key:secret` as HTTP Basic and `body`.
    async fn ask_token(apis: &ProviderApis, key_pair: Option<(&str, &str)>, body: &str) -> Answer {
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a plain HTTP client builds");
        let mut request = client
            .post(token_url(apis))
            .header("Content-Type", "application/json")
            .body(body.to_owned());
        if let Some((key, secret)) = key_pair {
            request = request.basic_auth(key, Some(secret));
        }
        Answer::read(request.send().await.expect("the token endpoint answers")).await
    }

    /// A client level token, got as the documentation says.
    async fn pf_token(apis: &ProviderApis) -> String {
        let credentials = Credentials::default();
        let key_pair = (
            credentials.client_id.as_str(),
            credentials.client_secret.as_str(),
        );
        let answer = ask_token(apis, Some(key_pair), TOKEN_REQUEST).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body["access_token"]
            .as_str()
            .expect("an access_token")
            .to_owned()
    }

    #[tokio::test]
    async fn the_token_endpoint_answers_the_documented_request_with_a_bearer_token() {
        let apis = start().await;
        let credentials = Credentials::default();
        let key_pair = (
            credentials.client_id.as_str(),
            credentials.client_secret.as_str(),
        );
        let answer = ask_token(&apis, Some(key_pair), TOKEN_REQUEST).await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            keys(&answer.body),
            ["access_token", "token_type", "expires_in"]
        );
        assert_eq!(answer.body["token_type"], "Bearer");
        assert_eq!(answer.body["expires_in"], 1800);
        assert_eq!(answer.header("cache-control"), Some("no-store"));
        assert!(answer.body.get("refresh_token").is_none());
        let token = answer.body["access_token"].as_str().expect("a string");
        assert_ne!(token, credentials.token);
        let request = hook_request("lead.new", TARGET);
        let created = call(Method::POST, &hooks_url(&apis), Some(token), Some(&request)).await;
        assert_eq!(created.status, 201);
    }

    #[tokio::test]
    async fn the_token_endpoint_refuses_as_oauth_servers_do() {
        let apis = start().await;
        let credentials = Credentials::default();
        let id = credentials.client_id.as_str();
        let secret = credentials.client_secret.as_str();
        let refusals = [
            (None, TOKEN_REQUEST, 401, "invalid_client"),
            (Some((id, "wrong")), TOKEN_REQUEST, 401, "invalid_client"),
            (
                Some(("someone", secret)),
                TOKEN_REQUEST,
                401,
                "invalid_client",
            ),
            (Some((id, secret)), "scope=openid", 400, "invalid_request"),
            (
                Some((id, secret)),
                r#"{"scope":"openid"}"#,
                400,
                "invalid_request",
            ),
            (
                Some((id, secret)),
                r#"{"scope":"openid","grant_type":"password"}"#,
                400,
                "unsupported_grant_type",
            ),
            (
                Some((id, secret)),
                r#"{"scope":"profile","grant_type":"client_credentials"}"#,
                400,
                "invalid_scope",
            ),
            (
                Some((id, secret)),
                r#"{"grant_type":"client_credentials"}"#,
                400,
                "invalid_scope",
            ),
        ];
        for (key_pair, body, status, error) in refusals {
            let answer = ask_token(&apis, key_pair, body).await;
            let challenge = answer.header("www-authenticate");
            assert_eq!(answer.status, status, "{key_pair:?} {body}");
            assert_eq!(answer.body["error"], error, "{key_pair:?} {body}");
            assert!(answer.body["error_description"].is_string());
            assert_eq!(
                challenge.is_some(),
                status == 401,
                "{key_pair:?} {body}: {challenge:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_hook_needs_a_client_level_token() {
        let apis = start().await;
        let url = hooks_url(&apis);
        let request = hook_request("lead.new", TARGET);
        let credentials = Credentials::default();

        let missing = call(Method::POST, &url, None, Some(&request)).await;
        assert_eq!(missing.status, 401);
        assert_eq!(missing.body["code"], 401);
        assert!(
            missing.body["message"]
                .as_str()
                .is_some_and(|m| m.contains("client level token")),
            "{:?}",
            missing.body
        );
        let wrong = call(Method::POST, &url, Some("not-a-token"), Some(&request)).await;
        assert_eq!(
            (wrong.status, wrong.body["code"].clone()),
            (401, json!(401))
        );
        // The fixed API token of the other providers is no PF Expert token.
        let fixed = call(Method::POST, &url, Some(&credentials.token), Some(&request)).await;
        assert_eq!(fixed.status, 401);
        let user_level = ask_token(
            &apis,
            Some(("hooksim-user-level-key", &credentials.client_secret)),
            TOKEN_REQUEST,
        )
        .await;
        assert_eq!(user_level.status, 200);
        let user_level = user_level.body["access_token"].as_str();
        let forbidden = call(Method::POST, &url, user_level, Some(&request)).await;
        assert_eq!(
            (forbidden.status, forbidden.body["code"].clone()),
            (403, json!(403))
        );
        assert!(
            apis.state()
                .registrations(ProviderId::PropertyFinder)
                .is_empty()
        );

        let deleted = call(Method::DELETE, &format!("{url}/223443"), None, None).await;
        assert_eq!(deleted.status, 401);

        // A scenario can make the client's own token a user's.
        apis.state()
            .set_conditions(hooksim_simulator::api::ApiConditions {
                token_read_only: true,
                ..Default::default()
            });
        let client = pf_token(&apis).await;
        let refused = call(Method::POST, &url, Some(&client), Some(&request)).await;
        assert_eq!(refused.status, 403);
    }

    #[tokio::test]
    async fn a_hook_is_answered_in_the_documented_shape_and_registered() {
        let apis = start().await;
        let token = pf_token(&apis).await;
        let request = hook_request("lead.new", TARGET);
        let created = call(
            Method::POST,
            &hooks_url(&apis),
            Some(&token),
            Some(&request),
        )
        .await;

        assert_eq!(created.status, 201);
        assert_eq!(keys(&created.body), ["hook"]);
        assert_eq!(
            keys(&created.body["hook"]),
            ["id", "event", "target", "client"]
        );
        assert_eq!(
            created.body,
            json!({"hook": {"id": 223443, "event": "lead.new", "target": TARGET, "client": {"id": 434}}})
        );
        let registrations = apis.state().registrations(ProviderId::PropertyFinder);
        assert_eq!(registrations.len(), 1);
        let hook = &registrations[0];
        assert_eq!(
            (hook.id.as_str(), hook.event.as_deref(), hook.url.as_str()),
            ("223443", Some("lead.new"), TARGET)
        );
        assert!(hook.active && hook.secret.is_none());

        let journal = apis.state().journal();
        let entry = journal.last().expect("the call is journalled");
        assert_eq!(entry.provider, Some(ProviderId::PropertyFinder));
        assert_eq!(
            (entry.method.as_str(), entry.path.as_str(), entry.status),
            ("POST", "/hooks", 201)
        );
        assert!(entry.body.contains("lead.new"), "{}", entry.body);
    }

    #[tokio::test]
    async fn the_docs_event_key_typo_is_answered_only_where_asked_for() {
        let apis = start().await;
        let token = pf_token(&apis).await;
        let url = format!(
            "{}/quirks/event-key-typo/hooks",
            apis.base_url(ProviderId::PropertyFinder)
        );
        let request = hook_request("property.new", TARGET);
        let created = call(Method::POST, &url, Some(&token), Some(&request)).await;

        assert_eq!(created.status, 201);
        assert_eq!(
            keys(&created.body["hook"]),
            ["id", "event:", "target", "client"]
        );
        assert_eq!(created.body["hook"]["event:"], "property.new");
        let id = created.body["hook"]["id"].to_string();
        let deleted = call(Method::DELETE, &format!("{url}/{id}"), Some(&token), None).await;
        assert_eq!(deleted.status, 204);

        // Or everywhere, for a receiver configured once with the plain base URL.
        let plain = hooks_url(&apis);
        let answer = call(Method::POST, &plain, Some(&token), Some(&request)).await;
        assert_eq!(
            keys(&answer.body["hook"]),
            ["id", "event", "target", "client"]
        );
        apis.state()
            .set_conditions(hooksim_simulator::api::ApiConditions {
                event_key_typo: true,
                ..Default::default()
            });
        let answer = call(Method::POST, &plain, Some(&token), Some(&request)).await;
        assert_eq!(
            keys(&answer.body["hook"]),
            ["id", "event:", "target", "client"]
        );
    }

    #[tokio::test]
    async fn a_second_hook_for_an_event_replaces_the_first() {
        let apis = start().await;
        let token = pf_token(&apis).await;
        let url = hooks_url(&apis);
        let first = call(
            Method::POST,
            &url,
            Some(&token),
            Some(&hook_request("lead.new", TARGET)),
        )
        .await;
        let other = call(
            Method::POST,
            &url,
            Some(&token),
            Some(&hook_request("lead.updated", TARGET)),
        )
        .await;
        let second_target = "https://crm.example/pf";
        let second = call(
            Method::POST,
            &url,
            Some(&token),
            Some(&hook_request("lead.new", second_target)),
        )
        .await;
        assert_eq!((first.status, other.status, second.status), (201, 201, 201));
        assert_ne!(first.body["hook"]["id"], second.body["hook"]["id"]);

        let registrations = apis.state().registrations(ProviderId::PropertyFinder);
        let for_lead_new: Vec<&str> = registrations
            .iter()
            .filter(|r| r.event.as_deref() == Some("lead.new"))
            .map(|r| r.url.as_str())
            .collect();
        assert_eq!(for_lead_new, [second_target]);
        assert_eq!(registrations.len(), 2);

        let replaced = format!("{url}/{}", first.body["hook"]["id"]);
        let gone = call(Method::DELETE, &replaced, Some(&token), None).await;
        assert_eq!((gone.status, gone.body["code"].clone()), (404, json!(404)));
        let current = format!("{url}/{}", second.body["hook"]["id"]);
        assert_eq!(
            call(Method::DELETE, &current, Some(&token), None)
                .await
                .status,
            204
        );
        assert_eq!(
            call(Method::DELETE, &current, Some(&token), None)
                .await
                .status,
            404
        );
        let left = apis.state().registrations(ProviderId::PropertyFinder);
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].event.as_deref(), Some("lead.updated"));
    }

    #[tokio::test]
    async fn bad_requests_are_refused_with_a_reason() {
        let apis = start().await;
        let token = pf_token(&apis).await;
        let url = hooks_url(&apis);
        let cases = [
            (json!({"event": "lead.new", "target": TARGET}), 400),
            (json!({"hook": {"event": "lead.new"}}), 400),
            (json!({"hook": {"event": 7, "target": TARGET}}), 400),
            (hook_request("property.updated", TARGET), 422),
            (hook_request("lead.new", "/relative/path"), 422),
        ];
        for (request, status) in cases {
            let answer = call(Method::POST, &url, Some(&token), Some(&request)).await;
            assert_eq!(answer.status, status, "{request}");
            assert_eq!(answer.body["code"], status, "{request}");
            assert!(answer.body["message"].is_string(), "{request}");
        }
        assert!(
            apis.state()
                .registrations(ProviderId::PropertyFinder)
                .is_empty()
        );
    }
}
