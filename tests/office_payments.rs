//! Co-pays at the office over real HTTP on loopback: kiosks deliver sealed payment
//! reports through the outbox route; the office stores each once, refuses conflicts and
//! implausible amounts with typed errors (storing nothing), raises a staff need for an
//! unsettled payment, shows payments and the day's totals in the queue, and reports the
//! day per kiosk as HTML and CSV.

mod support;

use frontdesk::api::{
    ErrorBody, OutboxBody, PaymentSubmission, RosterResponse, SealedDelivery, SubmissionOutcome,
    SubmissionReceipt,
};
use frontdesk::domain::{
    AmountDue, AppointmentId, AuthCode, Cents, ClinicId, KioskId, MaskedCard, PaymentId,
    PaymentOutcome, PaymentProblem, StaffNeed, TerminalReceiptNo,
};
use frontdesk::office::config::KioskEntry;
use frontdesk::office::events::{QueueEvent, Resume};
use frontdesk::office::payments::{PaymentStatus, PaymentTotals, Tally};
use frontdesk::office::server::{AppState, BackgroundOffice};
use frontdesk::office::staff::QueueView;
use frontdesk::office::{Office, appointments};
use frontdesk::seal::SealPublicKey;
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use support::KIOSK_TOKEN;

const SIDE_TOKEN: &str = "side-kiosk-token-0123456789";

/// An office on loopback with two kiosks (the shared test office has one).
struct TestOffice {
    base: String,
    state: AppState,
    _server: BackgroundOffice,
}

impl TestOffice {
    fn queue(&self) -> QueueView {
        support::staff_get(format!("{}/api/staff/v1/queue", self.base))
            .unwrap()
            .json()
            .unwrap()
    }
}

/// An office with today's demo appointments and two kiosks, `lobby-1` and `lobby-2`.
fn office() -> (tempfile::TempDir, TestOffice) {
    let dir = tempfile::tempdir().unwrap();
    let addr = "127.0.0.1:0".parse().unwrap();
    let mut config = support::office_config(&dir.path().join("office"), addr);
    config.kiosks.push(KioskEntry {
        id: KioskId::new("lobby-2").unwrap(),
        token: SIDE_TOKEN.into(),
    });
    let office = Office::open(config).unwrap();
    let state = office.state().clone();
    let today = state.today(Timestamp::now());
    state
        .store
        .get()
        .unwrap()
        .import_appointments(&appointments::demo_set(today))
        .unwrap();
    let server = office
        .serve_in_background(std::net::TcpListener::bind(addr).unwrap())
        .unwrap();
    support::register_office(&state, &format!("http://{}", server.addr()));
    let office = TestOffice {
        base: format!("http://{}", server.addr()),
        state,
        _server: server,
    };
    (dir, office)
}

/// Today's appointments' handles, by start time.
fn handles(office: &TestOffice) -> Vec<AppointmentId> {
    let today = office.state.today(Timestamp::now());
    let store = office.state.store.get().unwrap();
    store
        .appointments_on(today)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect()
}

fn seal_key(office: &TestOffice) -> SealPublicKey {
    frontdesk::sync::OfficeClient::new(&office.base, KIOSK_TOKEN)
        .unwrap()
        .config()
        .unwrap()
        .seal_public_key
}

fn deliver_as(office: &TestOffice, token: &str, payment: &PaymentSubmission) -> Response {
    let sealed =
        SealedDelivery::seal(&OutboxBody::Payment(payment.clone()), &seal_key(office)).unwrap();
    Client::new()
        .post(format!("{}/api/kiosk/v1/outbox", office.base))
        .bearer_auth(token)
        .json(&sealed)
        .send()
        .unwrap()
}

fn deliver(office: &TestOffice, payment: &PaymentSubmission) -> Response {
    deliver_as(office, KIOSK_TOKEN, payment)
}

fn outcome(response: Response) -> SubmissionOutcome {
    response.json::<SubmissionReceipt>().unwrap().outcome
}

fn error(response: Response) -> ErrorBody {
    response.json().expect("a JSON error body")
}

fn due(copay: u32, balance: u32) -> AmountDue {
    AmountDue {
        copay: Cents::new(copay),
        balance: Cents::new(balance),
    }
}

fn payment(
    appointment: AppointmentId,
    due: AmountDue,
    outcome: PaymentOutcome,
) -> PaymentSubmission {
    PaymentSubmission {
        id: PaymentId::random(),
        clinic: ClinicId::new(1).unwrap(),
        appointment,
        due,
        settled_at: Timestamp::now(),
        outcome,
    }
}

fn paid(amount: u32) -> PaymentOutcome {
    PaymentOutcome::Paid {
        amount: Cents::new(amount),
        card: MaskedCard::new("************0019").unwrap(),
        auth_code: AuthCode::new("A1B2C3").unwrap(),
        receipt_no: TerminalReceiptNo::new(42).unwrap(),
        recovered: false,
    }
}

fn stored_payments(office: &TestOffice) -> usize {
    let (start, end) = office
        .state
        .day_bounds(office.state.today(Timestamp::now()))
        .unwrap();
    let store = office.state.store.get().unwrap();
    store.payments_settled(start, end).unwrap().len()
}

#[test]
fn the_roster_tells_kiosks_the_copay_and_the_balance_due() {
    let (_dir, office) = office();
    let roster: RosterResponse = Client::new()
        .get(format!("{}/api/kiosk/v1/roster", office.base))
        .bearer_auth(KIOSK_TOKEN)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let ids = handles(&office);
    let entry = |n: usize| {
        roster
            .entries
            .iter()
            .find(|e| e.appointment == ids[n])
            .unwrap()
    };
    assert_eq!(entry(0).due, due(2500, 0));
    assert_eq!(entry(2).due, due(0, 0));
    assert_eq!(
        entry(5).due,
        due(4000, 7550),
        "the demo's patient with a balance"
    );
}

#[test]
fn a_sealed_payment_is_stored_once_and_shows_on_its_patients_row_live() {
    let (_dir, office) = office();
    let check_in = support::check_in_first(&office.base);
    let ada = handles(&office)[0];
    let subscription = office.state.events.resume(None);
    assert!(matches!(subscription.resume, Resume::Fresh { .. }));
    let mut live = subscription.live;

    let first = payment(ada, due(2500, 0), paid(2500));
    let response = deliver(&office, &first);
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(outcome(response), SubmissionOutcome::Accepted);
    // A redelivery (the kiosk never heard the answer) changes nothing.
    let again = deliver(&office, &first);
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(outcome(again), SubmissionOutcome::AlreadyStored);
    assert_eq!(stored_payments(&office), 1);

    // Staff pages heard of it once.
    let mut heard = Vec::new();
    while let Ok(numbered) = live.try_recv() {
        heard.push(numbered.event);
    }
    assert_eq!(
        heard,
        vec![QueueEvent::PaymentRecorded {
            payment: first.id,
            appointment: ada
        }]
    );

    let queue = office.queue();
    let row = queue
        .checked_in
        .iter()
        .find(|r| r.check_in == check_in)
        .unwrap();
    assert_eq!(row.due, Some(due(2500, 0)));
    assert_eq!(row.payments.len(), 1);
    let shown = &row.payments[0];
    assert_eq!(shown.payment, first.id);
    assert_eq!(shown.status, PaymentStatus::Paid);
    assert_eq!(shown.amount, Some(Cents::new(2500)));
    assert_eq!(shown.card_last4.as_deref(), Some("0019"));
    assert_eq!(shown.auth_code.as_deref(), Some("A1B2C3"));
    assert_eq!(shown.kiosk.as_str(), "lobby-1");
    assert_eq!(
        queue.payment_totals,
        PaymentTotals {
            paid: Tally {
                count: 1,
                cents: 2500
            },
            ..PaymentTotals::default()
        }
    );

    // The same id with another ending is a conflict, and the first stays.
    let changed = PaymentSubmission {
        outcome: PaymentOutcome::PayAtDesk { declines: 1 },
        ..first.clone()
    };
    let refused = deliver(&office, &changed);
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_eq!(error(refused).error, "payment_conflict");
    let queue = office.queue();
    let row = queue
        .checked_in
        .iter()
        .find(|r| r.check_in == check_in)
        .unwrap();
    assert_eq!(row.payments.len(), 1);
    assert_eq!(row.payments[0].status, PaymentStatus::Paid);

    let audit = office.state.store.get().unwrap().audit_log(50).unwrap();
    let created: Vec<_> = audit
        .iter()
        .filter(|e| e.action.starts_with("payment.create"))
        .collect();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].subject, first.id.to_string());
    assert_eq!(created[0].actor, "kiosk:lobby-1");
}

#[test]
fn an_implausible_amount_or_unknown_appointment_is_refused_and_nothing_is_stored() {
    let (_dir, office) = office();
    let ada = handles(&office)[0];
    let too_much = payment(ada, due(2500, 0), paid(25_001));
    let response = deliver(&office, &too_much);
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = error(response);
    assert_eq!(body.error, "implausible_amount");
    assert!(
        body.message.contains("$250.01") && body.message.contains("$25.00 due"),
        "{}",
        body.message
    );
    assert!(!body.message.contains("0019"), "no card in errors");

    let over_limit = payment(ada, due(200_000, 0), paid(1_000_001));
    assert_eq!(
        error(deliver(&office, &over_limit)).error,
        "implausible_amount"
    );

    let nowhere = payment(AppointmentId::new(12_345), due(2500, 0), paid(2500));
    let response = deliver(&office, &nowhere);
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error(response).error, "unknown_appointment");

    let other_clinic = PaymentSubmission {
        clinic: ClinicId::new(2).unwrap(),
        ..payment(ada, due(2500, 0), paid(2500))
    };
    let response = deliver(&office, &other_clinic);
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error(response).error, "wrong_clinic");

    assert_eq!(stored_payments(&office), 0);
    let queue = office.queue();
    assert_eq!(queue.payment_totals, PaymentTotals::default());
    assert!(queue.expected.iter().all(|a| a.payments.is_empty()));
    let audit = office.state.store.get().unwrap().audit_log(50).unwrap();
    assert!(audit.iter().all(|e| !e.action.starts_with("payment")));

    // Refused is not remembered: the same id, now plausible, is taken.
    let corrected = PaymentSubmission {
        outcome: paid(2500),
        ..too_much
    };
    assert_eq!(deliver(&office, &corrected).status(), StatusCode::CREATED);
}

#[test]
fn a_payment_that_needs_staff_puts_the_kiosk_at_the_top_of_the_queue() {
    let (_dir, office) = office();
    let bruno = handles(&office)[1];
    let unsettled = payment(
        bruno,
        due(4000, 0),
        PaymentOutcome::NeedsStaff {
            problem: PaymentProblem::OutcomeUnknown,
        },
    );
    assert_eq!(deliver(&office, &unsettled).status(), StatusCode::CREATED);
    let queue = office.queue();
    assert_eq!(queue.staff_needs.len(), 1);
    let need = &queue.staff_needs[0];
    assert_eq!(need.reason, StaffNeed::PaymentProblem);
    assert_eq!(need.kiosk.as_str(), "lobby-1");
    assert!(need.sentence.contains("terminal"), "{}", need.sentence);
    assert_eq!(queue.payment_totals.needs_staff, 1);
    // Not checked in yet (the co-pay comes first): shown on the expected row.
    let row = queue
        .expected
        .iter()
        .find(|a| a.appointment == bruno)
        .unwrap();
    assert_eq!(row.payments[0].status, PaymentStatus::NeedsStaff);
    assert_eq!(
        row.payments[0].problem,
        Some(PaymentProblem::OutcomeUnknown)
    );
    // A redelivery raises no second item.
    assert_eq!(deliver(&office, &unsettled).status(), StatusCode::OK);
    assert_eq!(office.queue().staff_needs.len(), 1);
}

#[test]
fn the_end_of_day_report_counts_each_kiosk_as_html_and_csv() {
    let (_dir, office) = office();
    let ids = handles(&office);
    let lobby = [
        payment(ids[0], due(2500, 0), paid(2500)),
        payment(
            ids[1],
            due(4000, 0),
            PaymentOutcome::PayAtDesk { declines: 2 },
        ),
    ];
    let side = [
        payment(ids[5], due(4000, 7550), paid(11_550)),
        payment(
            ids[3],
            due(1500, 0),
            PaymentOutcome::PayAtDesk { declines: 0 },
        ),
        payment(ids[4], due(2500, 0), PaymentOutcome::NotPaid),
        payment(
            ids[6],
            due(0, 0),
            PaymentOutcome::NeedsStaff {
                problem: PaymentProblem::TerminalDisagrees,
            },
        ),
    ];
    for p in &lobby {
        assert_eq!(deliver(&office, p).status(), StatusCode::CREATED);
    }
    for p in &side {
        assert_eq!(
            deliver_as(&office, SIDE_TOKEN, p).status(),
            StatusCode::CREATED
        );
    }
    let totals = office.queue().payment_totals;
    assert_eq!(
        totals,
        PaymentTotals {
            paid: Tally {
                count: 2,
                cents: 14_050
            },
            pay_at_desk: Tally {
                count: 3,
                cents: 8000
            },
            needs_staff: 1,
        }
    );

    let day = office.state.today(Timestamp::now());
    // lobby-1 closed its terminal's day: the terminal took the one co-pay it reported.
    frontdesk::sync::OfficeClient::new(&office.base, support::KIOSK_TOKEN)
        .unwrap()
        .heartbeat(&frontdesk::api::Heartbeat {
            sent_at: Timestamp::now(),
            version: "test".into(),
            uptime_secs: 1,
            outbox: frontdesk::api::OutboxHealth::Ok { depth: 0 },
            scanner_connected: true,
            printer: frontdesk::api::PrinterHealth::NotConfigured,
            terminal: frontdesk::api::TerminalHealth::Ready,
            terminal_batch: Some(frontdesk::api::TerminalBatch {
                day,
                count: 1,
                amount: frontdesk::domain::Cents::new(2500),
            }),
        })
        .unwrap();
    let get = |query: &str| {
        support::staff_get(format!("{}/staff/reports/payments?{query}", office.base)).unwrap()
    };
    let csv = get(&format!("day={day}&format=csv"));
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert_eq!(
        csv.text().unwrap(),
        "kiosk,payments,paid,paid_total,declined,pay_at_desk,not_paid,needs_staff,due_at_desk,\
         terminal_batch,terminal_batch_total\n\
         lobby-1,2,1,25.00,1,0,0,0,40.00,1,25.00\n\
         lobby-2,4,1,115.50,0,1,1,1,40.00,,\n\
         all kiosks,6,2,140.50,1,1,1,1,80.00,1,25.00\n"
    );

    let html = get(&format!("day={day}"));
    assert_eq!(html.status(), StatusCode::OK);
    let html = html.text().unwrap();
    assert!(
        html.contains(
            "<tr data-kiosk=\"lobby-2\"><th scope=\"row\">lobby-2</th><td>4</td><td>1</td>\
             <td>$115.50</td><td>0</td><td>1</td><td>1</td><td>1</td><td>$40.00</td>\
             <td>—</td><td>—</td></tr>"
        ),
        "{html}"
    );
    assert!(
        html.contains("All kiosks") && html.contains("$140.50"),
        "{html}"
    );
    for name in ["Testpatient", "Sample", "0019", "A1B2C3"] {
        assert!(!html.contains(name), "{name} in the report");
    }

    // Another day has nothing; a malformed day or format is a clear 400.
    let empty = get("day=2020-01-01&format=csv").text().unwrap();
    assert_eq!(
        empty.lines().nth(1),
        Some("all kiosks,0,0,0.00,0,0,0,0,0.00,,")
    );
    for (query, code) in [
        ("day=23/11/2026", "bad_day"),
        ("day=2026-11-23&format=pdf", "bad_format"),
    ] {
        let response = get(query);
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error(response).error, code);
    }
    // Each view of the report is audited, with its day.
    let audit = office.state.store.get().unwrap().audit_log(50).unwrap();
    let views: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "payments.report")
        .map(|e| e.subject.as_str())
        .collect();
    let day = day.to_string();
    assert_eq!(views, ["2020-01-01", day.as_str(), day.as_str()]);
}
