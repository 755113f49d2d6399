//! What figure 16's two halves (HL7 v2 and FHIR) share: check-ins posted one at a time and
//! timed until the EHR's end has their message, and a queue filled during an outage timed
//! while it drains.

use crate::office_rig::{OfficeRig, kiosk_token};
use anyhow::{Context as _, bail};
use frontdesk::api::{CheckInSubmission, OutboxBody, SealedDelivery};
use frontdesk::domain::{CheckInId, ClinicId, KioskId};
use frontdesk::office::store::{OfficeStore, StoreGuard};
use frontdesk::sync::OfficeClient;
use jiff::Timestamp;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The rig's office database.
pub fn store(rig: &OfficeRig) -> anyhow::Result<StoreGuard<'_>> {
    rig.state.store.get().map_err(anyhow::Error::from)
}

fn check_in(appointment: frontdesk::domain::AppointmentId) -> anyhow::Result<CheckInSubmission> {
    Ok(CheckInSubmission {
        id: CheckInId::random(),
        clinic: ClinicId::new(1)?,
        appointment,
        arrived_at: Timestamp::now(),
    })
}

/// Check-ins, timed: one for each of the rig's appointments, posted sealed as a kiosk
/// does, one at a time; each timed until the office answered and until the EHR's end
/// reported its message (`reached`, `what` names it). The first `warmup` are not kept.
/// Milliseconds: (check-in answered, message reached).
pub fn timed_check_ins(
    rig: &OfficeRig,
    warmup: usize,
    reached: &mpsc::Receiver<Instant>,
    what: &str,
) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let client = OfficeClient::new(&rig.base, &kiosk_token(0))?;
    let seal = client.config()?.seal_public_key;
    let mut check_in_ms = Vec::new();
    let mut reached_ms = Vec::new();
    for (i, appointment) in rig.appointment_ids()?.into_iter().enumerate() {
        let sealed = SealedDelivery::seal(&OutboxBody::CheckIn(check_in(appointment)?), &seal)?;
        let started = Instant::now();
        client.deliver(&sealed)?;
        let stored = started.elapsed();
        let at = reached
            .recv_timeout(Duration::from_secs(60))
            .with_context(|| format!("no {what} reached the EHR's end"))?;
        if i >= warmup {
            check_in_ms.push(stored.as_secs_f64() * 1e3);
            reached_ms.push(at.duration_since(started).as_secs_f64() * 1e3);
        }
    }
    Ok((check_in_ms, reached_ms))
}

/// An outage drained: stores a check-in for each of the rig's `queued` appointments in
/// one batch while the EHR's end is down, checks that `waiting` counts them all, sets
/// `up`, and times until nothing waits (seconds; `what` names the queue's items).
pub fn drain_after_outage(
    rig: &OfficeRig,
    queued: usize,
    up: &AtomicBool,
    waiting: impl Fn(&OfficeStore) -> anyhow::Result<u64>,
    what: &str,
) -> anyhow::Result<f64> {
    let kiosk = KioskId::new("bench-0")?;
    let submissions = rig
        .appointment_ids()?
        .into_iter()
        .map(check_in)
        .collect::<anyhow::Result<Vec<_>>>()?;
    {
        let batch: Vec<_> = submissions.iter().map(|s| (s, &kiosk)).collect();
        store(rig)?.record_check_ins(&batch, Timestamp::now())?;
    }
    std::thread::sleep(Duration::from_secs(1));
    if waiting(&*store(rig)?)? != queued as u64 {
        bail!("expected {queued} {what} waiting during the outage");
    }
    up.store(true, Ordering::SeqCst);
    let back = Instant::now();
    let deadline = back + Duration::from_secs(900);
    while waiting(&*store(rig)?)? > 0 {
        if Instant::now() > deadline {
            bail!("{what} still waiting after 15 minutes");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(back.elapsed().as_secs_f64())
}
