//! Co-pays at the office: a kiosk's sealed payment report is checked (its appointment
//! known, its amount plausible) and stored once through the intake; staff see each
//! payment on its patient's row with the day's totals, and an end-of-day report per
//! kiosk (`GET /staff/reports/payments?day=YYYY-MM-DD[&format=csv]`), audited like the
//! queue. Money is integer cents throughout; only the page and the report write dollars.
//! Of the card, staff see the last four digits the terminal printed, never more.

use super::error::ApiError;
use super::server::AppState;
use super::store::{PaymentRow, PaymentStored};
use super::templates::{Page, render};
use crate::api::{PaymentSubmission, SubmissionOutcome, SubmissionReceipt};
use crate::domain::{
    AmountDue, AppointmentId, Cents, KioskId, MaskedCard, PaymentId, PaymentOutcome, PaymentProblem,
};
use crate::office::audit::AuditAction;
use crate::office::signin::StaffSession;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// No co-pay taken at a kiosk is above this ($10,000): more is a garbled amount.
pub const MAX_PLAUSIBLE_CENTS: u64 = 1_000_000;
/// Nor above this many times what was due (co-pay and balance together).
pub const MAX_TIMES_DUE: u64 = 10;

/// Why the office refused a payment report; nothing of it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PaymentRefused {
    #[error("the payment names no appointment this office knows")]
    UnknownAppointment,
    #[error(
        "amount paid ({paid}) is implausible for {due} due: more than {MAX_TIMES_DUE} times \
         what was due, or over $10,000.00"
    )]
    Implausible { paid: Cents, due: Cents },
    #[error("a different payment was stored under this payment id before")]
    Conflict,
}

impl PaymentRefused {
    /// The stable code in the error body.
    pub fn code(self) -> &'static str {
        match self {
            PaymentRefused::UnknownAppointment => "unknown_appointment",
            PaymentRefused::Implausible { .. } => "implausible_amount",
            PaymentRefused::Conflict => "payment_conflict",
        }
    }
}

/// Co-pay and balance together, saturating (each is at most `u32::MAX` cents).
fn total_due(due: AmountDue) -> u64 {
    u64::from(due.copay.get()) + u64::from(due.balance.get())
}

/// Refuses an amount paid over [`MAX_TIMES_DUE`] times what the kiosk was told was due,
/// or over [`MAX_PLAUSIBLE_CENTS`]: a misread amount, not a co-pay.
pub fn check_plausible(payment: &PaymentSubmission) -> Result<(), PaymentRefused> {
    let PaymentOutcome::Paid { amount, .. } = &payment.outcome else {
        return Ok(());
    };
    let paid = u64::from(amount.get());
    let due = total_due(payment.due);
    if paid > MAX_PLAUSIBLE_CENTS || paid > due.saturating_mul(MAX_TIMES_DUE) {
        return Err(PaymentRefused::Implausible {
            paid: *amount,
            due: Cents::new(u32::try_from(due).unwrap_or(u32::MAX)),
        });
    }
    Ok(())
}

/// How a payment ended, as staff read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Paid,
    /// Declined at the terminal, then left for the desk.
    Declined,
    /// The patient chose to pay at the desk.
    PayAtDesk,
    /// Cut short; the terminal charged nothing.
    NotPaid,
    /// Unsettled: staff must check the terminal.
    NeedsStaff,
}

impl PaymentStatus {
    pub fn of(outcome: &PaymentOutcome) -> Self {
        match outcome {
            PaymentOutcome::Paid { .. } => PaymentStatus::Paid,
            PaymentOutcome::PayAtDesk { declines: 0 } => PaymentStatus::PayAtDesk,
            PaymentOutcome::PayAtDesk { .. } => PaymentStatus::Declined,
            PaymentOutcome::NotPaid => PaymentStatus::NotPaid,
            PaymentOutcome::NeedsStaff { .. } => PaymentStatus::NeedsStaff,
        }
    }

    /// Whether the desk still has the amount due to collect.
    pub fn to_collect_at_desk(self) -> bool {
        matches!(
            self,
            PaymentStatus::Declined | PaymentStatus::PayAtDesk | PaymentStatus::NotPaid
        )
    }
}

/// One payment as the staff page shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PaymentItem {
    pub payment: PaymentId,
    pub appointment: AppointmentId,
    pub kiosk: KioskId,
    pub settled_at: Timestamp,
    pub status: PaymentStatus,
    /// What was due when the patient started.
    pub due: AmountDue,
    /// Paid only.
    pub amount: Option<Cents>,
    /// The last digits of the masked card the terminal printed (paid only).
    pub card_last4: Option<String>,
    pub auth_code: Option<String>,
    /// Declined attempts before the patient went to the desk.
    pub declines: u8,
    pub problem: Option<PaymentProblem>,
    /// Found approved by the kiosk's reconciliation after a restart.
    pub recovered: bool,
}

/// Up to four digits at the end of the masked card (`************0019` → `0019`).
fn last4(card: &MaskedCard) -> Option<String> {
    let digits: Vec<char> = card
        .as_str()
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .take(4)
        .collect();
    (!digits.is_empty()).then(|| digits.into_iter().rev().collect())
}

impl From<&PaymentRow> for PaymentItem {
    fn from(row: &PaymentRow) -> Self {
        let payment = &row.submission;
        let mut item = PaymentItem {
            payment: payment.id,
            appointment: payment.appointment,
            kiosk: row.kiosk.clone(),
            settled_at: payment.settled_at,
            status: PaymentStatus::of(&payment.outcome),
            due: payment.due,
            amount: None,
            card_last4: None,
            auth_code: None,
            declines: 0,
            problem: None,
            recovered: false,
        };
        match &payment.outcome {
            PaymentOutcome::Paid {
                amount,
                card,
                auth_code,
                recovered,
                ..
            } => {
                item.amount = Some(*amount);
                item.card_last4 = last4(card);
                item.auth_code = Some(auth_code.as_str().to_owned());
                item.recovered = *recovered;
            }
            PaymentOutcome::PayAtDesk { declines } => item.declines = *declines,
            PaymentOutcome::NotPaid => {}
            PaymentOutcome::NeedsStaff { problem } => item.problem = Some(*problem),
        }
        item
    }
}

/// How many, and how much (cents).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub count: u32,
    pub cents: u64,
}

impl Tally {
    fn add(&mut self, cents: u64) {
        self.count += 1;
        self.cents += cents;
    }
}

/// The day's payments at a glance, for the staff page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentTotals {
    /// Paid at a kiosk, and the sum taken.
    pub paid: Tally,
    /// Left for the desk (declined, chose the desk, or cut short), and the sum due.
    pub pay_at_desk: Tally,
    /// Unsettled payments staff must check at the terminal.
    pub needs_staff: u32,
}

impl PaymentTotals {
    pub fn of<'a>(items: impl IntoIterator<Item = &'a PaymentItem>) -> Self {
        let mut totals = Self::default();
        for item in items {
            match item.status {
                PaymentStatus::Paid => totals
                    .paid
                    .add(u64::from(item.amount.unwrap_or_default().get())),
                PaymentStatus::NeedsStaff => totals.needs_staff += 1,
                status if status.to_collect_at_desk() => {
                    totals.pay_at_desk.add(total_due(item.due));
                }
                _ => {}
            }
        }
        totals
    }
}

/// One kiosk's line of the end-of-day report, or the whole day's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskDay {
    /// `None`: the line of all kiosks together.
    pub kiosk: Option<KioskId>,
    /// Every payment the kiosk reported that day, however it ended.
    pub payments: u32,
    pub paid: Tally,
    /// Declined at the terminal, then left for the desk.
    pub declined: u32,
    /// Chose the desk without trying the card.
    pub pay_at_desk: u32,
    pub not_paid: u32,
    pub needs_staff: u32,
    /// What the desk has to collect: the amount due of the declined, pay-at-desk and
    /// not-paid payments.
    pub due_at_desk_cents: u64,
    /// What the card terminal says it took that day, when the kiosk closed the terminal's
    /// day: set beside `paid` so a difference shows.
    pub terminal_batch: Option<Tally>,
}

impl KioskDay {
    fn add(&mut self, item: &PaymentItem) {
        self.payments += 1;
        match item.status {
            PaymentStatus::Paid => self
                .paid
                .add(u64::from(item.amount.unwrap_or_default().get())),
            PaymentStatus::Declined => self.declined += 1,
            PaymentStatus::PayAtDesk => self.pay_at_desk += 1,
            PaymentStatus::NotPaid => self.not_paid += 1,
            PaymentStatus::NeedsStaff => self.needs_staff += 1,
        }
        if item.status.to_collect_at_desk() {
            self.due_at_desk_cents += total_due(item.due);
        }
    }
}

/// The report: one line per kiosk (by name), then the whole day's; each kiosk's terminal
/// batch beside its payments, where the kiosk closed the terminal's day.
pub fn kiosk_days<'a>(
    items: impl IntoIterator<Item = &'a PaymentItem>,
    batches: &[(KioskId, Tally)],
) -> Vec<KioskDay> {
    let mut kiosks: BTreeMap<KioskId, KioskDay> = BTreeMap::new();
    let mut all = KioskDay::default();
    let line = |kiosk: &KioskId| KioskDay {
        kiosk: Some(kiosk.clone()),
        ..KioskDay::default()
    };
    for item in items {
        kiosks
            .entry(item.kiosk.clone())
            .or_insert_with(|| line(&item.kiosk))
            .add(item);
        all.add(item);
    }
    for (kiosk, batch) in batches {
        kiosks
            .entry(kiosk.clone())
            .or_insert_with(|| line(kiosk))
            .terminal_batch = Some(*batch);
        let total = all.terminal_batch.get_or_insert_with(Tally::default);
        total.count += batch.count;
        total.cents += batch.cents;
    }
    kiosks.into_values().chain([all]).collect()
}

/// The whole day's line is named with a space, which no kiosk name has.
const ALL_KIOSKS: &str = "all kiosks";

/// Cents as `$25.00` (thousands unseparated, like [`Cents`]).
fn dollars(cents: u64) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

/// The CSV report: dollars as `25.00`, as the appointments import writes them.
pub fn report_csv(days: &[KioskDay]) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "kiosk",
        "payments",
        "paid",
        "paid_total",
        "declined",
        "pay_at_desk",
        "not_paid",
        "needs_staff",
        "due_at_desk",
        "terminal_batch",
        "terminal_batch_total",
    ])?;
    for day in days {
        let plain = |cents: u64| format!("{}.{:02}", cents / 100, cents % 100);
        out.write_record([
            day.kiosk
                .as_ref()
                .map_or(ALL_KIOSKS, KioskId::as_str)
                .to_owned(),
            day.payments.to_string(),
            day.paid.count.to_string(),
            plain(day.paid.cents),
            day.declined.to_string(),
            day.pay_at_desk.to_string(),
            day.not_paid.to_string(),
            day.needs_staff.to_string(),
            plain(day.due_at_desk_cents),
            day.terminal_batch
                .map_or_else(String::new, |b| b.count.to_string()),
            day.terminal_batch
                .map_or_else(String::new, |b| plain(b.cents)),
        ])?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// One line of the HTML report, as its template shows it (money already in dollars).
#[derive(Debug, Serialize)]
struct ReportRow {
    /// The kiosk's name; `None` on the day's total line.
    kiosk: Option<String>,
    name: String,
    payments: u32,
    paid_count: u32,
    paid_total: String,
    declined: u32,
    pay_at_desk: u32,
    not_paid: u32,
    needs_staff: u32,
    due_at_desk: String,
    /// A dash before the day is closed.
    batch: Option<ReportBatch>,
}

/// The terminal's batch beside what the kiosk reported.
#[derive(Debug, Serialize)]
struct ReportBatch {
    count: u32,
    total: String,
    /// Differs from what the kiosk reported as paid: marked for the desk to look into.
    differs: bool,
}

#[derive(Debug, Serialize)]
struct ReportPage {
    clinic: String,
    day: String,
    rows: Vec<ReportRow>,
}

/// The HTML report (`views/payments_report.html`): a printable table, the day's total
/// last.
pub fn report_html(clinic: &str, day: Date, days: &[KioskDay]) -> Result<String, ApiError> {
    let rows = days
        .iter()
        .map(|d| ReportRow {
            kiosk: d.kiosk.as_ref().map(|k| k.as_str().to_owned()),
            name: d
                .kiosk
                .as_ref()
                .map_or_else(|| "All kiosks".to_owned(), |k| k.as_str().to_owned()),
            payments: d.payments,
            paid_count: d.paid.count,
            paid_total: dollars(d.paid.cents),
            declined: d.declined,
            pay_at_desk: d.pay_at_desk,
            not_paid: d.not_paid,
            needs_staff: d.needs_staff,
            due_at_desk: dollars(d.due_at_desk_cents),
            batch: d.terminal_batch.map(|batch| ReportBatch {
                count: batch.count,
                total: dollars(batch.cents),
                differs: batch != d.paid,
            }),
        })
        .collect();
    render(
        Page::PaymentsReport,
        ReportPage {
            clinic: clinic.to_owned(),
            day: day.to_string(),
            rows,
        },
    )
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/staff/reports/payments", get(report))
}

#[derive(Debug, Deserialize)]
struct ReportQuery {
    day: Option<String>,
    format: Option<String>,
}

fn bad_query(code: &'static str, message: &str) -> ApiError {
    ApiError::BadRequest {
        status: StatusCode::BAD_REQUEST,
        code,
        message: message.to_owned(),
    }
}

/// `GET /staff/reports/payments?day=YYYY-MM-DD[&format=csv]` (default: today, HTML):
/// what each kiosk took on the clinic day, counted by when the payments were settled.
/// Audited (`payments.report`).
async fn report(
    State(state): State<AppState>,
    session: StaffSession,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let now = Timestamp::now();
    let day = match query.day.as_deref() {
        None => state.today(now),
        Some(text) => text
            .parse::<Date>()
            .map_err(|_| bad_query("bad_day", "day must look like 2026-11-23"))?,
    };
    let csv = match query.format.as_deref() {
        None | Some("html") => false,
        Some("csv") => true,
        Some(_) => return Err(bad_query("bad_format", "format must be html or csv")),
    };
    let (start, end) = state
        .day_bounds(day)
        .ok_or_else(|| bad_query("bad_day", "that day is out of range"))?;
    let (rows, batches) = state
        .db(move |db| {
            let rows = db.payments_settled(start, end)?;
            let batches = db.terminal_batches_on(day)?;
            db.audit(
                now,
                session.actor(),
                AuditAction::PaymentsReport,
                &day.to_string(),
            )?;
            Ok((rows, batches))
        })
        .await?;
    let items: Vec<PaymentItem> = rows.iter().map(PaymentItem::from).collect();
    let batches: Vec<(KioskId, Tally)> = batches
        .into_iter()
        .map(|(kiosk, count, cents)| (kiosk, Tally { count, cents }))
        .collect();
    let days = kiosk_days(&items, &batches);
    if csv {
        let body = report_csv(&days).map_err(ApiError::internal)?;
        let disposition = format!("attachment; filename=\"payments-{day}.csv\"");
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CACHE_CONTROL, "no-store".to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            body,
        )
            .into_response());
    }
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, super::signin::STRICT_CSP),
        ],
        Html(report_html(&state.config.clinic_name, day, &days)?),
    )
        .into_response())
}

/// A payment report, opened from its sealed delivery, into the intake: stored once (and
/// announced by the intake), or refused with a typed error and nothing stored.
pub(super) async fn receive(
    state: &AppState,
    kiosk: KioskId,
    payment: PaymentSubmission,
) -> Result<(StatusCode, Json<SubmissionReceipt>), ApiError> {
    if payment.clinic != state.config.clinic_id {
        return Err(ApiError::BadRequest {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "wrong_clinic",
            message: format!("this office is clinic {}", state.config.clinic_id),
        });
    }
    let (id, appointment, status) = (
        payment.id,
        payment.appointment,
        payment.outcome.status_str(),
    );
    let stored = state
        .intake
        .submit_payment(payment, kiosk.clone())
        .await
        .map_err(ApiError::internal)?;
    match stored {
        Ok(stored) => {
            tracing::info!(
                payment = %id, %appointment, %kiosk, status, ?stored,
                "payment received"
            );
            let (code, outcome) = match stored {
                PaymentStored::Accepted { .. } => {
                    (StatusCode::CREATED, SubmissionOutcome::Accepted)
                }
                PaymentStored::AlreadyStored => (StatusCode::OK, SubmissionOutcome::AlreadyStored),
            };
            Ok((code, Json(SubmissionReceipt { outcome })))
        }
        Err(refused) => {
            tracing::warn!(
                payment = %id, %appointment, %kiosk, status, code = refused.code(),
                "payment refused"
            );
            let status = match refused {
                PaymentRefused::Conflict => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            Err(ApiError::BadRequest {
                status,
                code: refused.code(),
                message: refused.to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AuthCode, TerminalReceiptNo};

    fn paid(amount: u32, copay: u32, balance: u32) -> PaymentSubmission {
        PaymentSubmission {
            due: AmountDue {
                copay: Cents::new(copay),
                balance: Cents::new(balance),
            },
            outcome: PaymentOutcome::Paid {
                amount: Cents::new(amount),
                card: MaskedCard::new("411111XXXXXX1111").unwrap(),
                auth_code: AuthCode::new("Z9").unwrap(),
                receipt_no: TerminalReceiptNo::new(7).unwrap(),
                recovered: true,
            },
            ..PaymentSubmission::sample(1)
        }
    }

    #[test]
    fn an_amount_over_ten_times_due_or_ten_thousand_dollars_is_implausible() {
        assert_eq!(check_plausible(&paid(25_000, 2500, 0)), Ok(()));
        assert_eq!(check_plausible(&paid(35_000, 2500, 1000)), Ok(()));
        assert_eq!(
            check_plausible(&paid(25_001, 2500, 0)),
            Err(PaymentRefused::Implausible {
                paid: Cents::new(25_001),
                due: Cents::new(2500)
            })
        );
        assert!(check_plausible(&paid(1_000_001, 200_000, 0)).is_err());
        assert_eq!(check_plausible(&paid(1_000_000, 200_000, 0)), Ok(()));
        assert!(check_plausible(&paid(1, 0, 0)).is_err(), "nothing was due");
        let desk = PaymentSubmission {
            outcome: PaymentOutcome::PayAtDesk { declines: 2 },
            ..paid(0, 0, 0)
        };
        assert_eq!(check_plausible(&desk), Ok(()));
        let message = check_plausible(&paid(25_001, 2500, 0))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("$250.01") && message.contains("$25.00"),
            "{message}"
        );
    }

    fn item(kiosk: &str, payment: PaymentSubmission) -> PaymentItem {
        PaymentItem::from(&PaymentRow {
            kiosk: KioskId::new(kiosk).unwrap(),
            received_at: payment.settled_at,
            submission: payment,
        })
    }

    #[test]
    fn a_paid_item_shows_only_the_last_four_of_the_card() {
        let shown = item("lobby-1", paid(2500, 2500, 0));
        assert_eq!(shown.card_last4.as_deref(), Some("1111"));
        assert_eq!(shown.auth_code.as_deref(), Some("Z9"));
        assert!(shown.recovered);
        let json = serde_json::to_string(&shown).unwrap();
        assert!(!json.contains("411111"), "{json}");
        assert_eq!(
            last4(&MaskedCard::new("**** 12").unwrap()).as_deref(),
            Some("12")
        );
        assert_eq!(last4(&MaskedCard::new("1234********").unwrap()), None);
    }

    fn ended(outcome: PaymentOutcome, copay: u32) -> PaymentSubmission {
        PaymentSubmission {
            outcome,
            ..paid(0, copay, 0)
        }
    }

    #[test]
    fn totals_and_the_report_count_each_ending_per_kiosk() {
        let items = [
            item("lobby-2", paid(2500, 2500, 0)),
            item("lobby-1", paid(4000, 2500, 1500)),
            item("lobby-1", paid(1500, 1500, 0)),
            item(
                "lobby-1",
                ended(PaymentOutcome::PayAtDesk { declines: 2 }, 4000),
            ),
            item(
                "lobby-1",
                ended(PaymentOutcome::PayAtDesk { declines: 0 }, 1000),
            ),
            item("lobby-2", ended(PaymentOutcome::NotPaid, 500)),
            item(
                "lobby-2",
                ended(
                    PaymentOutcome::NeedsStaff {
                        problem: PaymentProblem::OutcomeUnknown,
                    },
                    2500,
                ),
            ),
        ];
        let totals = PaymentTotals::of(&items);
        assert_eq!(
            totals,
            PaymentTotals {
                paid: Tally {
                    count: 3,
                    cents: 8000
                },
                pay_at_desk: Tally {
                    count: 3,
                    cents: 5500
                },
                needs_staff: 1,
            }
        );
        // lobby-1 closed its terminal's day and the terminal agrees; lobby-2's took one
        // payment the kiosk never reported; lobby-3 closed a day without payments.
        let batch = |count, cents| Tally { count, cents };
        let batches = [
            (KioskId::new("lobby-1").unwrap(), batch(2, 5500)),
            (KioskId::new("lobby-2").unwrap(), batch(2, 4000)),
            (KioskId::new("lobby-3").unwrap(), batch(0, 0)),
        ];
        let days = kiosk_days(&items, &batches);
        let names: Vec<_> = days
            .iter()
            .map(|d| d.kiosk.as_ref().map(KioskId::as_str))
            .collect();
        assert_eq!(
            names,
            [Some("lobby-1"), Some("lobby-2"), Some("lobby-3"), None]
        );
        assert_eq!(
            days[0],
            KioskDay {
                kiosk: Some(KioskId::new("lobby-1").unwrap()),
                payments: 4,
                paid: Tally {
                    count: 2,
                    cents: 5500
                },
                declined: 1,
                pay_at_desk: 1,
                not_paid: 0,
                needs_staff: 0,
                due_at_desk_cents: 5000,
                terminal_batch: Some(batch(2, 5500)),
            }
        );
        assert_eq!(days[3].payments, 7);
        assert_eq!(days[3].paid.cents, 8000);
        assert_eq!(days[3].terminal_batch, Some(batch(4, 9500)));
        let csv = report_csv(&days).unwrap();
        let lines: Vec<_> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "kiosk,payments,paid,paid_total,declined,pay_at_desk,not_paid,needs_staff,due_at_desk,\
             terminal_batch,terminal_batch_total"
        );
        assert_eq!(lines[1], "lobby-1,4,2,55.00,1,1,0,0,50.00,2,55.00");
        assert_eq!(lines[3], "lobby-3,0,0,0.00,0,0,0,0,0.00,0,0.00");
        assert_eq!(lines[4], "all kiosks,7,3,80.00,1,1,1,1,55.00,4,95.00");
        assert_eq!(
            report_csv(&kiosk_days(&items, &[])).unwrap().lines().nth(1),
            Some("lobby-1,4,2,55.00,1,1,0,0,50.00,,"),
            "no batch before the day is closed"
        );
        let html = report_html(
            "Demo <Family> Practice",
            "2026-11-23".parse().unwrap(),
            &days,
        )
        .unwrap();
        assert!(html.contains("Demo &lt;Family&gt; Practice"));
        assert!(html.contains("<td>$55.00</td>"), "{html}");
        assert!(
            html.contains("<td>2</td><td>$55.00</td></tr>"),
            "agrees: {html}"
        );
        assert!(
            html.contains("$40.00 ≠"),
            "lobby-2's terminal differs: {html}"
        );
        assert!(
            kiosk_days(&[], &[]).len() == 1,
            "an empty day still has its total line"
        );
    }
}
