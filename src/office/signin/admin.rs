//! Staff accounts managed by administrators on the users view: list (with role and last
//! sign-in), add, change role, disable and enable, set a new password. Behind the admin
//! gate (CSRF-checked like every change), each change audited with the user's number.
//!
//! An administrator cannot demote, disable or lock out the last enabled administrator,
//! nor their own account (another admin does that), so the hub always keeps one.

use super::guard::StaffSession;
use super::users::{AccountError, Password, Role, StaffUserId, Username};
use crate::office::audit::AuditAction;
use crate::office::error::{ApiError, ApiJson};
use crate::office::server::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/staff/v1/users", get(list).post(add))
        .route("/api/staff/v1/users/{id}/role", post(set_role))
        .route("/api/staff/v1/users/{id}/disable", post(disable))
        .route("/api/staff/v1/users/{id}/enable", post(enable))
        .route("/api/staff/v1/users/{id}/password", post(set_password))
}

/// A user as `GET /api/staff/v1/users` lists them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserItem {
    pub id: StaffUserId,
    pub username: Username,
    pub role: Role,
    pub disabled: bool,
    pub created_at: Timestamp,
    /// `None`: never signed in.
    pub last_sign_in_at: Option<Timestamp>,
    /// The admin looking at the list.
    pub is_you: bool,
}

async fn list(
    State(state): State<AppState>,
    session: StaffSession,
) -> Result<Json<Vec<UserItem>>, ApiError> {
    let now = Timestamp::now();
    let actor = session.actor();
    let users = state
        .db(move |db| {
            db.audit(now, &actor, AuditAction::StaffUsersView, "all")?;
            db.staff_users()
        })
        .await?;
    Ok(Json(
        users
            .into_iter()
            .map(|u| UserItem {
                is_you: u.id == session.user,
                id: u.id,
                username: u.username,
                role: u.role,
                disabled: u.disabled,
                created_at: u.created_at,
                last_sign_in_at: u.last_sign_in_at,
            })
            .collect(),
    ))
}

fn refused(error: AccountError) -> ApiError {
    let code = match error {
        AccountError::Username => "bad_username",
        AccountError::PasswordLength => "bad_password",
        AccountError::Role(_) => "bad_role",
        AccountError::Hash(_) => return ApiError::internal(error),
    };
    ApiError::BadRequest {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code,
        message: error.to_string(),
    }
}

fn conflict(code: &'static str, message: &str) -> ApiError {
    ApiError::BadRequest {
        status: StatusCode::CONFLICT,
        code,
        message: message.into(),
    }
}

/// `POST /api/staff/v1/users`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    username: String,
    role: Role,
    password: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Added {
    pub id: StaffUserId,
}

async fn add(
    State(state): State<AppState>,
    session: StaffSession,
    ApiJson(new): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<Added>), ApiError> {
    let username = Username::new(&new.username).map_err(refused)?;
    let password = Password::new(new.password).map_err(refused)?;
    let role = new.role;
    // Argon2 takes a while: off the async threads.
    let hash = tokio::task::spawn_blocking(move || password.hash())
        .await
        .map_err(ApiError::internal)?
        .map_err(refused)?;
    let now = Timestamp::now();
    let actor = session.actor();
    let added = state
        .db(move |db| {
            let added = db.add_staff_user(&username, role, &hash, now)?;
            if let Ok(id) = &added {
                db.audit(
                    now,
                    &actor,
                    AuditAction::StaffUserAdd,
                    &format!("{id} {role}"),
                )?;
            }
            Ok(added)
        })
        .await?;
    let id = added.map_err(|_| conflict("username_taken", "that username is taken"))?;
    Ok((StatusCode::CREATED, Json(Added { id })))
}

fn user_id(id: &str) -> Result<StaffUserId, ApiError> {
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(StaffUserId::new)
        .ok_or(ApiError::NotFound)
}

/// Refuses a change that would leave the hub without an enabled administrator, or that
/// an admin makes to their own account.
async fn keep_an_admin(
    state: &AppState,
    session: &StaffSession,
    user: StaffUserId,
) -> Result<(), ApiError> {
    if user == session.user {
        return Err(conflict(
            "own_account",
            "you cannot change your own role or disable yourself; another administrator can",
        ));
    }
    let others = state.db(move |db| db.other_enabled_admins(user)).await?;
    if others == 0 {
        return Err(conflict(
            "last_admin",
            "this is the last enabled administrator; make another one first",
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleChange {
    role: Role,
}

async fn set_role(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<RoleChange>,
) -> Result<StatusCode, ApiError> {
    let user = user_id(&id)?;
    keep_an_admin(&state, &session, user).await?;
    let role = change.role;
    let now = Timestamp::now();
    let actor = session.actor();
    let found = state
        .db(move |db| {
            let found = db.set_staff_user_role(user, role)?;
            if found {
                db.audit(
                    now,
                    &actor,
                    AuditAction::StaffUserRole,
                    &format!("{user} {role}"),
                )?;
            }
            Ok(found)
        })
        .await?;
    if found {
        // The user's open live streams look again at their sessions.
        state.sessions_changed.send_replace(());
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

async fn disable(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = user_id(&id)?;
    keep_an_admin(&state, &session, user).await?;
    set_disabled(&state, &session, user, true).await
}

async fn enable(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = user_id(&id)?;
    set_disabled(&state, &session, user, false).await
}

async fn set_disabled(
    state: &AppState,
    session: &StaffSession,
    user: StaffUserId,
    disabled: bool,
) -> Result<StatusCode, ApiError> {
    let now = Timestamp::now();
    let actor = session.actor();
    let action = if disabled {
        AuditAction::StaffUserDisable
    } else {
        AuditAction::StaffUserEnable
    };
    let found = state
        .db(move |db| {
            let found = db.set_staff_user_disabled(user, disabled)?;
            if found {
                db.audit(now, &actor, action, &user.to_string())?;
            }
            Ok(found)
        })
        .await?;
    if found {
        // The user's open live streams look again at their sessions.
        state.sessions_changed.send_replace(());
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    password: String,
}

/// Sets a new password an administrator chose (and tells the user by other means); the
/// user's sessions end.
async fn set_password(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let user = user_id(&id)?;
    let password = Password::new(change.password).map_err(refused)?;
    let hash = tokio::task::spawn_blocking(move || password.hash())
        .await
        .map_err(ApiError::internal)?
        .map_err(refused)?;
    let now = Timestamp::now();
    let actor = session.actor();
    let found = state
        .db(move |db| {
            let found = db.set_staff_user_password(user, &hash)?;
            if found {
                db.audit(
                    now,
                    &actor,
                    AuditAction::StaffUserPassword,
                    &user.to_string(),
                )?;
            }
            Ok(found)
        })
        .await?;
    if found {
        // The user's open live streams look again at their sessions.
        state.sessions_changed.send_replace(());
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
