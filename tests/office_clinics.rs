//! Several practices in one PostgreSQL schema (run by the test command's PostgreSQL pass,
//! `FRONTDESK_TEST_POSTGRES`): two hubs of practice 1 and one of practice 2 share a schema.
//! Both practices import the same EHR appointment ids, have a kiosk called `lobby-1` and
//! a staff user called `test-admin`; each sees its own rows only, hears its own live
//! events only, keeps its own audit chain, and a staff session of one is unknown to the
//! other. A session that names no practice reads nothing; a role that row-level security
//! does not bind is refused.

mod support;

use frontdesk::api::{CheckInSubmission, SubmissionOutcome};
use frontdesk::domain::{AppointmentId, CheckInId, ClinicId};
use frontdesk::office::events::QueueEvent;
use frontdesk::office::signin::Role;
use frontdesk::office::store::{DatabaseConfig, StoreHandle, fresh_postgres_schema};
use frontdesk::sync::OfficeClient;
use jiff::Timestamp;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use support::{KIOSK_TOKEN, STAFF_ADMIN, TestOffice, sealed, sign_in, start_office_with};
use tokio::sync::broadcast;

/// The key files hubs of one practice share (what kiosks sealed for one opens at all).
const SHARED_KEYS: [&str; 3] = ["token-signing.key", "outbox-sealing.key", "identity.key"];

/// A hub of practice `clinic` on the schema `url`; with `keys_from`, its keys are that
/// hub's (another hub of the same practice).
fn hub(
    url: &str,
    clinic: u32,
    dir: &tempfile::TempDir,
    keys_from: Option<&tempfile::TempDir>,
) -> TestOffice {
    if let Some(first) = keys_from {
        for key in SHARED_KEYS {
            std::fs::copy(first.path().join(key), dir.path().join(key)).unwrap();
        }
    }
    start_office_with(dir.path(), "127.0.0.1:0".parse().unwrap(), |config| {
        config.database.url = Some(url.to_owned());
        config.clinic_id = ClinicId::new(clinic).unwrap();
    })
}

fn roster_ids(office: &TestOffice) -> HashSet<AppointmentId> {
    let client = OfficeClient::new(&office.base, KIOSK_TOKEN).unwrap();
    let roster = client.roster().unwrap();
    roster.entries.iter().map(|e| e.appointment).collect()
}

/// A kiosk of practice `clinic` checks in the first appointment of `office`'s roster.
fn check_in(office: &TestOffice, clinic: u32) -> CheckInId {
    let client = OfficeClient::new(&office.base, KIOSK_TOKEN).unwrap();
    let roster = client.roster().unwrap();
    let submission = CheckInSubmission {
        id: CheckInId::random(),
        clinic: ClinicId::new(clinic).unwrap(),
        appointment: roster.entries[0].appointment,
        arrived_at: Timestamp::now(),
    };
    let receipt = client.deliver(&sealed(&client, &submission)).unwrap();
    assert_eq!(receipt.outcome, SubmissionOutcome::Accepted);
    submission.id
}

fn queued(office: &TestOffice, check_in: CheckInId) -> bool {
    office
        .queue()
        .checked_in
        .iter()
        .any(|item| item.check_in == check_in)
}

/// Waits until `events` carries the check-in `id`.
fn hears(events: &mut broadcast::Receiver<frontdesk::office::events::Numbered>, id: CheckInId) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match events.try_recv() {
            Ok(numbered)
                if matches!(numbered.event,
                    QueueEvent::CheckedIn { check_in, .. } if check_in == id) =>
            {
                return;
            }
            Ok(_) => {}
            Err(broadcast::error::TryRecvError::Empty) => {
                assert!(Instant::now() < deadline, "never heard check-in {id}");
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(error) => panic!("event stream ended: {error}"),
        }
    }
}

/// Whether `events` carries check-in `id` (what has arrived so far).
fn heard(
    events: &mut broadcast::Receiver<frontdesk::office::events::Numbered>,
    id: CheckInId,
) -> bool {
    std::iter::from_fn(|| events.try_recv().ok()).any(|numbered| {
        matches!(numbered.event, QueueEvent::CheckedIn { check_in, .. } if check_in == id)
    })
}

#[test]
fn practices_sharing_a_schema_see_and_hear_only_their_own() {
    let Some(base) = support::postgres_server("practices share PostgreSQL only") else {
        return;
    };
    let url = fresh_postgres_schema(&base).unwrap();
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let north = hub(&url, 1, &dirs[0], None);
    let north_too = hub(&url, 1, &dirs[1], Some(&dirs[0]));
    // Imports the same EHR appointment ids as practice 1 did: its own rows, not theirs.
    let south = hub(&url, 2, &dirs[2], None);

    let (north_day, south_day) = (roster_ids(&north), roster_ids(&south));
    assert_eq!(north_day, roster_ids(&north_too));
    assert!(!south_day.is_empty() && south_day.len() == north_day.len());
    assert!(
        north_day.is_disjoint(&south_day),
        "a practice sees the other's visits"
    );

    let mut heard_north_too = north_too.state.events.subscribe();
    let mut heard_south = south.state.events.subscribe();
    let at_north = check_in(&north, 1);
    // The practice's other hub hears it live; by then, the other practice would have.
    hears(&mut heard_north_too, at_north);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !heard(&mut heard_south, at_north),
        "an event crossed practices"
    );
    assert!(queued(&north, at_north) && queued(&north_too, at_north));
    assert!(!queued(&south, at_north));
    let at_south = check_in(&south, 2);
    assert!(queued(&south, at_south) && !queued(&north, at_south));

    // Practice 2's kiosk sends practice 1's appointment handle (one it cannot know): the
    // hub cannot see that visit, so the check-in waits for its staff, and practice 1's
    // visit is untouched.
    let north_handle = roster_ids(&north)
        .into_iter()
        .find(|id| {
            !OfficeClient::new(&north.base, KIOSK_TOKEN)
                .unwrap()
                .roster()
                .unwrap()
                .entries
                .iter()
                .any(|e| e.appointment == *id && e.checked_in)
        })
        .unwrap();
    let client = OfficeClient::new(&south.base, KIOSK_TOKEN).unwrap();
    let stray = CheckInSubmission {
        id: CheckInId::random(),
        clinic: ClinicId::new(2).unwrap(),
        appointment: north_handle,
        arrived_at: Timestamp::now(),
    };
    let receipt = client.deliver(&sealed(&client, &stray)).unwrap();
    assert_eq!(receipt.outcome, SubmissionOutcome::Accepted);
    assert!(queued(&south, stray.id) && !queued(&north, stray.id));
    let north_roster = OfficeClient::new(&north.base, KIOSK_TOKEN)
        .unwrap()
        .roster()
        .unwrap();
    let visit = north_roster
        .entries
        .iter()
        .find(|e| e.appointment == north_handle)
        .unwrap();
    assert!(
        !visit.checked_in,
        "practice 2 checked in practice 1's visit"
    );

    // One user name in each practice, each with its own account; a session of one is
    // unknown to the other.
    let north_admin = sign_in(&north.state, &north.base, STAFF_ADMIN, Role::Admin);
    let south_admin = sign_in(&south.state, &south.base, STAFF_ADMIN, Role::Admin);
    assert_ne!(north_admin.user, south_admin.user);
    let queue = |base: &str| format!("{base}/api/staff/v1/queue");
    assert_eq!(
        north_admin.get(queue(&north_too.base)).unwrap().status(),
        200
    );
    assert_eq!(north_admin.get(queue(&south.base)).unwrap().status(), 401);
    assert_eq!(south_admin.get(queue(&north.base)).unwrap().status(), 401);

    for office in [north, north_too, south] {
        office.stop();
    }

    // Each practice's audit chain verifies on its own, numbered from 1; practice 1's holds
    // both of its hubs' entries.
    let database = DatabaseConfig {
        url: Some(url.clone()),
        ..DatabaseConfig::default()
    };
    let verify = |clinic: u32, dir: &tempfile::TempDir| {
        frontdesk::office::audit::verify::verify_configured(
            &database,
            ClinicId::new(clinic).unwrap(),
            dir.path(),
        )
        .unwrap()
    };
    let (north_log, south_log) = (verify(1, &dirs[0]), verify(2, &dirs[2]));
    assert!(north_log.findings.is_empty(), "{:?}", north_log.findings);
    assert!(south_log.findings.is_empty(), "{:?}", south_log.findings);
    assert!(north_log.checked > 0 && south_log.checked > 0);
    assert_eq!(south_log.checked, south_log.last_seq.unwrap());

    // Straight to the database: a session sees the rows of the practice it names, and
    // one naming none is refused rather than shown everything.
    let mut client = url
        .parse::<postgres::Config>()
        .unwrap()
        .connect(postgres::NoTls)
        .unwrap();
    let count = |client: &mut postgres::Client, id: CheckInId| -> i64 {
        client
            .query_one(
                "SELECT count(*) FROM checkins WHERE id = $1",
                &[&id.to_string()],
            )
            .unwrap()
            .get(0)
    };
    let no_practice = client.query_one("SELECT count(*) FROM checkins", &[]);
    assert!(
        no_practice.is_err(),
        "a session without a practice read rows"
    );
    client.batch_execute("SET frontdesk.clinic = 2").unwrap();
    assert_eq!(
        (count(&mut client, at_north), count(&mut client, at_south)),
        (0, 1)
    );
    let moved = client
        .execute(
            "UPDATE checkins SET clinic_id = 1 WHERE id = $1",
            &[&at_south.to_string()],
        )
        .map_err(|e| e.code().cloned());
    assert!(moved.is_err(), "a row was moved to another practice");
    client.batch_execute("SET frontdesk.clinic = 1").unwrap();
    assert_eq!(
        (count(&mut client, at_north), count(&mut client, at_south)),
        (1, 0)
    );
}

/// A superuser or BYPASSRLS role would see every practice's rows: the hub will not run as
/// one (the pass makes such a role, `FRONTDESK_TEST_POSTGRES_UNBOUND`).
#[test]
fn a_role_that_bypasses_row_security_is_refused() {
    let Some(base) = support::postgres_server("practices share PostgreSQL only") else {
        return;
    };
    let unbound = std::env::var("FRONTDESK_TEST_POSTGRES_UNBOUND").expect("the pass sets it");
    let url = fresh_postgres_schema(&base).unwrap();
    let schema = url
        .rsplit("search_path=")
        .next()
        .unwrap()
        .trim_end_matches('\'');
    let dir = tempfile::tempdir().unwrap();
    let database = DatabaseConfig {
        url: Some(format!("{unbound} options='-c search_path={schema}'")),
        ..DatabaseConfig::default()
    };
    let error = StoreHandle::open(&database, ClinicId::new(1).unwrap(), dir.path())
        .err()
        .expect("refused")
        .to_string();
    assert!(error.contains("bypasses row-level security"), "{error}");
}
