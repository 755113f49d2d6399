//! The staff page's payments in real headless Chromium: a paid co-pay and one that needs
//! staff show on their patients' rows, live, with the day's totals; the end-of-day
//! report opens. Needs `chromium` and `chromium-driver` (as `staff_dashboard` does).

mod browser_support;
mod support;

use browser_support::{
    office_in, open_browser_sized, open_live, screenshot, start_chromedriver, text_of,
};
use frontdesk::api::{CheckInSubmission, OutboxBody, PaymentSubmission, SealedDelivery};
use frontdesk::domain::{
    AmountDue, AppointmentId, AuthCode, CheckInId, ClinicId, MaskedCard, PaymentId, PaymentOutcome,
    PaymentProblem, TerminalReceiptNo,
};
use frontdesk::sync::OfficeClient;
use jiff::Timestamp;
use std::time::Duration;
use support::KIOSK_TOKEN;

/// Today's appointments' handles and co-pays, by start time.
fn today(office: &support::TestOffice) -> Vec<(AppointmentId, AmountDue)> {
    let day = office.state.today(Timestamp::now());
    let store = office.state.store.get().unwrap();
    store
        .appointments_on(day)
        .unwrap()
        .into_iter()
        .map(|a| {
            (
                a.id,
                AmountDue {
                    copay: a.copay,
                    balance: a.balance,
                },
            )
        })
        .collect()
}

/// As a kiosk's outbox would: a check-in of `appointment`, then how its co-pay ended.
fn deliver(base: &str, body: OutboxBody) {
    let client = OfficeClient::new(base, KIOSK_TOKEN).unwrap();
    let key = client.config().unwrap().seal_public_key;
    client
        .deliver(&SealedDelivery::seal(&body, &key).unwrap())
        .unwrap();
}

fn check_in(base: &str, appointment: AppointmentId) -> CheckInId {
    let id = CheckInId::random();
    deliver(
        base,
        OutboxBody::CheckIn(CheckInSubmission {
            id,
            clinic: ClinicId::new(1).unwrap(),
            appointment,
            arrived_at: Timestamp::now(),
        }),
    );
    id
}

fn pay(base: &str, appointment: AppointmentId, due: AmountDue, outcome: PaymentOutcome) {
    deliver(
        base,
        OutboxBody::Payment(PaymentSubmission {
            id: PaymentId::random(),
            clinic: ClinicId::new(1).unwrap(),
            appointment,
            due,
            settled_at: Timestamp::now(),
            outcome,
        }),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paid_and_needs_staff_payments_show_on_their_rows_with_the_days_totals() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_in(dir.path().join("office")).await;
    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser_sized(&driver_url, 1280, 1500).await;
    open_live(&browser, &office.base).await;
    assert_eq!(
        text_of(&browser, "#pay-paid").await,
        "Paid at kiosk\n0\n$0.00"
    );

    let base = office.base.clone();
    let list = today(&office);
    let (ada, bruno) = tokio::task::spawn_blocking(move || {
        let (ada, bruno, farid) = (list[0], list[1], list[5]);
        let ada_in = check_in(&base, ada.0);
        pay(
            &base,
            ada.0,
            ada.1,
            PaymentOutcome::Paid {
                amount: ada.1.copay,
                card: MaskedCard::new("************0019").unwrap(),
                auth_code: AuthCode::new("A1B2C3").unwrap(),
                receipt_no: TerminalReceiptNo::new(42).unwrap(),
                recovered: false,
            },
        );
        let bruno_in = check_in(&base, bruno.0);
        pay(
            &base,
            bruno.0,
            bruno.1,
            PaymentOutcome::NeedsStaff {
                problem: PaymentProblem::OutcomeUnknown,
            },
        );
        // Farid owes a balance too, was declined once and went to the desk.
        pay(
            &base,
            farid.0,
            farid.1,
            PaymentOutcome::PayAtDesk { declines: 1 },
        );
        (ada_in, bruno_in)
    })
    .await
    .unwrap();

    let paid = text_of(
        &browser,
        &format!("#waiting tr[data-check-in='{ada}'] td.payment"),
    )
    .await;
    assert!(paid.contains("Due $25.00"), "{paid}");
    assert!(
        paid.contains("Paid $25.00 · card ••0019 · auth A1B2C3"),
        "{paid}"
    );
    let unsettled = text_of(
        &browser,
        &format!("#waiting tr[data-check-in='{bruno}'] .pay.needs_staff"),
    )
    .await;
    assert!(
        unsettled.starts_with("Needs staff: check terminal"),
        "{unsettled}"
    );
    assert!(
        unsettled.contains("not known if the card was charged"),
        "{unsettled}"
    );
    let desk = text_of(&browser, "#expected .pay.declined").await;
    assert_eq!(desk, "Declined, pay at desk · $115.50 due");

    // The totals caught up without a reload.
    for (id, want) in [
        ("#pay-paid", ["1", "$25.00"]),
        ("#pay-desk", ["1", "$115.50 due"]),
        ("#pay-needs", ["1", "check terminal"]),
    ] {
        let mut shown = Vec::new();
        for _ in 0..200 {
            shown = vec![
                text_of(&browser, &format!("{id} .value")).await,
                text_of(&browser, &format!("{id} .sum")).await,
            ];
            if shown == want {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(shown, want, "{id}");
    }
    // The kiosk is also at the top of the page, waiting for staff.
    let need = text_of(&browser, "#needs .need[data-kiosk='lobby-1']").await;
    assert!(need.contains("Co-pay not settled"), "{need}");
    screenshot(&browser, "staff-payments.png").await;

    browser
        .goto(&format!("{}/staff/reports/payments", office.base))
        .await
        .unwrap();
    let all = text_of(&browser, "#report tr.total").await;
    // No kiosk has closed its terminal's day: no batch beside the payments yet.
    assert_eq!(all, "All kiosks 3 1 $25.00 1 0 0 1 $115.50 — —");
    screenshot(&browser, "payments-report.png").await;

    browser.close().await.unwrap();
    tokio::task::spawn_blocking(move || office.stop())
        .await
        .unwrap();
}
