//! The audit log for managers: `GET /api/staff/v1/audit` (JSON, newest first, paged) and
//! `GET /staff/audit.csv` (the same filters, every matching entry up to
//! [`EXPORT_MAX`]). Both are audited (`audit.view`, `audit.export`). No guard here: the
//! hub nests these routes under the manager role.
//!
//! Filters (all optional): `from`, `to` (RFC 3339 instants; `from` inclusive, `to`
//! exclusive), `actor` (a label: `staff:NAME`, `kiosk:ID`, `system`), `action` (a code,
//! see `AuditAction`), `subject` (a record id), and for the JSON `before` (a seq: the
//! next page) and `limit` (1..=[`PAGE_MAX`], default [`PAGE_DEFAULT`]).

use super::{AuditAction, AuditContext};
use crate::office::error::ApiError;
use crate::office::server::AppState;
use crate::office::signin::StaffSession;
use crate::office::store::{AuditEntry, AuditFilter};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub const PAGE_DEFAULT: usize = 100;
pub const PAGE_MAX: usize = 1000;
/// The most entries one CSV carries; narrow the filters for more.
pub const EXPORT_MAX: usize = 500_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/staff/v1/audit", get(view))
        .route("/staff/audit.csv", get(export))
}

/// The query string as sent; [`AuditQuery::filter`] checks it.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    from: Option<String>,
    to: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    subject: Option<String>,
    before: Option<String>,
    limit: Option<String>,
}

fn bad(code: &'static str, message: &str) -> ApiError {
    ApiError::BadRequest {
        status: StatusCode::BAD_REQUEST,
        code,
        message: message.to_owned(),
    }
}

/// Empty parameters (an untouched form field) mean "no filter".
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl AuditQuery {
    fn filter(&self) -> Result<AuditFilter, ApiError> {
        let instant = |value: &Option<String>, name| {
            given(value)
                .map(|text| text.parse::<Timestamp>())
                .transpose()
                .map_err(|_| bad("bad_time", name))
        };
        Ok(AuditFilter {
            from: instant(&self.from, "from must be an RFC 3339 instant")?,
            to: instant(&self.to, "to must be an RFC 3339 instant")?,
            actor: given(&self.actor).map(str::to_owned),
            action: given(&self.action)
                .map(str::parse::<AuditAction>)
                .transpose()
                .map_err(|_| bad("bad_action", "no such audit action"))?,
            subject: given(&self.subject).map(str::to_owned),
            before_seq: given(&self.before)
                .map(str::parse::<u64>)
                .transpose()
                .map_err(|_| bad("bad_before", "before must be a seq number"))?,
        })
    }

    fn limit(&self) -> Result<usize, ApiError> {
        match given(&self.limit) {
            None => Ok(PAGE_DEFAULT),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=PAGE_MAX).contains(n))
                .ok_or_else(|| bad("bad_limit", "limit must be 1 to 1000")),
        }
    }
}

/// One page of entries, newest first.
#[derive(Debug, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntryView>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<u64>,
}

/// An entry as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub seq: u64,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub origin: Option<String>,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            origin: e.origin,
        }
    }
}

/// What the view and export audit as their subject: the log itself, not a record.
const SUBJECT: &str = "audit_log";

async fn view(
    State(state): State<AppState>,
    session: StaffSession,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let filter = query.filter()?;
    let limit = query.limit()?;
    let who = session.actor();
    let now = Timestamp::now();
    let entries = state
        .db(move |db| {
            // Read first, so the page shows the log as it was asked for.
            let entries = db.audit_entries(&filter, limit + 1)?;
            db.audit(now, who, AuditAction::AuditView, SUBJECT)?;
            Ok(entries)
        })
        .await?;
    Ok(Json(page(entries, limit)))
}

fn page(mut entries: Vec<AuditEntry>, limit: usize) -> AuditPage {
    let more = entries.len() > limit;
    entries.truncate(limit);
    AuditPage {
        next_before: more.then(|| entries.last().map(|e| e.seq)).flatten(),
        entries: entries.into_iter().map(AuditEntryView::from).collect(),
    }
}

async fn export(
    State(state): State<AppState>,
    session: StaffSession,
    Query(query): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    let filter = query.filter()?;
    let who: AuditContext = session.actor();
    let now = Timestamp::now();
    let entries = state
        .db(move |db| {
            let entries = db.audit_entries(&filter, EXPORT_MAX)?;
            db.audit(now, who, AuditAction::AuditExport, SUBJECT)?;
            Ok(entries)
        })
        .await?;
    let body = to_csv(&entries).map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// The entries as CSV, newest first.
pub fn to_csv(entries: &[AuditEntry]) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["seq", "at", "actor", "action", "subject", "origin"])?;
    for e in entries {
        out.write_record([
            e.seq.to_string(),
            e.at.to_string(),
            inert(&e.actor),
            inert(&e.action),
            inert(&e.subject),
            e.origin.as_deref().map(inert).unwrap_or_default(),
        ])?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    // The writer only ever received `String`s.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A spreadsheet runs a cell starting with `=`, `+`, `-` or `@` as a formula; a staff name
/// or an edited entry could start so, so such cells get a leading `'`.
fn inert(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_filters_are_named() {
        let query = |action: &str, from: &str, limit: &str| AuditQuery {
            action: Some(action.into()),
            from: Some(from.into()),
            limit: Some(limit.into()),
            ..AuditQuery::default()
        };
        let code = |q: AuditQuery| match q.filter().and_then(|_| q.limit()) {
            Err(ApiError::BadRequest { code, .. }) => code,
            other => panic!("{other:?}"),
        };
        assert_eq!(code(query("nope", "", "")), "bad_action");
        assert_eq!(code(query("", "yesterday", "")), "bad_time");
        assert_eq!(code(query("", "", "0")), "bad_limit");
        assert!(
            query("queue.view", "2026-12-03T00:00:00Z", "5")
                .filter()
                .is_ok()
        );
    }

    #[test]
    fn formula_cells_are_made_inert() {
        assert_eq!(inert("=cmd()"), "'=cmd()");
        assert_eq!(inert("staff:ada"), "staff:ada");
    }
}
