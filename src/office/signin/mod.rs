//! Staff sign-in: accounts with roles, sessions in our own table, login and logout,
//! lockout, CSRF, and the gate every staff route sits behind.
//!
//! The hub builds one router per role ([`Role::FrontDesk`], [`Role::Manager`],
//! [`Role::Admin`]) and puts each behind [`guarded`]; a handler learns who is signed in
//! from the [`StaffSession`] extractor and audits as [`StaffSession::actor`] (the user's
//! number, never a name).

mod admin;
mod guard;
mod login;
mod session;
mod users;

pub use admin::{Added, UserItem};
pub use guard::{CSRF_HEADER, Refusal, StaffSession, from_this_site, guarded, same_site};
pub use login::{LoginBodyError, LoginForm, SessionView, parse_login_body};
pub use session::{
    COOKIE, CsrfToken, SessionLimits, SessionToken, StaffConfig, TokenDigest, clear_cookie,
};
pub use users::{
    AccountError, MIN_PASSWORD_CHARS, Password, PasswordHash, Role, StaffUserId, Username,
};

use super::server::AppState;
use super::store::{OfficeStore, StoreError, UsernameTaken};
use crate::office::audit::AuditAction;
use axum::Router;
use axum::routing::{get, post};
use jiff::Timestamp;

/// The pages' Content-Security-Policy (no inline script or style).
pub const STRICT_CSP: &str = login::STRICT_CSP;

/// Routes anyone may reach: the login page, its stylesheet, the login itself.
pub fn public_routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::page).post(login::login))
        .route(login::LOGIN_CSS_PATH, get(login::stylesheet))
}

/// Routes for any signed-in user (behind the front-desk gate).
pub fn desk_routes() -> Router<AppState> {
    Router::new()
        .route("/logout", post(login::logout))
        .route("/api/staff/v1/session", get(login::whoami))
}

/// Routes for administrators: staff accounts (see `admin`).
pub fn admin_routes() -> Router<AppState> {
    admin::routes()
}

/// Why `add-user` could not add a user.
#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Taken(#[from] UsernameTaken),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Adds a user (hashing the password), audited as done by the system (the command line).
pub fn add_user(
    store: &mut OfficeStore,
    username: &Username,
    role: Role,
    password: &Password,
    now: Timestamp,
) -> Result<StaffUserId, AddUserError> {
    let hash = password.hash()?;
    let id = store.add_staff_user(username, role, &hash, now)??;
    store.audit(
        now,
        &super::store::Actor::System,
        AuditAction::StaffUserAdd,
        &format!("{id} {role}"),
    )?;
    Ok(id)
}
