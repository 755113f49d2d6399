//! Two hubs serving one PostgreSQL database side by side (run by the test command's
//! PostgreSQL pass, `FRONTDESK_TEST_POSTGRES`): a check-in delivered to one is in both
//! queues once, a retry of it at the other is known, staff pages on the other hub hear
//! it live (LISTEN/NOTIFY), and a kiosk paired at one is let in by the other.

mod support;

use frontdesk::api::{CheckInSubmission, SubmissionOutcome};
use frontdesk::domain::{CheckInId, ClinicId};
use frontdesk::office::events::QueueEvent;
use frontdesk::office::store::fresh_postgres_schema;
use frontdesk::sync::OfficeClient;
use jiff::Timestamp;
use std::time::{Duration, Instant};
use support::{KIOSK_TOKEN, TestOffice, sealed, start_office_with};

/// The key files a second hub shares with the first, so what kiosks sealed or were
/// given by one is good at the other.
const SHARED_KEYS: [&str; 3] = ["token-signing.key", "outbox-sealing.key", "identity.key"];

fn two_hubs(base: &str) -> (TestOffice, TestOffice, [tempfile::TempDir; 2]) {
    let url = fresh_postgres_schema(base).unwrap();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let on_shared_db = |config: &mut frontdesk::office::OfficeConfig| {
        config.database.url = Some(url.clone());
    };
    let first = start_office_with(dirs[0].path(), "127.0.0.1:0".parse().unwrap(), on_shared_db);
    for key in SHARED_KEYS {
        std::fs::copy(dirs[0].path().join(key), dirs[1].path().join(key)).unwrap();
    }
    let second = start_office_with(dirs[1].path(), "127.0.0.1:0".parse().unwrap(), on_shared_db);
    (first, second, dirs)
}

#[test]
fn two_hubs_on_one_postgres_database_share_check_ins_and_events() {
    let Some(base) = support::postgres_server("two hubs need PostgreSQL") else {
        return;
    };
    let (first, second, _dirs) = two_hubs(&base);
    let mut heard_on_second = second.state.events.subscribe();

    let at_first = OfficeClient::new(&first.base, KIOSK_TOKEN).unwrap();
    let roster = at_first.roster().unwrap();
    let submission = CheckInSubmission {
        id: CheckInId::random(),
        clinic: ClinicId::new(1).unwrap(),
        appointment: roster.entries[0].appointment,
        arrived_at: Timestamp::now(),
    };
    let receipt = at_first.deliver(&sealed(&at_first, &submission)).unwrap();
    assert_eq!(receipt.outcome, SubmissionOutcome::Accepted);

    // Staff pages on the other hub hear it, without reloading.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match heard_on_second.try_recv() {
            Ok(numbered)
                if matches!(numbered.event,
                QueueEvent::CheckedIn { check_in, .. } if check_in == submission.id) =>
            {
                break;
            }
            Ok(_) => {}
            Err(tokio::sync::broadcast::error::TryRecvError::Empty) => {
                assert!(
                    Instant::now() < deadline,
                    "the second hub never heard the check-in"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(error) => panic!("event stream ended: {error}"),
        }
    }

    // The kiosk, failing over to the other hub, retries: known, not stored twice.
    let at_second = OfficeClient::new(&second.base, KIOSK_TOKEN).unwrap();
    let retry = at_second.deliver(&sealed(&at_second, &submission)).unwrap();
    assert_eq!(retry.outcome, SubmissionOutcome::AlreadyStored);
    for hub in [&first, &second] {
        let queue = hub.queue();
        let ours: Vec<_> = queue
            .checked_in
            .iter()
            .filter(|item| item.check_in == submission.id)
            .collect();
        assert_eq!(ours.len(), 1, "one check-in on {}", hub.base);
    }
    first.stop();
    second.stop();
}

/// A kiosk shows its code through one hub, an administrator enters it at the other, and
/// the kiosk collects its credential from the first: the waiting requests are in the
/// database, not in one hub's memory. The credential then works at both.
#[test]
fn a_kiosk_shown_at_one_hub_is_paired_at_the_other() {
    use frontdesk::domain::KioskId;
    use frontdesk::office::signin::Role;
    use frontdesk::sync::pairing::{CredentialStore, Pairer, PairingStep};
    let Some(base) = support::postgres_server("two hubs need PostgreSQL") else {
        return;
    };
    let (first, second, _dirs) = two_hubs(&base);
    let kiosk_dir = tempfile::tempdir().unwrap();
    let at_first = OfficeClient::new(&first.base, "").unwrap();
    let mut pairer = Pairer::new(
        at_first.clone(),
        CredentialStore::new(kiosk_dir.path()),
        KioskId::new("lobby-2").unwrap(),
    );
    let PairingStep::Showing(shown) = pairer.step(Timestamp::now()).unwrap() else {
        panic!("paired before any code was entered");
    };
    let admin = support::sign_in(&second.state, &second.base, "admin", Role::Admin);
    let response = admin
        .post(format!("{}/api/staff/v1/kiosks/pair", second.base))
        .json(&serde_json::json!({ "code": shown.code.display() }))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().unwrap());
    let PairingStep::Paired { credential, .. } = pairer.step(Timestamp::now()).unwrap() else {
        panic!("the kiosk did not collect its credential from the first hub");
    };
    for hub in [&first, &second] {
        let paired = OfficeClient::new(&hub.base, credential.credential.expose()).unwrap();
        wait_for_roster(&paired, &hub.base);
    }
    first.stop();
    second.stop();
}

/// The hub lets the kiosk in once the credential reached its gate (the other hub's
/// NOTIFY, a moment after the pairing).
fn wait_for_roster(client: &OfficeClient, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Err(error) = client.roster() {
        assert!(
            Instant::now() < deadline,
            "{base} never let the paired kiosk in: {error}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
