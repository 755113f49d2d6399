//! `GET /login`, `POST /login` (a form from the login page, or JSON), `POST /logout`,
//! and what a signed-in page asks about itself (`GET /api/staff/v1/session`).
//!
//! A failed login is answered after a pause that doubles with each failure in a row (per
//! username and per client address), and a username or address is locked for a while
//! after too many. Unknown user, disabled user and wrong password get the same answer in
//! the same time.

use super::guard::StaffSession;
use super::session::{CsrfToken, SessionToken, clear_cookie};
use super::users::{Password, Role, StaffUserId, Username};
use crate::api::ErrorBody;
use crate::office::audit::{AuditAction, AuditContext};
use crate::office::error::ApiError;
use crate::office::server::AppState;
use crate::office::store::Actor;
use axum::Json;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

const LOGIN_PAGE: &str = include_str!("login_page.html");
pub(super) const LOGIN_CSS: &str = include_str!("login.css");
/// Where the login page's stylesheet is served; the hash in the name changes with it, so
/// it can be cached for good.
pub(super) const LOGIN_CSS_PATH: &str = "/static/signin/login.v1.css";

/// The pages' Content-Security-Policy: nothing inline, nothing from elsewhere.
pub(super) const STRICT_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// What the login form and the JSON login send.
#[derive(Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
}

/// Why a login request's body was refused (nothing of the body is quoted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LoginBodyError {
    #[error("send the login as a form (application/x-www-form-urlencoded) or as JSON")]
    ContentType,
    #[error("the login JSON needs a username and a password, both text")]
    Json,
    #[error("the login form needs a username and a password")]
    Form,
}

/// Reads a login request's body, by its `Content-Type`, into a [`LoginForm`].
pub fn parse_login_body(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<LoginForm, LoginBodyError> {
    let kind = content_type
        .and_then(|value| value.split(';').next())
        .map(|kind| kind.trim().to_ascii_lowercase());
    match kind.as_deref() {
        Some("application/json") => serde_json::from_slice(body).map_err(|_| LoginBodyError::Json),
        Some("application/x-www-form-urlencoded") => {
            serde_urlencoded::from_bytes(body).map_err(|_| LoginBodyError::Form)
        }
        _ => Err(LoginBodyError::ContentType),
    }
}

/// What a JSON login, and `GET /api/staff/v1/session`, answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionView {
    pub user: StaffUserId,
    pub role: Role,
    /// To send back as `X-CSRF-Token` on every change.
    pub csrf: String,
}

/// How a login went; the message never says whether the user exists.
enum Outcome {
    SignedIn {
        token: SessionToken,
        view: SessionView,
    },
    Failed,
    Locked,
}

pub(super) async fn page() -> Response {
    login_page(StatusCode::OK, "")
}

fn login_page(status: StatusCode, message: &str) -> Response {
    let html = LOGIN_PAGE
        .replace("{{css}}", LOGIN_CSS_PATH)
        .replace("{{message}}", message)
        .replace("{{hidden}}", if message.is_empty() { "hidden" } else { "" });
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, STRICT_CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(html),
    )
        .into_response()
}

pub(super) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        LOGIN_CSS,
    )
        .into_response()
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"))
}

/// The client's address, where the server recorded it.
fn client_address(request: &Request) -> String {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".into(), |info| info.0.ip().to_string())
}

pub(super) async fn login(State(state): State<AppState>, request: Request) -> Response {
    let json = is_json(request.headers());
    let address = client_address(&request);
    // Another site's form must not sign a browser in (to an account of its choosing).
    if !super::guard::from_this_site(request.headers()) {
        return super::guard::Refusal::Csrf.into_response();
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    // The body limit (`DefaultBodyLimit`) holds for these bytes too.
    let form = match axum::body::Bytes::from_request(request, &()).await {
        Ok(body) => parse_login_body(content_type.as_deref(), &body).map_err(|e| e.to_string()),
        Err(rejection) => Err(rejection.body_text()),
    };
    let form = match form {
        Ok(form) => form,
        Err(why) => {
            return ApiError::BadRequest {
                status: StatusCode::BAD_REQUEST,
                code: "malformed_login",
                message: why.chars().take(200).collect(),
            }
            .into_response();
        }
    };
    let outcome = match attempt(&state, form, &address, Timestamp::now()).await {
        Ok(outcome) => outcome,
        Err(error) => return error.into_response(),
    };
    // Over HTTPS the cookie never travels in the clear.
    let secure = state.config.staff.secure_cookie || state.tls.is_some();
    match outcome {
        Outcome::SignedIn { token, view } => {
            let cookie = token.set_cookie(secure, state.config.staff.limits().absolute);
            if json {
                ([(header::SET_COOKIE, cookie)], Json(view)).into_response()
            } else {
                ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
            }
        }
        Outcome::Failed | Outcome::Locked if json => {
            let (status, code, message) = refusal_text(&outcome);
            (
                status,
                Json(ErrorBody {
                    error: code.into(),
                    message: message.into(),
                }),
            )
                .into_response()
        }
        Outcome::Failed | Outcome::Locked => {
            let (status, _, message) = refusal_text(&outcome);
            login_page(status, message)
        }
    }
}

fn refusal_text(outcome: &Outcome) -> (StatusCode, &'static str, &'static str) {
    match outcome {
        Outcome::Locked => (
            StatusCode::TOO_MANY_REQUESTS,
            "login_locked",
            "Too many failed sign-ins. Wait a few minutes, then try again.",
        ),
        _ => (
            StatusCode::UNAUTHORIZED,
            "login_failed",
            "That username and password do not match an account.",
        ),
    }
}

/// Checks the locks, then the password; counts, audits and slows failures.
async fn attempt(
    state: &AppState,
    form: LoginForm,
    address: &str,
    now: Timestamp,
) -> Result<Outcome, ApiError> {
    let config = state.config.staff.clone();
    let username = Username::new(&form.username).ok();
    let password = Password::presented(form.password).ok();
    let user_key = username.as_ref().map(|name| format!("user:{name}"));
    let address_key = format!("addr:{address}");
    // From where, for the audit log (the address is "unknown" without connection info).
    let origin: Option<std::net::IpAddr> = address.parse().ok();
    let system_at = AuditContext {
        actor: Actor::System,
        origin,
    };
    let keys: Vec<String> = user_key
        .iter()
        .cloned()
        .chain([address_key.clone()])
        .collect();
    let lookup = username.clone();
    let (locked, found) = state
        .db(move |db| {
            let mut locked = false;
            for key in &keys {
                locked |= db.login_locked_until(key, now)?.is_some();
            }
            let found = match (&lookup, locked) {
                (Some(name), false) => db.staff_credentials(name)?,
                _ => None,
            };
            Ok((locked, found))
        })
        .await?;
    if locked {
        let subject = "locked".to_owned();
        let who = system_at.clone();
        state
            .db(move |db| db.audit(now, who, AuditAction::StaffLoginFailed, &subject))
            .await?;
        tracing::warn!(address, "login refused: locked");
        return Ok(Outcome::Locked);
    }
    // Argon2 takes tens of milliseconds of CPU: off the async threads, and the same work
    // whether or not the user exists.
    let signed_in = tokio::task::spawn_blocking(move || match (&password, found) {
        (Some(password), Some((user, role, hash))) if password.matches(&hash) => Some((user, role)),
        (Some(password), _) => {
            password.waste_a_check();
            None
        }
        (None, _) => None,
    })
    .await
    .map_err(ApiError::internal)?;
    if let Some((user, role)) = signed_in {
        let token = SessionToken::random().map_err(ApiError::internal)?;
        let csrf = CsrfToken::random().map_err(ApiError::internal)?;
        let digest = token.digest();
        let stored_csrf = csrf.clone();
        state
            .db(move |db| {
                db.create_staff_session(digest, user, &stored_csrf, now)?;
                if let Some(key) = &user_key {
                    db.clear_login_failures(key)?;
                }
                db.audit(
                    now,
                    AuditContext {
                        actor: Actor::Staff(user.to_string()),
                        origin,
                    },
                    AuditAction::StaffLogin,
                    &user.to_string(),
                )
            })
            .await?;
        tracing::info!(%user, "staff signed in");
        return Ok(Outcome::SignedIn {
            token,
            view: SessionView {
                user,
                role,
                csrf: csrf.as_str().to_owned(),
            },
        });
    }
    let failures = state
        .db(move |db| {
            let lock_for = config.lock_for();
            let mut most = db.record_login_failure(
                &address_key,
                config.address_lock_after_failures,
                lock_for,
                now,
            )?;
            if let Some(key) = &user_key {
                most = most.max(db.record_login_failure(
                    key,
                    config.lock_after_failures,
                    lock_for,
                    now,
                )?);
            }
            // No username in the audit: it may be a password typed in the wrong box.
            db.audit(
                now,
                system_at,
                AuditAction::StaffLoginFailed,
                "wrong credentials",
            )?;
            Ok(most)
        })
        .await?;
    tracing::warn!(address, failures, "login failed");
    tokio::time::sleep(state.config.staff.failure_delay(failures)).await;
    Ok(Outcome::Failed)
}

/// `POST /logout`: ends this session (the row is deleted) and clears the cookie.
pub(super) async fn logout(
    State(state): State<AppState>,
    session: StaffSession,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let now = Timestamp::now();
    let digest = SessionToken::from_headers(&headers).map(|token| token.digest());
    let actor = session.actor();
    let user = session.user.to_string();
    state
        .db(move |db| {
            if let Some(digest) = digest {
                db.delete_staff_session(digest)?;
            }
            db.audit(now, &actor, AuditAction::StaffLogout, &user)
        })
        .await?;
    // This session's open live stream ends.
    state.sessions_changed.send_replace(());
    let cookie = clear_cookie(state.config.staff.secure_cookie || state.tls.is_some());
    Ok(([(header::SET_COOKIE, cookie)], StatusCode::NO_CONTENT).into_response())
}

/// `GET /api/staff/v1/session`: who is signed in, and the CSRF token.
pub(super) async fn whoami(session: StaffSession) -> Json<SessionView> {
    Json(SessionView {
        user: session.user,
        role: session.role,
        csrf: session.csrf.as_str().to_owned(),
    })
}
