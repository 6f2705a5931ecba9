//! The OpenAPI 3.1 description of the API, generated from the handlers and types.

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::http;

/// The whole API, as served at `/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(title = "IRISX API", description = "Voice, messaging and webhooks for developers. \
        Authenticate with `Authorization: Bearer <access token or API key>`. Errors are RFC 9457 \
        problem documents (`application/problem+json`)."),
    paths(
        http::auth::register::register,
        http::auth::login::login,
        http::auth::session::refresh,
        http::auth::session::logout,
        http::auth::session::logout_all,
        http::auth::me::me,
        http::auth::password::change,
        http::auth::password::forgot,
        http::auth::password::reset,
        http::api_keys::create,
        http::api_keys::list,
        http::api_keys::revoke,
        http::tenants::get_prices,
        http::tenants::put_prices,
        http::tenants::get_limits,
        http::tenants::put_limits,
        http::applications::create,
        http::applications::list,
        http::applications::get,
        http::applications::update,
        http::applications::delete,
        http::calls::create,
        http::calls::list,
        http::calls::get,
        http::calls::hangup,
        http::cdrs::list,
        http::carriers::create,
        http::carriers::list,
        http::carriers::get,
        http::carriers::update,
        http::carriers::delete,
        http::carriers::put_rates,
        http::carriers::get_rates,
        http::webhooks::get_secret,
        http::webhooks::rotate_secret,
        http::webhooks::call_attempts,
        http::health::healthz,
        http::health::readyz,
    ),
    components(schemas(crate::error::Problem, crate::error::FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Registration, sign-in, tokens and passwords"),
        (name = "api-keys", description = "Keys for server-to-server use"),
        (name = "tenants", description = "Tenants' price lists and call limits"),
        (name = "applications", description = "Hosted applications: verbs or an answer URL that calls name by id"),
        (name = "calls", description = "Place, follow and hang up phone calls"),
        (name = "cdrs", description = "Call detail records: one per call leg, with cost; JSON or CSV"),
        (name = "carriers", description = "SIP trunks (platform and bring-your-own) and their rate decks"),
        (name = "webhooks", description = "Status callbacks: the secret that signs them (Standard Webhooks) and how each delivery went"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An access token (JWT) or an API key (`irx_sk_…`)"))
                    .build(),
            ),
        );
    }
}
