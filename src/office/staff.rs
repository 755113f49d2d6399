//! The staff side's queue API: the day's queue, one check-in's row and one kiosk's
//! health (what a live event names), the live event stream, staff actions and printable
//! check-in codes.

use super::details_review::DetailsChangeItem;
use super::error::{ApiError, ApiJson};
use super::events::{Numbered, QueueEvent, Resume, Subscription};
use super::payments::{PaymentItem, PaymentTotals};
use super::server::AppState;
use super::staff_needs::StaffNeedItem;
use super::store::{Appointment, KioskHealth, QueueRow};
use crate::api::{OutboxHealth, PrinterHealth, TerminalHealth};
use crate::domain::{AmountDue, AppointmentId, CheckInId, CheckInStatus, KioskId, StaffName};
use crate::office::audit::{AuditAction, AuditContext};
use crate::office::signin::{SessionToken, StaffSession, TokenDigest};
use crate::token::{CheckInToken, SignError};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::convert::Infallible;
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::{BroadcastStream, WatchStream};

/// A kiosk silent for longer than this shows as offline.
const KIOSK_OFFLINE_AFTER: SignedDuration = SignedDuration::from_secs(45);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/staff/v1/queue", get(queue))
        .route("/api/staff/v1/checkins/{id}", get(check_in))
        .route("/api/staff/v1/kiosk-health", get(kiosk_health))
        .route("/api/staff/v1/kiosk-health/{id}", get(one_kiosk_health))
        .route("/api/staff/v1/events", get(events))
        .route("/api/staff/v1/checkins/{id}/status", post(set_status))
        .route("/api/staff/v1/appointments/{id}/token", get(token))
        .route("/staff/appointments/{id}/qr.svg", get(qr_svg))
}

/// One waiting or roomed patient, as the queue page shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct QueueItem {
    pub check_in: CheckInId,
    pub appointment: AppointmentId,
    /// "Last, First"; `None` when the appointment is no longer on file.
    pub patient: Option<StaffName>,
    pub starts_at: Option<String>,
    pub provider: Option<String>,
    pub arrived_at: Timestamp,
    pub status: CheckInStatus,
    pub kiosk: KioskId,
    /// Co-pay and balance on file; `None` when the appointment is no longer on file.
    pub due: Option<AmountDue>,
    /// The appointment's payments settled today, oldest first.
    pub payments: Vec<PaymentItem>,
}

/// An appointment not yet checked in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExpectedItem {
    pub appointment: AppointmentId,
    pub patient: StaffName,
    pub starts_at: String,
    pub provider: String,
    pub copay: String,
    pub due: AmountDue,
    /// A payment can arrive before its check-in (the co-pay step comes first).
    pub payments: Vec<PaymentItem>,
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
    /// The receipt printer; the page shows paper low, paper out and offline as faults.
    pub printer: PrinterHealth,
    /// The card terminal; the page shows "not answering" as a fault.
    pub terminal: TerminalHealth,
    pub version: String,
}

/// `GET /api/staff/v1/queue`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct QueueView {
    pub clinic_name: String,
    pub day: String,
    pub now: Timestamp,
    /// Patients waiting at a kiosk for staff, oldest first: shown above everything.
    pub staff_needs: Vec<StaffNeedItem>,
    /// Returning patients' contact-detail changes waiting for review.
    pub details_changes: Vec<DetailsChangeItem>,
    pub checked_in: Vec<QueueItem>,
    pub expected: Vec<ExpectedItem>,
    pub kiosks: Vec<KioskItem>,
    /// Today's payments, all kiosks.
    pub payment_totals: PaymentTotals,
}

fn hhmm(appointment: &Appointment) -> String {
    appointment.starts_at.strftime("%H:%M").to_string()
}

async fn queue(
    State(state): State<AppState>,
    session: StaffSession,
) -> Result<Json<QueueView>, ApiError> {
    let now = Timestamp::now();
    let today = state.today(now);
    let (start, end) = state
        .day_bounds(today)
        .ok_or_else(|| ApiError::internal("clinic day out of range"))?;
    let (rows, appointments, kiosks, needs, changes, payments) = state
        .db(move |db| {
            let mut rows = db.queue(start, end)?;
            let mut appointments = db.appointments_on(today)?;
            // The co-pay an eligibility check set replaces the scheduled one.
            let verified = db.verified_copays_on(today)?;
            let details = rows.iter_mut().filter_map(|r| r.details.as_mut());
            for a in appointments.iter_mut().chain(details) {
                a.copay = verified.get(&a.id).copied().unwrap_or(a.copay);
            }
            let kiosks = db.kiosks()?;
            let needs = db.open_needs()?;
            let changes = db.open_details_changes()?;
            let payments = db.payments_settled(start, end)?;
            db.audit(
                now,
                session.actor(),
                AuditAction::QueueView,
                &today.to_string(),
            )?;
            Ok((rows, appointments, kiosks, needs, changes, payments))
        })
        .await?;
    let arrived: std::collections::HashSet<_> = rows.iter().map(|r| r.appointment).collect();
    let payments: Vec<PaymentItem> = payments.iter().map(PaymentItem::from).collect();
    let payment_totals = PaymentTotals::of(&payments);
    let mut by_appointment: HashMap<AppointmentId, Vec<PaymentItem>> = HashMap::new();
    for payment in payments {
        by_appointment
            .entry(payment.appointment)
            .or_default()
            .push(payment);
    }
    Ok(Json(QueueView {
        clinic_name: state.config.clinic_name.clone(),
        day: today.to_string(),
        now,
        staff_needs: needs.into_iter().map(StaffNeedItem::from).collect(),
        details_changes: changes.into_iter().map(DetailsChangeItem::from).collect(),
        checked_in: rows
            .into_iter()
            .map(|row| {
                let payments = by_appointment.remove(&row.appointment).unwrap_or_default();
                queue_item(row, payments)
            })
            .collect(),
        expected: appointments
            .into_iter()
            .filter(|a| !arrived.contains(&a.id))
            .map(|a| ExpectedItem {
                appointment: a.id,
                patient: a.patient.staff_form(),
                starts_at: hhmm(&a),
                copay: a.copay.to_string(),
                due: AmountDue {
                    copay: a.copay,
                    balance: a.balance,
                },
                payments: by_appointment.remove(&a.id).unwrap_or_default(),
                provider: a.provider,
            })
            .collect(),
        kiosks: kiosks.into_iter().map(|k| kiosk_item(k, now)).collect(),
        payment_totals,
    }))
}

/// `GET /api/staff/v1/checkins/{id}`: one of today's check-ins as its queue row, for a
/// page that heard an event name it (audited as a look at that check-in).
async fn check_in(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<Json<QueueItem>, ApiError> {
    let id = CheckInId::parse(&id).ok_or(ApiError::NotFound)?;
    let now = Timestamp::now();
    let today = state.today(now);
    let (start, end) = state
        .day_bounds(today)
        .ok_or_else(|| ApiError::internal("clinic day out of range"))?;
    let found = state
        .db(move |db| {
            let Some(mut row) = db.queue(start, end)?.into_iter().find(|r| r.check_in == id) else {
                return Ok(None);
            };
            if let Some(a) = row.details.as_mut() {
                // The co-pay an eligibility check set replaces the scheduled one.
                a.copay = db
                    .verified_copays_on(today)?
                    .get(&a.id)
                    .copied()
                    .unwrap_or(a.copay);
            }
            let payments = db
                .payments_settled(start, end)?
                .iter()
                .map(PaymentItem::from)
                .filter(|p| p.appointment == row.appointment)
                .collect();
            db.audit(
                now,
                session.actor(),
                AuditAction::CheckInView,
                &id.to_string(),
            )?;
            Ok(Some(queue_item(row, payments)))
        })
        .await?;
    found.map(Json).ok_or(ApiError::NotFound)
}

/// `GET /api/staff/v1/kiosk-health`: every kiosk's health (no PHI).
async fn kiosk_health(State(state): State<AppState>) -> Result<Json<Vec<KioskItem>>, ApiError> {
    let now = Timestamp::now();
    let kiosks = state.db(|db| db.kiosks()).await?;
    Ok(Json(
        kiosks.into_iter().map(|k| kiosk_item(k, now)).collect(),
    ))
}

/// `GET /api/staff/v1/kiosk-health/{id}`: one kiosk's, for a page that heard its heartbeat.
async fn one_kiosk_health(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<KioskItem>, ApiError> {
    let id = KioskId::new(&id).map_err(|_| ApiError::NotFound)?;
    let now = Timestamp::now();
    let kiosks = state.db(|db| db.kiosks()).await?;
    kiosks
        .into_iter()
        .find(|k| k.kiosk == id)
        .map(|k| Json(kiosk_item(k, now)))
        .ok_or(ApiError::NotFound)
}

fn queue_item(row: QueueRow, payments: Vec<PaymentItem>) -> QueueItem {
    QueueItem {
        check_in: row.check_in,
        appointment: row.appointment,
        patient: row.details.as_ref().map(|a| a.patient.staff_form()),
        starts_at: row.details.as_ref().map(hhmm),
        due: row.details.as_ref().map(|a| AmountDue {
            copay: a.copay,
            balance: a.balance,
        }),
        payments,
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
        printer: health.printer,
        terminal: health.terminal,
        version: health.version,
    }
}

/// How often the live stream sends a comment to keep proxies from closing it, and looks
/// again at its session (idle and absolute expiry).
pub const STREAM_KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(15);

/// `GET /api/staff/v1/events`: server-sent events, ids only. Each carries its `id:`; a
/// page that reconnects with `Last-Event-ID` (browsers do) first gets what it missed, or
/// a `resync` (reload the queue) when that is no longer known here. The stream ends when
/// the hub stops or when the session it was opened with ends: signed out, its user
/// disabled, or expired (looked at whenever a session may have ended anywhere on the hub,
/// and every keep-alive period).
async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>>> {
    enum Item {
        Send(Event),
        Stop,
    }
    // A header that is not text is as unknown as a wrong id: resync.
    let last_seen = headers
        .get("last-event-id")
        .map(|value| value.to_str().unwrap_or_default());
    let Subscription { resume, live } = state.events.resume(last_seen);
    let first: Vec<Event> = match resume {
        // A fresh page: an event with the newest id and nothing else, which browsers take
        // as the id to resume from and dispatch to no one. Without it a page that heard
        // nothing before its stream dropped would reconnect with no id, and miss
        // whatever happened in between.
        Resume::Fresh { upto } => vec![Event::default().id(upto.to_string())],
        Resume::Replay(missed) => missed.iter().map(queue_event).collect(),
        // With the newest id, so the page's next reconnect resumes from here.
        Resume::Resync { upto } => vec![resync().id(upto.to_string())],
    };
    let live = BroadcastStream::new(live).map(|item| {
        Item::Send(match item {
            Ok(numbered) => queue_event(&numbered),
            // Too far behind: the page reloads the whole queue. No id: the events that
            // follow still carry theirs, and ids never go backwards for the page.
            Err(BroadcastStreamRecvError::Lagged(_)) => resync(),
        })
    });
    let stop = WatchStream::new(state.stopping.clone())
        .filter(|stopping| *stopping)
        .map(|_| Item::Stop);
    let digest = SessionToken::from_headers(&headers).map(|token| token.digest());
    let signed_out = WatchStream::new(watch_session(state.clone(), digest))
        .filter(|ended| *ended)
        .map(|_| Item::Stop);
    let stream = tokio_stream::iter(first.into_iter().map(Item::Send))
        .chain(live)
        .merge(stop)
        .merge(signed_out)
        .map_while(|item| match item {
            Item::Send(event) => Some(Ok(event)),
            Item::Stop => None,
        });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(STREAM_KEEP_ALIVE))
}

/// Turns true once the session `digest` names has ended. The watching task ends with the
/// stream (when every receiver is gone) or with the session.
fn watch_session(
    state: AppState,
    digest: Option<TokenDigest>,
) -> tokio::sync::watch::Receiver<bool> {
    let (ended, receiver) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let over = tokio::select! {
            () = session_ends(&state, digest) => true,
            () = ended.closed() => false,
        };
        if over {
            let _ = ended.send(true);
        }
    });
    receiver
}

/// Returns once the session is no longer live. A store error is not an ending: the next
/// look decides.
async fn session_ends(state: &AppState, digest: Option<TokenDigest>) {
    // The gate let the stream open with a session; without a cookie now there is none.
    let Some(digest) = digest else { return };
    let mut changed = state.sessions_changed.subscribe();
    let mut every = tokio::time::interval(STREAM_KEEP_ALIVE);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        tokio::select! {
            _ = every.tick() => {}
            // The sender is in the hub's state, which this task holds: it cannot be
            // dropped while this runs, so this never fails.
            _ = changed.changed() => {}
        }
        let limits = state.config.staff.limits();
        let live = state
            .db(move |db| db.staff_session_live(digest, limits, Timestamp::now()))
            .await;
        if matches!(live, Ok(false)) {
            return;
        }
    }
}

fn resync() -> Event {
    Event::default().event("resync").data("{}")
}

fn queue_event(numbered: &Numbered) -> Event {
    Event::default()
        .id(numbered.id.to_string())
        .event("queue")
        .json_data(&numbered.event)
        .unwrap_or_else(|_| resync())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusChange {
    status: CheckInStatus,
}

async fn set_status(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<StatusChange>,
) -> Result<StatusCode, ApiError> {
    let id = CheckInId::parse(&id).ok_or(ApiError::NotFound)?;
    let now = Timestamp::now();
    let status = change.status;
    let found = state
        .db(move |db| db.set_status(id, status, session.actor(), now))
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

/// Why no check-in code can be made for an appointment. Names no one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("the appointment's day has no end in the clinic's time zone")]
    DayOutOfRange,
    #[error(transparent)]
    Sign(#[from] SignError),
}

/// The signed check-in token for an appointment, valid all of its day.
pub fn token_for(state: &AppState, appointment: &Appointment) -> Result<String, CodeError> {
    let (_, end_of_day) = state
        .day_bounds(appointment.day)
        .ok_or(CodeError::DayOutOfRange)?;
    let token = CheckInToken {
        clinic: state.config.clinic_id,
        appointment: appointment.id,
        valid_on: appointment.day,
        starts_at: appointment.starts_at,
        expires_at: end_of_day,
    };
    Ok(token.sign(&state.signing_key)?)
}

/// `GET /api/staff/v1/appointments/{id}/token`: the text inside the reminder's QR code.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenView {
    pub appointment: AppointmentId,
    pub token: String,
}

async fn token(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<u64>,
) -> Result<Json<TokenView>, ApiError> {
    let (appointment, token) = signed_token(&state, &session, id).await?;
    Ok(Json(TokenView { appointment, token }))
}

async fn signed_token(
    state: &AppState,
    session: &StaffSession,
    id: u64,
) -> Result<(AppointmentId, String), ApiError> {
    let now = Timestamp::now();
    let actor = session.actor();
    let appointment = state
        .db(move |db| {
            let found = db.appointment(AppointmentId::new(id))?;
            if let Some(a) = &found {
                db.audit(now, &actor, AuditAction::TokenView, &a.id.to_string())?;
            }
            Ok(found)
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    let token = token_for(state, &appointment).map_err(|error| {
        tracing::error!(appointment = %appointment.id, %error, "cannot make a check-in code");
        ApiError::Server {
            code: "code_unavailable",
            message: "no check-in code can be made for this appointment: its date or time \
                      is outside what a code can carry; check the appointment in the \
                      practice-management system"
                .into(),
        }
    })?;
    Ok((appointment.id, token))
}

async fn qr_svg(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let (_, token) = signed_token(&state, &session, id).await?;
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

/// Reads something for each of today's appointments and registrations in one store call
/// (appointments by start time, then registrations), auditing the staff view as `action`.
/// `read` answers `None` for a subject with nothing to show.
pub(crate) async fn read_day_subjects<T: Send + 'static>(
    state: &AppState,
    actor: AuditContext,
    action: AuditAction,
    read: impl Fn(
        &super::store::OfficeStore,
        crate::api::FormSubject,
    ) -> Result<Option<T>, super::store::StoreError>
    + Send
    + 'static,
) -> Result<(Vec<T>, Vec<T>), ApiError> {
    use crate::api::FormSubject;
    let now = Timestamp::now();
    let today = state.today(now);
    let (start, end) = state
        .day_bounds(today)
        .ok_or_else(|| ApiError::internal("clinic day out of range"))?;
    state
        .db(move |db| {
            let mut appointments = Vec::new();
            for a in db.appointments_on(today)? {
                appointments.extend(read(db, FormSubject::Appointment(a.id))?);
            }
            let mut registrations = Vec::new();
            for r in db.registrations(start, end)? {
                registrations.extend(read(db, FormSubject::Registration(r.id))?);
            }
            db.audit(now, &actor, action, &today.to_string())?;
            Ok((appointments, registrations))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::PersonName;

    #[test]
    fn debug_of_the_queue_view_names_no_one() {
        let name = PersonName::new("Ada", "Testpatient").unwrap();
        let view = QueueView {
            clinic_name: "Demo Family Practice".into(),
            day: "2026-11-23".into(),
            now: "2026-11-23T15:00:00Z".parse().unwrap(),
            staff_needs: Vec::new(),
            details_changes: Vec::new(),
            checked_in: vec![QueueItem {
                check_in: CheckInId::random(),
                appointment: AppointmentId::new(7),
                patient: Some(name.staff_form()),
                starts_at: Some("09:30".into()),
                provider: Some("Dr. Demo Able".into()),
                arrived_at: "2026-11-23T14:55:00Z".parse().unwrap(),
                status: CheckInStatus::Arrived,
                kiosk: KioskId::new("lobby-1").unwrap(),
                due: Some(AmountDue::default()),
                payments: Vec::new(),
            }],
            expected: vec![ExpectedItem {
                appointment: AppointmentId::new(8),
                patient: PersonName::new("Bruno", "Sample").unwrap().staff_form(),
                starts_at: "09:45".into(),
                provider: "Dr. Demo Able".into(),
                copay: "$25.00".into(),
                due: AmountDue::default(),
                payments: Vec::new(),
            }],
            kiosks: Vec::new(),
            payment_totals: PaymentTotals::default(),
        };
        let debug = format!("{view:?}");
        for part in ["Ada", "Testpatient", "Bruno", "Sample"] {
            assert!(!debug.contains(part), "{part} in {debug}");
        }
        assert!(
            debug.contains("lobby-1"),
            "the rest is still there: {debug}"
        );
        // The page still gets the names.
        let json = serde_json::to_string(&view).unwrap();
        assert!(json.contains("\"Testpatient, Ada\"") && json.contains("\"Sample, Bruno\""));
    }
}
