//! Figure 3: check-ins per second the office accepts (committed to SQLite before it
//! answers) from N = 1, 10, 100 kiosks at once over loopback HTTP, and the latency each
//! kiosk sees. Baseline: the same store call (`OfficeStore::record_check_ins`, same
//! database settings) made directly, one at a time, with no HTTP.
//!
//! Figure 3b, when `FRONTDESK_BENCH_POSTGRES` names a PostgreSQL server (key=value form,
//! e.g. `host=/var/run/postgresql dbname=frontdesk_bench`): the same load on a hub whose
//! store is PostgreSQL (a fresh schema), beside the SQLite hub of the same run.

use crate::Scale;
use crate::load::{SimKiosk, runtime};
use crate::office_rig::{self, OfficeRig};
use crate::report::{Report, percentile};
use frontdesk::api::{CheckInSubmission, OutboxBody, SealedDelivery};
use frontdesk::domain::{CheckInId, ClinicId, KioskId};
use frontdesk::office::store::OfficeStore;
use frontdesk::seal::SealSecretKey;
use jiff::Timestamp;
use std::time::Instant;

/// Runs the figure; returns the single-kiosk rate, the drain benchmark's baseline.
pub fn run(scale: &Scale, report: &mut Report) -> anyhow::Result<f64> {
    println!(
        "3. hub ingest: {} check-ins from 1, 10, 100 kiosks",
        scale.ingest_total
    );
    let (raw_rate, raw_ms) = direct(scale.ingest_total)?;
    report.note(format!(
        "store call alone: {raw_rate:.0} check-ins/s, p50 {:.2} ms, p99 {:.2} ms",
        percentile(&raw_ms, 50.0),
        percentile(&raw_ms, 99.0)
    ));
    report.note(format!(
        "opening one sealed delivery (X25519 + XSalsa20-Poly1305, done by the office per check-in): {:.1} µs",
        open_cost_us()?
    ));
    let mut single = 0.0;
    let postgres = std::env::var("FRONTDESK_BENCH_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty());
    for kiosks in [1, 10, 100] {
        let (rate, ms) = over_http(scale.ingest_total, kiosks, None)?;
        if let Some(base) = &postgres {
            let url = frontdesk::office::store::fresh_postgres_schema(base)?;
            let (pg_rate, pg_ms) = over_http(scale.ingest_total, kiosks, Some(url))?;
            let (p50, p99) = (percentile(&pg_ms, 50.0), percentile(&pg_ms, 99.0));
            report.note(format!(
                "{kiosks} kiosks, PostgreSQL: {pg_rate:.0} check-ins/s, p50 {p50:.2} ms, p99 {p99:.2} ms"
            ));
            report.figure(
                "3b",
                format!("ingest on PostgreSQL, {kiosks} kiosk(s): check-ins per second"),
                (pg_rate, rate),
                "/s",
                "the SQLite hub, same load, same run",
            );
            report.figure(
                "3b",
                format!("ingest on PostgreSQL, {kiosks} kiosk(s): latency p99"),
                (p99, percentile(&ms, 99.0)),
                "ms",
                "the SQLite hub, p99",
            );
        }
        if kiosks == 1 {
            single = rate;
        }
        let (p50, p99) = (percentile(&ms, 50.0), percentile(&ms, 99.0));
        report.note(format!(
            "{kiosks} kiosks: {rate:.0} check-ins/s, p50 {p50:.2} ms, p99 {p99:.2} ms"
        ));
        report.figure(
            "3",
            format!("ingest, {kiosks} kiosk(s): check-ins per second"),
            (rate, raw_rate),
            "/s",
            "the same store call without HTTP",
        );
        for (p, ours) in [(50.0, p50), (99.0, p99)] {
            report.figure(
                "3",
                format!("ingest, {kiosks} kiosk(s): latency p{p:.0}"),
                (ours, percentile(&raw_ms, p)),
                "ms",
                format!("the same store call without HTTP, p{p:.0}"),
            );
        }
    }
    Ok(single)
}

/// Mean microseconds the office spends opening one sealed check-in.
fn open_cost_us() -> anyhow::Result<f64> {
    const N: u32 = 2_000;
    let key = SealSecretKey::generate()?;
    let delivery = SealedDelivery::seal(
        &OutboxBody::CheckIn(CheckInSubmission {
            id: CheckInId::random(),
            clinic: ClinicId::new(1)?,
            appointment: frontdesk::domain::AppointmentId::new(1),
            arrived_at: Timestamp::now(),
        }),
        &key.public_key(),
    )?;
    let started = Instant::now();
    for _ in 0..N {
        std::hint::black_box(delivery.open(&key)?);
    }
    Ok(started.elapsed().as_secs_f64() * 1e6 / f64::from(N))
}

/// `total` check-ins straight into a fresh office store.
fn direct(total: usize) -> anyhow::Result<(f64, Vec<f64>)> {
    let dir = tempfile::tempdir()?;
    let mut store = OfficeStore::open(&dir.path().join("office.db"))?;
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    store.import_appointments(&office_rig::appointments(today, total))?;
    let ids: Vec<_> = store
        .appointments_on(today)?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let kiosk = KioskId::new("bench-0")?;
    let mut ms = Vec::with_capacity(total);
    let started = Instant::now();
    for appointment in ids {
        let submission = CheckInSubmission {
            id: CheckInId::random(),
            clinic: ClinicId::new(1)?,
            appointment,
            arrived_at: Timestamp::now(),
        };
        let one = Instant::now();
        store.record_check_ins(&[(&submission, &kiosk)], Timestamp::now())?;
        ms.push(one.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((total as f64 / started.elapsed().as_secs_f64(), ms))
}

/// `total` check-ins shared among `kiosks` concurrent simulated kiosks, to a hub on
/// SQLite or on the PostgreSQL `database` names.
fn over_http(
    total: usize,
    kiosks: usize,
    database: Option<String>,
) -> anyhow::Result<(f64, Vec<f64>)> {
    let dir = tempfile::tempdir()?;
    let office = OfficeRig::start_with(dir.path(), "127.0.0.1:0".parse()?, kiosks, total, |c| {
        c.database.url = database;
    })?;
    let ids = office.appointment_ids()?;
    let runtime = runtime()?;
    let (elapsed, ms) = runtime.block_on(async {
        // Each kiosk's outbox is sealed before the clock starts, as a real kiosk seals
        // when it writes: the figure is the office's, not the load generator's crypto.
        let share = ids.len().div_ceil(kiosks);
        let mut outboxes = Vec::new();
        for (n, chunk) in ids.chunks(share).enumerate() {
            let kiosk = SimKiosk::new(
                &office.base,
                &office.kiosks[n].1,
                office.state.seal_key.public_key(),
            )?;
            let sealed = chunk
                .iter()
                .map(|appointment| kiosk.seal(*appointment).map(|(_, sealed)| sealed))
                .collect::<anyhow::Result<Vec<_>>>()?;
            outboxes.push((kiosk, sealed));
        }
        let mut tasks = Vec::new();
        let started = Instant::now();
        for (kiosk, sealed) in outboxes {
            tasks.push(tokio::spawn(async move {
                let mut ms = Vec::with_capacity(sealed.len());
                for delivery in &sealed {
                    ms.push(kiosk.deliver(delivery).await?);
                }
                anyhow::Ok(ms)
            }));
        }
        let mut all = Vec::with_capacity(total);
        for task in tasks {
            all.extend(task.await??);
        }
        anyhow::Ok((started.elapsed(), all))
    })?;
    office.stop();
    Ok((ms.len() as f64 / elapsed.as_secs_f64(), ms))
}
