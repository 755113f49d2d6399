//! Figure 5: the office is down while 10,000 check-ins pile up in a kiosk's outbox; it
//! comes back, and the kiosk's real sync thread (default settings: backoff 1 s to 30 s)
//! delivers them. Timed from the office listening again to the outbox empty; then the
//! office database is counted to prove nothing was stored twice. Baseline: the time the
//! single-kiosk ingest rate of figure 3 (same run) predicts.

use crate::Scale;
use crate::office_rig::OfficeRig;
use crate::report::Report;
use anyhow::bail;
use frontdesk::api::CheckInSubmission;
use frontdesk::domain::{CheckInId, ClinicId};
use frontdesk::office::events::{Numbered, QueueEvent};
use frontdesk::store::KioskStore;
use frontdesk::sync::{OfficeClient, SyncWorker, WorkerSettings};
use jiff::Timestamp;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::TryRecvError;

pub fn run(scale: &Scale, single_kiosk_rate: f64, report: &mut Report) -> anyhow::Result<()> {
    let count = scale.drain_count;
    println!("5. outage drain: {count} queued check-ins");
    let dir = tempfile::tempdir()?;
    let office_dir = dir.path().join("office");
    // The day's appointments are loaded; then the office goes down.
    let office = OfficeRig::start(&office_dir, "127.0.0.1:0".parse()?, 1, count)?;
    let (addr, base, token) = (office.addr, office.base.clone(), office.kiosks[0].1.clone());
    let ids = office.appointment_ids()?;
    let today = office.state.today(Timestamp::now());
    let seal_key = office.state.seal_key.public_key();
    office.stop();

    let db = dir.path().join("kiosk.db");
    let mut outbox = KioskStore::open(&db)?;
    // As if the kiosk had met the office before the outage: its sealing key is pinned.
    outbox.set_office_seal_key(&seal_key)?;
    let queued = Instant::now();
    for appointment in ids {
        outbox.enqueue(
            &CheckInSubmission {
                id: CheckInId::random(),
                clinic: ClinicId::new(1)?,
                appointment,
                arrived_at: Timestamp::now(),
            },
            today,
        )?;
    }
    let enqueue_secs = queued.elapsed().as_secs_f64();
    let sync = SyncWorker::start(
        OfficeClient::new(&base, &token)?,
        db.clone(),
        WorkerSettings::default(),
        Arc::new(AtomicBool::new(true)),
        |_| {},
    )?;
    // The kiosk keeps trying while the office is down.
    std::thread::sleep(Duration::from_secs(2));

    let office = OfficeRig::start(&office_dir, addr, 1, 0)?;
    let back = Instant::now();
    // The office announces each stored check-in; the first announcement times the retry.
    let mut announced = office.state.events.subscribe();
    let mut first_delivery = None;
    let deadline = back + Duration::from_secs(900);
    loop {
        let depth = outbox.depth()? as usize;
        if first_delivery.is_none() && heard_check_in(&mut announced) {
            first_delivery = Some(back.elapsed().as_secs_f64());
        }
        if depth == 0 {
            break;
        }
        if Instant::now() > deadline {
            bail!("{depth} check-ins still queued after 15 minutes");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let total_secs = back.elapsed().as_secs_f64();
    drop(sync);
    let (stored, distinct_ids, appointments, audits) = office.check_in_counts()?;
    office.stop();

    let waited = first_delivery.unwrap_or(0.0);
    report.note(format!(
        "outage drain: queued {count} in {enqueue_secs:.1} s ({:.0}/s, each its own durable commit); office back → first delivery {waited:.2} s (the kiosk's retry backoff), → outbox empty {total_secs:.2} s ({:.0}/s while draining)",
        count as f64 / enqueue_secs,
        count as f64 / (total_secs - waited).max(f64::EPSILON)
    ));
    report.figure(
        "5",
        format!("office back → {count} queued check-ins delivered"),
        (total_secs, count as f64 / single_kiosk_rate),
        "s",
        "what figure 3's one-kiosk rate predicts",
    );
    report.check(
        format!(
            "outage drain: {count} delivered, none twice ({stored} stored, {distinct_ids} ids, {appointments} appointments, {audits} audit rows)"
        ),
        [stored, distinct_ids, appointments, audits] == [count as u64; 4],
    );
    Ok(())
}

/// Whether the office has announced a stored check-in since last asked.
fn heard_check_in(announced: &mut tokio::sync::broadcast::Receiver<Numbered>) -> bool {
    loop {
        match announced.try_recv() {
            Ok(Numbered {
                event: QueueEvent::CheckedIn { .. },
                ..
            })
            | Err(TryRecvError::Lagged(_)) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
}
