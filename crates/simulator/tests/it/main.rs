//! The delivery engine against stand-in receivers: wiremock for well-formed
//! HTTP, raw TCP for receivers that misbehave below HTTP.

mod api_client_auth;
mod api_everreal;
mod api_flow;
mod api_propertyfinder;
mod api_propertyfinder_atlas;
mod api_spark;
mod capture_check;
mod contract;
mod delivery;
mod hostile;
mod keep_alive;
mod misbehaving;
mod template;
mod tls;

use hooksim_simulator::api::ProviderApis;

/// Every provider API on a free loopback port, and a client that reaches it
/// directly (no proxy from the environment).
async fn start_provider_apis() -> (ProviderApis, reqwest::Client) {
    let apis = ProviderApis::start("127.0.0.1:0".parse().expect("loopback address"))
        .await
        .expect("the API server starts");
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a plain HTTP client");
    (apis, client)
}
