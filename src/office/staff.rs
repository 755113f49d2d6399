//! The staff side: the queue page, its JSON, the live event stream, staff actions and
//! printable check-in codes.

use super::error::{ApiError, ApiJson};
use super::events::QueueEvent;
use super::server::AppState;
use super::store::{Actor, Appointment, KioskHealth, QueueRow};
use crate::api::OutboxHealth;
use crate::domain::{AppointmentId, CheckInId, CheckInStatus, KioskId};
use crate::token::CheckInToken;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::{BroadcastStream, WatchStream};

/// A kiosk silent for longer than this shows as offline.
const KIOSK_OFFLINE_AFTER: SignedDuration = SignedDuration::from_secs(45);

/// Staff are not yet signed in individually; every staff action is audited under this
/// name until staff accounts exist.
const STAFF_ACTOR: &str = "front-desk";

const STAFF_PAGE: &str = include_str!("staff_page.html");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(page))
        .route("/api/staff/v1/queue", get(queue))
        .route("/api/staff/v1/events", get(events))
        .route("/api/staff/v1/checkins/{id}/status", post(set_status))
        .route("/api/staff/v1/kiosks/{id}/help/clear", post(clear_help))
        .route("/api/staff/v1/appointments/{id}/token", get(token))
        .route("/staff/appointments/{id}/qr.svg", get(qr_svg))
}

async fn page() -> impl IntoResponse {
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline' 'self'; img-src 'self'",
            ),
        ],
        Html(STAFF_PAGE),
    )
}

/// One waiting or roomed patient, as the queue page shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct QueueItem {
    pub check_in: CheckInId,
    pub appointment: AppointmentId,
    /// "Last, First"; `None` when the appointment is no longer on file.
    pub patient: Option<String>,
    pub starts_at: Option<String>,
    pub provider: Option<String>,
    pub arrived_at: Timestamp,
    pub status: CheckInStatus,
    pub kiosk: KioskId,
}

/// An appointment not yet checked in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExpectedItem {
    pub appointment: AppointmentId,
    pub patient: String,
    pub starts_at: String,
    pub provider: String,
    pub copay: String,
}

/// A kiosk's health as the page shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KioskItem {
    pub kiosk: KioskId,
    pub online: bool,
    pub last_seen_at: Timestamp,
    /// Unsent rows, or a fault the page shows as an alert.
    pub outbox: OutboxHealth,
    pub scanner_connected: bool,
    pub help_requested_at: Option<Timestamp>,
    pub version: String,
}

/// `GET /api/staff/v1/queue`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct QueueView {
    pub clinic_name: String,
    pub day: String,
    pub now: Timestamp,
    pub checked_in: Vec<QueueItem>,
    pub expected: Vec<ExpectedItem>,
    pub kiosks: Vec<KioskItem>,
}

fn hhmm(appointment: &Appointment) -> String {
    appointment.starts_at.strftime("%H:%M").to_string()
}

async fn queue(State(state): State<AppState>) -> Result<Json<QueueView>, ApiError> {
    let now = Timestamp::now();
    let today = state.today(now);
    let (start, end) = state
        .day_bounds(today)
        .ok_or_else(|| ApiError::internal("clinic day out of range"))?;
    let (rows, appointments, kiosks) = state
        .db(move |db| {
            let rows = db.queue(start, end)?;
            let appointments = db.appointments_on(today)?;
            let kiosks = db.kiosks()?;
            db.audit(
                now,
                &Actor::Staff(STAFF_ACTOR.into()),
                "queue.view",
                &today.to_string(),
            )?;
            Ok((rows, appointments, kiosks))
        })
        .await?;
    let arrived: std::collections::HashSet<_> = rows.iter().map(|r| r.appointment).collect();
    Ok(Json(QueueView {
        clinic_name: state.config.clinic_name.clone(),
        day: today.to_string(),
        now,
        checked_in: rows.into_iter().map(queue_item).collect(),
        expected: appointments
            .into_iter()
            .filter(|a| !arrived.contains(&a.id))
            .map(|a| ExpectedItem {
                appointment: a.id,
                patient: a.patient.staff_form(),
                starts_at: hhmm(&a),
                provider: a.provider,
                copay: a.copay.to_string(),
            })
            .collect(),
        kiosks: kiosks.into_iter().map(|k| kiosk_item(k, now)).collect(),
    }))
}

fn queue_item(row: QueueRow) -> QueueItem {
    QueueItem {
        check_in: row.check_in,
        appointment: row.appointment,
        patient: row.details.as_ref().map(|a| a.patient.staff_form()),
        starts_at: row.details.as_ref().map(hhmm),
        provider: row.details.map(|a| a.provider),
        arrived_at: row.arrived_at,
        status: row.status,
        kiosk: row.kiosk,
    }
}

fn kiosk_item(health: KioskHealth, now: Timestamp) -> KioskItem {
    KioskItem {
        online: now.duration_since(health.last_seen_at) < KIOSK_OFFLINE_AFTER,
        kiosk: health.kiosk,
        last_seen_at: health.last_seen_at,
        outbox: health.outbox,
        scanner_connected: health.scanner_connected,
        help_requested_at: health.help_requested_at,
        version: health.version,
    }
}

/// `GET /api/staff/v1/events`: server-sent events, ids only.
async fn events(
    State(state): State<AppState>,
) -> Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>>> {
    enum Item {
        Queue(Result<QueueEvent, BroadcastStreamRecvError>),
        Stop,
    }
    let queue = BroadcastStream::new(state.events.subscribe()).map(Item::Queue);
    let stop = WatchStream::new(state.stopping.clone())
        .filter(|stopping| *stopping)
        .map(|_| Item::Stop);
    let stream = queue
        .merge(stop)
        .take_while(|item| !matches!(item, Item::Stop))
        .map(|item| {
            let event = match item {
                Item::Queue(Ok(event)) => Event::default()
                    .event("queue")
                    .json_data(&event)
                    .unwrap_or_else(|_| Event::default().event("resync").data("{}")),
                // Too far behind: the page reloads the whole queue.
                Item::Queue(Err(BroadcastStreamRecvError::Lagged(_))) | Item::Stop => {
                    Event::default().event("resync").data("{}")
                }
            };
            Ok(event)
        });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusChange {
    status: CheckInStatus,
}

async fn set_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<StatusChange>,
) -> Result<StatusCode, ApiError> {
    let id = CheckInId::parse(&id).ok_or(ApiError::NotFound)?;
    let now = Timestamp::now();
    let status = change.status;
    let found = state
        .db(move |db| db.set_status(id, status, &Actor::Staff(STAFF_ACTOR.into()), now))
        .await?;
    if !found {
        return Err(ApiError::NotFound);
    }
    state.events.publish(QueueEvent::StatusChanged {
        check_in: id,
        status,
    });
    Ok(StatusCode::NO_CONTENT)
}

async fn clear_help(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let kiosk = KioskId::new(&id).map_err(|_| ApiError::NotFound)?;
    let now = Timestamp::now();
    state
        .db({
            let kiosk = kiosk.clone();
            move |db| {
                db.set_help_requested(&kiosk, None, now)?;
                db.audit(
                    now,
                    &Actor::Staff(STAFF_ACTOR.into()),
                    "kiosk.help.answer",
                    kiosk.as_str(),
                )
            }
        })
        .await?;
    state.events.publish(QueueEvent::KioskHealth { kiosk });
    Ok(StatusCode::NO_CONTENT)
}

/// The signed check-in token for an appointment, valid all of its day.
pub fn token_for(state: &AppState, appointment: &Appointment) -> Option<String> {
    let (_, end_of_day) = state.day_bounds(appointment.day)?;
    let token = CheckInToken {
        clinic: state.config.clinic_id,
        appointment: appointment.id,
        valid_on: appointment.day,
        starts_at: appointment.starts_at,
        expires_at: end_of_day,
    };
    Some(token.sign(&state.signing_key))
}

/// `GET /api/staff/v1/appointments/{id}/token`: the text inside the reminder's QR code.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenView {
    pub appointment: AppointmentId,
    pub token: String,
}

async fn token(
    State(state): State<AppState>,
    Path(id): Path<u64>,
) -> Result<Json<TokenView>, ApiError> {
    let (appointment, token) = signed_token(&state, id).await?;
    Ok(Json(TokenView { appointment, token }))
}

async fn signed_token(state: &AppState, id: u64) -> Result<(AppointmentId, String), ApiError> {
    let now = Timestamp::now();
    let appointment = state
        .db(move |db| {
            let found = db.appointment(AppointmentId::new(id))?;
            if let Some(a) = &found {
                db.audit(
                    now,
                    &Actor::Staff(STAFF_ACTOR.into()),
                    "token.view",
                    &a.id.to_string(),
                )?;
            }
            Ok(found)
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    let token = token_for(state, &appointment).ok_or(ApiError::NotFound)?;
    Ok((appointment.id, token))
}

async fn qr_svg(State(state): State<AppState>, Path(id): Path<u64>) -> Result<Response, ApiError> {
    let (_, token) = signed_token(&state, id).await?;
    let code = qrcode::QrCode::with_error_correction_level(token.as_bytes(), qrcode::EcLevel::M)
        .map_err(ApiError::internal)?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .build();
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}
