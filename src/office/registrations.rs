//! New-patient registrations at the office: opened from a kiosk's sealed outbox, stored
//! once by id, announced to staff, listed on the staff page flagged for review, and
//! accepted into the day's list (a walk-in appointment, already checked in) or discarded.
//!
//! Every PHI route is audited (`registration.list`, `.accept`, `.reject`), like the queue.

use super::error::ApiError;
use super::events::QueueEvent;
use super::server::AppState;
use super::store::{AcceptOutcome, RegistrationRow, RegistrationStatus, RejectOutcome, WalkIn};
use crate::api::{RegistrationSubmission, SubmissionOutcome, SubmissionReceipt};
use crate::domain::{
    AppointmentId, FieldSource, KioskId, Language, NewPatientRegistration, RegistrationId,
    SexOptions, Sourced, StaffName,
};
use crate::office::audit::AuditAction;
use crate::office::signin::StaffSession;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/staff/v1/registrations", get(list))
        .route("/api/staff/v1/registrations/{id}/accept", post(accept))
        .route("/api/staff/v1/registrations/{id}/discard", post(discard))
}

/// A registration, opened from its sealed delivery: stored once, announced once.
pub(super) async fn receive(
    state: &AppState,
    kiosk: KioskId,
    submission: RegistrationSubmission,
) -> Result<(StatusCode, Json<SubmissionReceipt>), ApiError> {
    if submission.clinic != state.config.clinic_id {
        return Err(ApiError::BadRequest {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "wrong_clinic",
            message: format!("this office is clinic {}", state.config.clinic_id),
        });
    }
    let id = submission.id;
    let now = Timestamp::now();
    let outcome = state
        .db({
            let kiosk = kiosk.clone();
            move |db| db.record_registration(&submission, &kiosk, now)
        })
        .await?;
    tracing::info!(registration = %id, %kiosk, ?outcome, "registration received");
    let status = if outcome == SubmissionOutcome::Accepted {
        state
            .events
            .publish(QueueEvent::RegistrationReceived { registration: id });
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(SubmissionReceipt { outcome })))
}

/// `GET /api/staff/v1/registrations`: today's registrations and any still pending.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RegistrationsView {
    pub registrations: Vec<RegistrationItem>,
}

/// One registration as the staff page shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RegistrationItem {
    pub id: RegistrationId,
    pub kiosk: KioskId,
    pub received_at: Timestamp,
    pub status: RegistrationStatus,
    /// The walk-in appointment, once accepted.
    pub appointment: Option<AppointmentId>,
    /// "Last, First"; `None` once discarded.
    pub patient: Option<StaffName>,
    /// What the patient entered, in form order; empty once discarded.
    pub details: Vec<DetailLine>,
}

/// One field of a registration, ready to show. `Debug` hides the value.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DetailLine {
    pub label: String,
    pub value: String,
    /// Where it came from; `None` for what has no source (the kiosk language).
    pub source: Option<FieldSource>,
}

impl fmt::Debug for DetailLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DetailLine")
            .field("label", &self.label)
            .field("value", &"<redacted>")
            .field("source", &self.source)
            .finish()
    }
}

fn line<T>(label: &str, field: &Sourced<T>, show: impl FnOnce(&T) -> String) -> DetailLine {
    DetailLine {
        label: label.to_owned(),
        value: show(&field.value),
        source: Some(field.source),
    }
}

/// The registration's fields as staff read them (English; US date and phone styles; the
/// age on `today`, the clinic's day).
pub fn detail_lines(
    registration: &NewPatientRegistration,
    sexes: &SexOptions,
    today: Date,
) -> Vec<DetailLine> {
    let mut lines = vec![line("Legal name", &registration.legal_name, |n| {
        n.staff_form().to_string()
    })];
    if let Some(preferred) = &registration.preferred_name {
        lines.push(line("Preferred name", preferred, |n| n.as_str().to_owned()));
    }
    lines.push(line("Date of birth", &registration.date_of_birth, |d| {
        let born = d.date().strftime("%b %-d, %Y");
        match d.date().until((jiff::Unit::Year, today)) {
            Ok(age) if age.get_years() >= 0 => format!("{born} (age {})", age.get_years()),
            // Born after the clinic's today (a kiosk clock ahead): no age to show.
            _ => born.to_string(),
        }
    }));
    if let Some(sex) = &registration.sex {
        lines.push(line("Sex / gender", sex, |code| {
            // A code the office no longer lists is shown as it is.
            sexes.find(code).map_or_else(
                || code.as_str().to_owned(),
                |o| o.label(Language::English).to_owned(),
            )
        }));
    }
    lines.push(line("Address", &registration.address, |a| {
        a.lines().join(", ")
    }));
    lines.push(line("Phone", &registration.phone, |p| p.formatted()));
    if let Some(email) = &registration.email {
        lines.push(line("Email", email, |e| e.as_str().to_owned()));
    }
    lines.push(DetailLine {
        label: "Preferred language".into(),
        value: match registration.language {
            Language::English => "English",
            Language::Spanish => "Spanish",
        }
        .into(),
        source: None,
    });
    if let Some(contact) = &registration.emergency_contact {
        lines.push(line("Emergency contact", contact, |c| {
            format!(
                "{} ({}), {}",
                c.name.staff_form().as_str(),
                c.relationship.english(),
                c.phone.formatted()
            )
        }));
    }
    lines
}

fn item(row: RegistrationRow, sexes: &SexOptions, today: Date) -> RegistrationItem {
    RegistrationItem {
        id: row.id,
        kiosk: row.kiosk,
        received_at: row.received_at,
        status: row.status,
        appointment: row.appointment,
        patient: row
            .registration
            .as_ref()
            .map(|r| r.legal_name.value.staff_form()),
        details: row
            .registration
            .as_ref()
            .map(|r| detail_lines(r, sexes, today))
            .unwrap_or_default(),
    }
}

async fn list(
    State(state): State<AppState>,
    session: StaffSession,
) -> Result<Json<RegistrationsView>, ApiError> {
    let now = Timestamp::now();
    let today = state.today(now);
    let (start, end) = state
        .day_bounds(today)
        .ok_or_else(|| ApiError::internal("clinic day out of range"))?;
    let rows = state
        .db(move |db| {
            let rows = db.registrations(start, end)?;
            db.audit(
                now,
                session.actor(),
                AuditAction::RegistrationList,
                &today.to_string(),
            )?;
            Ok(rows)
        })
        .await?;
    let sexes = &state.config.sex_options;
    Ok(Json(RegistrationsView {
        registrations: rows
            .into_iter()
            .map(|row| item(row, sexes, today))
            .collect(),
    }))
}

/// What accepting answers: the walk-in appointment the patient is on.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct AcceptView {
    pub appointment: Option<AppointmentId>,
}

async fn accept(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<Json<AcceptView>, ApiError> {
    let id = RegistrationId::parse(&id).ok_or(ApiError::NotFound)?;
    let now = Timestamp::now();
    let today = state.today(now);
    let walk_in = WalkIn {
        day: today,
        starts_at: now.to_zoned(state.timezone.clone()).time(),
        day_start: state
            .day_start(today)
            .ok_or_else(|| ApiError::internal("clinic day out of range"))?,
    };
    let outcome = state
        .db(move |db| db.accept_registration(id, walk_in, session.actor(), now))
        .await?;
    match outcome {
        AcceptOutcome::Accepted {
            appointment,
            check_in,
        } => {
            tracing::info!(registration = %id, %appointment, %check_in, "registration accepted");
            state.events.publish(QueueEvent::CheckedIn {
                check_in,
                appointment,
            });
            state
                .events
                .publish(QueueEvent::RegistrationReviewed { registration: id });
            Ok(Json(AcceptView {
                appointment: Some(appointment),
            }))
        }
        AcceptOutcome::AlreadyAccepted { appointment } => Ok(Json(AcceptView { appointment })),
        AcceptOutcome::AlreadyRejected => Err(ApiError::BadRequest {
            status: StatusCode::CONFLICT,
            code: "registration_discarded",
            message: "this registration was discarded; it cannot be accepted".into(),
        }),
        AcceptOutcome::NotFound => Err(ApiError::NotFound),
    }
}

async fn discard(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = RegistrationId::parse(&id).ok_or(ApiError::NotFound)?;
    let now = Timestamp::now();
    let outcome = state
        .db(move |db| db.reject_registration(id, session.actor(), now))
        .await?;
    match outcome {
        RejectOutcome::Rejected => {
            tracing::info!(registration = %id, "registration discarded");
            state
                .events
                .publish(QueueEvent::RegistrationReviewed { registration: id });
            Ok(StatusCode::NO_CONTENT)
        }
        RejectOutcome::AlreadyRejected => Ok(StatusCode::NO_CONTENT),
        RejectOutcome::AlreadyAccepted => Err(ApiError::BadRequest {
            status: StatusCode::CONFLICT,
            code: "registration_accepted",
            message: "this registration was accepted; the patient is on today's list".into(),
        }),
        RejectOutcome::NotFound => Err(ApiError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SexOption;

    /// The longest registration the form can make, in 4-byte characters wherever free
    /// text goes, still fits a request body the office reads.
    #[test]
    fn the_largest_registration_fits_a_request_once_sealed() {
        use crate::api::{OutboxBody, SealedDelivery};
        use crate::domain::{
            EmailAddress, EmergencyContact, PersonName, PhoneNumber, PostalAddress, PreferredName,
            Relationship, SexCode, UsState, ZipCode,
        };
        let wide = |n: usize| "𝔸".repeat(n);
        let name = || PersonName::new(&wide(64), &wide(64)).unwrap();
        let mut submission = RegistrationSubmission::sample();
        let r = &mut submission.registration;
        r.legal_name.value = name();
        r.preferred_name = Some(Sourced::typed(PreferredName::new(&wide(64)).unwrap()));
        r.sex = Some(Sourced::typed(SexCode::new(&"x".repeat(32)).unwrap()));
        r.address.value = PostalAddress::new(
            &wide(64),
            &wide(64),
            &wide(40),
            UsState::parse("IL").unwrap(),
            ZipCode::parse("62701-1234").unwrap(),
        )
        .unwrap();
        let domain = format!(
            "{}.{}.{}.com",
            "b".repeat(60),
            "c".repeat(60),
            "d".repeat(63)
        );
        r.email = Some(Sourced::typed(
            EmailAddress::parse(&format!("{}@{domain}", "a".repeat(64))).unwrap(),
        ));
        r.emergency_contact = Some(Sourced::typed(EmergencyContact {
            name: name(),
            relationship: Relationship::Guardian,
            phone: PhoneNumber::parse("2175550123").unwrap(),
        }));
        let key = crate::seal::SealSecretKey::generate().unwrap();
        let delivery = SealedDelivery::seal(
            &OutboxBody::Registration(Box::new(submission)),
            &key.public_key(),
        )
        .unwrap();
        let body = serde_json::to_vec(&delivery).unwrap();
        assert!(
            body.len() < super::super::server::MAX_BODY / 2,
            "{} bytes",
            body.len()
        );
    }

    #[test]
    fn details_read_as_staff_expect_and_debug_names_no_one() {
        let registration = NewPatientRegistration::sample();
        let today = Date::constant(2026, 11, 25);
        let lines = detail_lines(&registration, &SexOptions::default(), today);
        let shown: Vec<(&str, &str)> = lines
            .iter()
            .map(|l| (l.label.as_str(), l.value.as_str()))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("Legal name", "Testpatient, Ada"),
                ("Preferred name", "Addie"),
                ("Date of birth", "Jan 2, 1950 (age 76)"),
                ("Sex / gender", "Female"),
                ("Address", "123 Example St, Apt 4, Testville, IL 62701"),
                ("Phone", "(217) 555-0123"),
                ("Email", "ada@example.com"),
                ("Preferred language", "Spanish"),
                (
                    "Emergency contact",
                    "Sample, Bruno (Sibling), (217) 555-0199"
                ),
            ]
        );
        assert_eq!(lines[0].source, Some(FieldSource::FromLicence));
        assert_eq!(lines[1].source, Some(FieldSource::TypedAtKiosk));
        let debug = format!("{lines:?}");
        for secret in [
            "Testpatient",
            "Addie",
            "1950",
            "Example",
            "555",
            "example.com",
        ] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        // An office that renamed its options still shows the code it no longer lists.
        let other = SexOptions::new(vec![SexOption::new("x", "X", "X").unwrap()]).unwrap();
        let lines = detail_lines(&registration, &other, today);
        assert!(lines.iter().any(|l| l.value == "female"));
        // The day before a birthday, and a date of birth after the clinic's today.
        let lines = detail_lines(&registration, &other, Date::constant(2026, 1, 1));
        assert!(lines.iter().any(|l| l.value == "Jan 2, 1950 (age 75)"));
        let lines = detail_lines(&registration, &other, Date::constant(1949, 1, 1));
        assert!(lines.iter().any(|l| l.value == "Jan 2, 1950"));
    }
}
