//! The gate in front of every staff route: a session, the role the route needs, and, for
//! anything that changes something, the page's CSRF token and a same-origin request.
//! Applied as a route layer to each role's router (see [`guarded`]); handlers take the
//! [`StaffSession`] it found.

use super::session::{CsrfToken, SessionToken};
use super::users::{Role, StaffUserId};
use crate::api::ErrorBody;
use crate::office::audit::{AuditAction, AuditContext, Origin};
use crate::office::server::AppState;
use crate::office::store::Actor;
use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;

/// The header the staff page sends its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A signed-in staff member, as the gate found them.
#[derive(Debug, Clone)]
pub struct StaffSession {
    pub user: StaffUserId,
    pub role: Role,
    pub csrf: CsrfToken,
    /// Where the request came from, for the audit log.
    pub origin: Option<std::net::IpAddr>,
}

impl StaffSession {
    /// Who the audit log says did it, and from where: the user's number, never the name.
    pub fn actor(&self) -> AuditContext {
        AuditContext {
            actor: Actor::Staff(self.user.to_string()),
            origin: self.origin,
        }
    }
}

/// Why the gate refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No session, or a forged, expired or unknown one.
    SignedOut { page: bool },
    /// Signed in with a role below the route's: a page answers with a page that says so
    /// (`views/forbidden.html`), an API with its JSON error body.
    Role { page: bool, role: Role },
    /// A change without the session's CSRF token, or from another site.
    Csrf,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            Refusal::SignedOut { page: true } => return Redirect::to("/login").into_response(),
            Refusal::SignedOut { page: false } => (
                StatusCode::UNAUTHORIZED,
                "signed_out",
                "sign in at /login first",
            ),
            Refusal::Role { page: true, role } => return forbidden_page(role),
            Refusal::Role { page: false, .. } => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "your role may not do this; ask an administrator",
            ),
            Refusal::Csrf => (
                StatusCode::FORBIDDEN,
                "csrf",
                "this request did not come from the staff page; reload it and try again",
            ),
        };
        let body = ErrorBody {
            error: code.into(),
            message: message.into(),
        };
        (status, axum::Json(body)).into_response()
    }
}

/// The 403 page a browser shows for a page the role may not open.
fn forbidden_page(role: Role) -> Response {
    #[derive(serde::Serialize)]
    struct Forbidden {
        role: &'static str,
    }
    let words = match role {
        Role::FrontDesk => "front desk",
        Role::Manager => "manager",
        Role::Admin => "administrator",
    };
    match crate::office::templates::render(
        crate::office::templates::Page::Forbidden,
        Forbidden { role: words },
    ) {
        Ok(html) => (
            StatusCode::FORBIDDEN,
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::CONTENT_SECURITY_POLICY, super::STRICT_CSP),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            axum::response::Html(html),
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}

/// Handlers behind the gate take this; a handler wired outside it refuses (signed out)
/// rather than run without a user.
impl<S: Send + Sync> FromRequestParts<S> for StaffSession {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        let mut session = parts
            .extensions
            .get::<StaffSession>()
            .cloned()
            .ok_or(Refusal::SignedOut { page: false })?;
        let Ok(Origin(origin)) = Origin::from_request_parts(parts, state).await;
        session.origin = origin;
        Ok(session)
    }
}

/// What the gate of one router needs.
#[derive(Clone)]
struct Gate {
    state: AppState,
    needs: Role,
}

/// `router` with every route behind the gate for `needs` (a router without routes is
/// returned as it is: nothing to guard).
pub fn guarded(router: Router<AppState>, needs: Role, state: &AppState) -> Router<AppState> {
    if !router.has_routes() {
        return router;
    }
    router.route_layer(axum::middleware::from_fn_with_state(
        Gate {
            state: state.clone(),
            needs,
        },
        gate,
    ))
}

/// Pages answer a signed-out browser with the login page; APIs with 401.
fn is_page(request: &Request) -> bool {
    request.method() == Method::GET && !request.uri().path().starts_with("/api/")
}

/// The session a request's cookie names, if it is live at `now`.
pub(super) async fn session_of(
    state: &AppState,
    headers: &HeaderMap,
    now: Timestamp,
) -> Result<Option<StaffSession>, crate::office::error::ApiError> {
    let Some(token) = SessionToken::from_headers(headers) else {
        return Ok(None);
    };
    let digest = token.digest();
    let limits = state.config.staff.limits();
    let row = state
        .db(move |db| db.staff_session(digest, limits, now))
        .await?;
    Ok(row.map(|row| StaffSession {
        user: row.user,
        role: row.role,
        csrf: row.csrf,
        origin: None,
    }))
}

async fn gate(State(gate): State<Gate>, mut request: Request, next: Next) -> Response {
    let now = Timestamp::now();
    let session = match session_of(&gate.state, request.headers(), now).await {
        Ok(Some(session)) => session,
        Ok(None) => {
            return Refusal::SignedOut {
                page: is_page(&request),
            }
            .into_response();
        }
        Err(error) => return error.into_response(),
    };
    let refusal = if !session.role.allows(gate.needs) {
        let refusal = Refusal::Role {
            page: is_page(&request),
            role: session.role,
        };
        Some((refusal, "role"))
    } else if changes_something(request.method()) && !same_site(request.headers(), &session) {
        Some((Refusal::Csrf, "csrf"))
    } else {
        None
    };
    if let Some((refusal, why)) = refusal {
        // The path holds ids at most (no PHI in URLs), so it can be the audit subject.
        let subject = format!("{why} {} {}", request.method(), request.uri().path());
        let actor = session.actor();
        tracing::warn!(user = %session.user, why, "staff request refused");
        if let Err(error) = gate
            .state
            .db(move |db| db.audit(now, &actor, AuditAction::AccessDenied, &subject))
            .await
        {
            return error.into_response();
        }
        return refusal.into_response();
    }
    request.extensions_mut().insert(session);
    next.run(request).await
}

fn changes_something(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A state-changing request must carry the session's CSRF token, and where the browser
/// says where it came from (`Sec-Fetch-Site`, `Origin`), it must be this site.
pub fn same_site(headers: &HeaderMap, session: &StaffSession) -> bool {
    from_this_site(headers)
        && headers
            .get(CSRF_HEADER)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|presented| session.csrf.matches(presented))
}

/// Whether the browser, where it says (`Sec-Fetch-Site`, else `Origin`), sent this
/// request from a page of this site. Clients that say nothing (curl, the kiosk) pass.
/// `Sec-Fetch-Site` wins when present: under `Referrer-Policy: no-referrer` a browser
/// sends `Origin: null` even for a form on this site.
pub fn from_this_site(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    match headers.get(header::ORIGIN) {
        None => true,
        Some(origin) => {
            let origin_host = origin
                .to_str()
                .ok()
                .and_then(|o| o.split_once("://"))
                .map(|(_, authority)| authority);
            let host = text(header::HOST.as_str());
            host.is_some() && origin_host == host
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn session() -> StaffSession {
        StaffSession {
            user: StaffUserId::new(1),
            role: Role::FrontDesk,
            csrf: CsrfToken::from_stored("the-token".into()),
            origin: None,
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn changes_need_the_token_and_this_origin() {
        let s = session();
        assert!(same_site(&headers(&[("x-csrf-token", "the-token")]), &s));
        assert!(same_site(
            &headers(&[
                ("x-csrf-token", "the-token"),
                ("host", "127.0.0.1:8480"),
                ("origin", "http://127.0.0.1:8480"),
                ("sec-fetch-site", "same-origin"),
            ]),
            &s
        ));
        // A form on this site under `no-referrer`: Origin null, Sec-Fetch-Site says so.
        assert!(same_site(
            &headers(&[
                ("x-csrf-token", "the-token"),
                ("origin", "null"),
                ("sec-fetch-site", "same-origin"),
            ]),
            &s
        ));
        for bad in [
            headers(&[]),
            headers(&[("x-csrf-token", "the-toke")]),
            headers(&[
                ("x-csrf-token", "the-token"),
                ("sec-fetch-site", "cross-site"),
            ]),
            headers(&[
                ("x-csrf-token", "the-token"),
                ("host", "127.0.0.1:8480"),
                ("origin", "http://evil.example"),
            ]),
            headers(&[("x-csrf-token", "the-token"), ("origin", "null")]),
            headers(&[
                ("x-csrf-token", "the-token"),
                ("origin", "http://127.0.0.1:8480"),
                ("host", "127.0.0.1:8480"),
                ("sec-fetch-site", "same-site"),
            ]),
        ] {
            assert!(!same_site(&bad, &s), "{bad:?}");
        }
    }
}
