//! Placeholder: this provider's API is being written (work in progress).

use axum::Router;

use super::ApiState;

pub fn routes() -> Router<ApiState> {
    Router::new()
}
