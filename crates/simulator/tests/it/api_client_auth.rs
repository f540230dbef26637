//! Every provider API lets in a client that sends exactly what its
//! `client_auth` describes (what `hooksim serve` prints), and turns away the
//! same call without it.

use hooksim_simulator::api::{ClientAuth, PROVIDERS_WITH_APIS, Token, client_auth};
use hooksim_simulator::providers::ProviderId;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::start_provider_apis;

/// A call each API answers with success once the client is let in.
fn harmless_call(provider: ProviderId) -> (Method, &'static str, Option<&'static str>, StatusCode) {
    match provider {
        ProviderId::Spark => (
            Method::GET,
            "/v1/developers/newsfeeds/webhooks",
            None,
            StatusCode::OK,
        ),
        ProviderId::Flow => (
            Method::POST,
            "/flow/api/Search/AdvancedPropertySearch?$filter=Id%20eq%201",
            None,
            StatusCode::OK,
        ),
        ProviderId::PropertyFinder => (
            Method::POST,
            "/hooks",
            Some(r#"{"hook":{"event":"lead.new","target":"https://receiver.example/pf"}}"#),
            StatusCode::CREATED,
        ),
        ProviderId::PropertyFinderAtlas => (Method::GET, "/v1/webhooks", None, StatusCode::OK),
        ProviderId::EverReal => (
            Method::GET,
            "/api/external-integrations/webhooks",
            None,
            StatusCode::OK,
        ),
        ProviderId::Hemnet => unreachable!("Hemnet has no API here"),
    }
}

/// The token `auth` says to send: fixed, or fetched as its token request says.
async fn token(client: &reqwest::Client, base: &str, auth: &ClientAuth) -> String {
    match &auth.token {
        Token::Fixed(token) => token.clone(),
        Token::Issued { field } => {
            let request = auth
                .token_request
                .as_ref()
                .expect("an issued token comes from a token request");
            let mut asking = client
                .post(format!("{base}{}", request.path))
                .header("content-type", request.content_type)
                .body(request.body.clone());
            if let Some(authorization) = &request.authorization {
                asking = asking.header("authorization", authorization);
            }
            let answer = asking.send().await.expect("the token endpoint answers");
            assert_eq!(answer.status(), StatusCode::OK, "{base}{}", request.path);
            let answer: Value =
                serde_json::from_slice(&answer.bytes().await.expect("a body")).expect("JSON");
            answer[field]
                .as_str()
                .unwrap_or_else(|| panic!("no `{field}` in {answer}"))
                .to_owned()
        }
    }
}

#[tokio::test]
async fn a_client_that_does_as_described_is_let_in_and_one_without_a_token_is_not() {
    let (apis, client) = start_provider_apis().await;
    let credentials = apis.state().credentials();
    for provider in PROVIDERS_WITH_APIS {
        let auth = client_auth(provider, &credentials).expect("every API has its auth");
        let base = apis.base_url(provider);
        let (method, path, body, success) = harmless_call(provider);
        let call = || {
            let request = client.request(method.clone(), format!("{base}{path}"));
            match body {
                Some(body) => request
                    .header("content-type", "application/json")
                    .body(body),
                None => request,
            }
        };
        let token = token(&client, &base, &auth).await;
        let mut described = call().header("authorization", format!("{} {token}", auth.schemes[0]));
        for (name, value) in auth.required_headers {
            described = described.header(*name, *value);
        }
        let answer = described.send().await.expect("the API answers");
        assert_eq!(
            answer.status(),
            success,
            "{provider}: {:?}",
            answer.text().await
        );
        let mut without_token = call();
        for (name, value) in auth.required_headers {
            without_token = without_token.header(*name, *value);
        }
        let refused = without_token
            .send()
            .await
            .expect("the API answers")
            .status();
        assert!(
            matches!(refused, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
            "{provider}: {refused}"
        );
    }
    assert_eq!(client_auth(ProviderId::Hemnet, &credentials), None);
}

#[tokio::test]
async fn spark_without_its_user_agent_header_is_refused() {
    let (apis, client) = start_provider_apis().await;
    let auth =
        client_auth(ProviderId::Spark, &apis.state().credentials()).expect("Spark has an API");
    assert_eq!(auth.required_headers.len(), 1);
    let answer = client
        .get(format!(
            "{}/v1/developers/newsfeeds/webhooks",
            apis.base_url(ProviderId::Spark)
        ))
        .header("authorization", auth.authorization())
        .send()
        .await
        .expect("the API answers");
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
}
