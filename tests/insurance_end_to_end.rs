//! Issue 10 end to end through the sync thread: a kiosk (real services, real sync thread,
//! scanner on a pseudo-terminal) and a real office with the clearinghouse simulator on
//! loopback. Ada scans her code, types the demo's synthetic active member (Testpayer
//! Health Plan, TST0001); the sealed coverage row reaches the office, eligibility runs,
//! and the kiosk's payment step asks `/due` and offers the co-pay eligibility set ($30.00
//! for an office visit) instead of the scheduled $25.00. With the clearinghouse down the
//! check-in completes with the scheduled co-pay and staff see "not verified".
//!
//! The consent step is kept in the journey: while Ada reads, the office has time to
//! check, as a real patient gives it. The test waits for the office's finding before she
//! goes on, so the outcome never depends on which thread is faster.

mod support;

use frontdesk::checkin::{
    ConsentTap, ConsentView, CoverageField, Event, InsuranceFieldView, InsuranceInput,
    InsuranceTap, InsuranceView, NameKey, PageView, PaymentView, PaymentsReadiness, StepKind, Tap,
};
use frontdesk::domain::{AmountDue, Cents};
use frontdesk::office::coverage::{InsuranceView as StaffInsurance, SubjectInsurance};
use std::time::Duration;
use support::{
    HeadlessKiosk, KIOSK_TOKEN, TestOffice, first_appointment_id, is_confirm, start_office_with,
    wait_until,
};

fn office(dir: &std::path::Path, clearinghouse: Option<String>) -> TestOffice {
    start_office_with(dir, "127.0.0.1:0".parse().unwrap(), |config| {
        config.eligibility.clearinghouse_url = clearinghouse;
        config.eligibility.timeout_ms = 1500;
    })
}

/// A kiosk that asks for insurance and consent (questions left out) and has a card
/// terminal ready, so its payment step asks the office what is due.
fn kiosk(dir: &std::path::Path, office: &TestOffice) -> HeadlessKiosk {
    let kiosk = HeadlessKiosk::start_with(dir, &office.base, KIOSK_TOKEN, |config| {
        config.leave_out = vec![StepKind::Questions];
    });
    kiosk.send(Event::PaymentsReadiness(PaymentsReadiness::Ready));
    wait_until("the kiosk to learn the office", || {
        kiosk.sync.status().office_reachable.then_some(())
    });
    kiosk
}

fn is_field(field: CoverageField) -> impl Fn(&PageView) -> bool {
    move |page| matches!(page, PageView::Insurance(InsuranceView::Field(InsuranceFieldView { field: f, .. })) if *f == field)
}

fn type_text(kiosk: &HeadlessKiosk, text: &str) {
    for c in text.chars() {
        kiosk.tap(Tap::Insurance(InsuranceTap::Key(NameKey::Char(c))));
    }
}

/// Ada scans her code, confirms, keeps her details, and types Testpayer Health Plan,
/// member `member`, no group, her own; then she is on the consent step.
fn ada_gives_her_insurance(kiosk: &mut HeadlessKiosk, office: &TestOffice, member: &str) {
    kiosk.scanner.scan(&office.token(0)).unwrap();
    kiosk.wait_for_page("the confirm screen", is_confirm);
    kiosk.tap(Tap::Confirm(frontdesk::checkin::ConfirmTap::Yes));
    // (Not while they are still being looked up: a tap then does nothing.)
    kiosk.wait_for_page("the details on file", |page| {
        matches!(
            page,
            PageView::ContactDetails(frontdesk::checkin::DetailsView::OnFile(_))
        )
    });
    kiosk.tap(Tap::Details(frontdesk::checkin::DetailsTap::Correct));
    // Nothing on file at the office yet: how will she give it?
    kiosk.wait_for_page("how to give the insurance", |page| {
        matches!(page, PageView::Insurance(InsuranceView::How { .. }))
    });
    kiosk.tap(Tap::Insurance(InsuranceTap::Type));
    kiosk.wait_for_page("the payer search", is_field(CoverageField::Payer));
    type_text(kiosk, "TESTPAYER");
    // The office's payer list reached the kiosk through the sync thread.
    kiosk.wait_for_page("the office's payer listed", |page| {
        matches!(page, PageView::Insurance(InsuranceView::Field(InsuranceFieldView {
            input: InsuranceInput::PayerSearch { matches, .. }, ..
        })) if matches.first().is_some_and(|m| m == "Testpayer Health Plan"))
    });
    kiosk.tap(Tap::Insurance(InsuranceTap::Choose(0)));
    kiosk.wait_for_page("the member id", is_field(CoverageField::MemberId));
    type_text(kiosk, member);
    kiosk.tap(Tap::Insurance(InsuranceTap::Next));
    kiosk.wait_for_page("the group number", is_field(CoverageField::Group));
    kiosk.tap(Tap::Insurance(InsuranceTap::NoGroup));
    kiosk.wait_for_page("whose insurance", is_field(CoverageField::Relationship));
    kiosk.tap(Tap::Insurance(InsuranceTap::Choose(0)));
    kiosk.tap(Tap::Insurance(InsuranceTap::Next));
    kiosk.wait_for_page("the review", |page| {
        matches!(page, PageView::Insurance(InsuranceView::Review { .. }))
    });
    kiosk.tap(Tap::Insurance(InsuranceTap::Confirm));
    kiosk.wait_for_page("a second insurance?", |page| {
        matches!(page, PageView::Insurance(InsuranceView::AskSecondary))
    });
    kiosk.tap(Tap::Insurance(InsuranceTap::NoSecondary));
    kiosk.wait_for_page("the consent to read", |page| {
        matches!(page, PageView::Consent(ConsentView::Reading(_)))
    });
}

/// The staff view of the appointment's insurance once its primary is no longer being
/// checked.
fn settled(office: &TestOffice) -> SubjectInsurance {
    let appointment = first_appointment_id(office);
    wait_until("the coverage and its eligibility at the office", || {
        let view: StaffInsurance =
            support::staff_get(format!("{}/api/staff/v1/insurance", office.base))
                .ok()?
                .json()
                .ok()?;
        view.appointments
            .into_iter()
            .find(|s| s.subject == frontdesk::api::FormSubject::Appointment(appointment))
            .filter(|s| {
                s.coverages
                    .first()
                    .and_then(|c| c.eligibility.as_ref())
                    .is_some_and(|e| e.state != "checking")
            })
    })
}

/// She signs at the desk instead; the payment step asks the office what is due and offers
/// it (this kiosk's terminal is only said to be ready: the test stops at the offer).
/// Returns the amount offered.
fn ada_reaches_payment(kiosk: &HeadlessKiosk) -> AmountDue {
    kiosk.tap(Tap::Consent(ConsentTap::AtDesk));
    let page = kiosk.wait_for_page("the amount due", |page| {
        matches!(page, PageView::Payment(PaymentView::Offer(_)))
    });
    let PageView::Payment(PaymentView::Offer(due)) = page else {
        unreachable!()
    };
    due
}

#[test]
fn eligibility_found_through_the_sync_thread_sets_the_copay_the_kiosk_asks() {
    let dir = tempfile::tempdir().unwrap();
    let clearinghouse = support::start_clearinghouse(Duration::from_secs(30));
    let office = office(&dir.path().join("office"), Some(clearinghouse));
    let mut kiosk = kiosk(&dir.path().join("kiosk"), &office);

    ada_gives_her_insurance(&mut kiosk, &office, "TST0001");
    let seen = settled(&office);
    let coverage = &seen.coverages[0];
    let eligibility = coverage.eligibility.as_ref().unwrap();
    assert_eq!(eligibility.label, "Active, co-pay $30.00");

    let due = ada_reaches_payment(&kiosk);
    // The roster said $25.00; the payer's office-visit co-pay is $30.00.
    assert_eq!(due.copay, Cents::new(3000));
    // The check-in reached the staff queue, and nothing waits in the outbox.
    assert!(office.queue().checked_in.into_iter().next().is_some());
    wait_until("the outbox to drain", || {
        (kiosk.outbox_depth() == 0).then_some(())
    });
}

#[test]
fn with_the_clearinghouse_down_the_check_in_completes_with_the_scheduled_copay() {
    let dir = tempfile::tempdir().unwrap();
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/270", closed.local_addr().unwrap());
    drop(closed);
    let office = office(&dir.path().join("office"), Some(url));
    let mut kiosk = kiosk(&dir.path().join("kiosk"), &office);

    ada_gives_her_insurance(&mut kiosk, &office, "TST0001");
    let seen = settled(&office);
    let eligibility = seen.coverages[0].eligibility.as_ref().unwrap();
    assert_eq!(eligibility.state, "not_verified");
    assert_eq!(eligibility.label, "Not verified: clearinghouse error");

    let due = ada_reaches_payment(&kiosk);
    assert_eq!(due.copay, Cents::new(2500), "the scheduled co-pay stands");
    // The check-in itself reached the staff queue.
    assert!(office.queue().checked_in.into_iter().next().is_some());
}
