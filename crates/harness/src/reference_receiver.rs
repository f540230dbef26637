//! How hooksim connects its own reference receiver to a scenario's provider
//! API. A receiver a team writes is started with the provider API's address
//! and credentials and asked to register through its `register` setting; the
//! reference receiver serves many scenarios at once, each with its own API,
//! so it is handed the API in the body of `POST /<provider>/connect` instead,
//! under a connection name of the scenario's own (its routes
//! `/<provider>/connections/<name>` keep parallel scenarios apart).

use hooksim_simulator::api::ProviderApis;
use hooksim_simulator::providers::ProviderId;
use serde_json::{Value, json};

/// Where the reference receiver is connected: `POST /<provider>/connect`
/// (also the `register` setting's reference value, in [`crate::settings`]).
pub fn connect_path(provider: ProviderId) -> String {
    format!("/{provider}/connect")
}

/// Whether the reference receiver is connected before a scenario's first
/// step (when the scenario requires the `api` setting). Flow has no
/// registration API: its receiver only needs the credentials, which a
/// team's receiver reads at start-up; the others connect on `register`.
pub fn connects_before_steps(provider: ProviderId) -> bool {
    provider == ProviderId::Flow
}

/// The body of `POST /<provider>/connect`: the scenario's API, its
/// credentials, the connection name, and for the providers that register
/// per event, `event`. Atlas subscribes with the scenario's `secret`, when
/// there is one.
pub fn connect_body(
    provider: ProviderId,
    apis: &ProviderApis,
    secret: Option<&str>,
    event: Option<&str>,
) -> Value {
    let credentials = apis.state().credentials();
    let api = apis.base_url(provider);
    let connection = apis.connection();
    let events: Option<Vec<&str>> = event.map(|event| vec![event]);
    let mut body = match provider {
        ProviderId::Flow => json!({
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
        }),
        // PF Expert's token endpoint shares the API's base URL here.
        ProviderId::PropertyFinderAtlas | ProviderId::PropertyFinder => json!({
            "api_key": credentials.client_id,
            "api_secret": credentials.client_secret,
        }),
        _ => json!({ "token": credentials.token }),
    };
    body["api"] = Value::String(api);
    body["connection"] = Value::String(connection);
    if let Some(events) = events {
        let key = if provider == ProviderId::EverReal {
            "types"
        } else {
            "events"
        };
        if provider != ProviderId::Spark {
            body[key] = json!(events);
        }
    }
    if let Some(secret) = secret.filter(|s| !s.is_empty())
        && provider == ProviderId::PropertyFinderAtlas
    {
        body["secret"] = Value::String(secret.to_owned());
    }
    body
}

/// The body of `POST /<provider>/disconnect`.
pub fn disconnect_body(apis: &ProviderApis) -> Value {
    json!({ "connection": apis.connection() })
}
