//! Figure 4: how fresh the staff queue is. Ten staff pages hold the live stream
//! (`/api/staff/v1/events`, server-sent events) open while kiosks submit check-ins at a
//! steady 50 per second; each page notes when it hears of each check-in. Baseline: the
//! submitting kiosk's own acknowledgement time in the same run.

use crate::Scale;
use crate::load::{SimKiosk, runtime};
use crate::office_rig::OfficeRig;
use crate::report::{Report, percentile};
use anyhow::Context as _;
use frontdesk::domain::CheckInId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const PAGES: usize = 10;
const KIOSKS: usize = 5;

pub fn run(scale: &Scale, report: &mut Report) -> anyhow::Result<()> {
    let total = scale.fresh_rate * scale.fresh_secs;
    println!(
        "4. queue freshness: {PAGES} staff pages, {} check-ins/s for {} s",
        scale.fresh_rate, scale.fresh_secs
    );
    let dir = tempfile::tempdir()?;
    let office = OfficeRig::start(dir.path(), "127.0.0.1:0".parse()?, KIOSKS, total)?;
    let ids = office.appointment_ids()?;
    let cookie = office.staff_cookie()?;
    let runtime = runtime()?;
    let (heard, submitted, acks) = runtime.block_on(async {
        let (heard_tx, mut heard_rx) = mpsc::unbounded_channel::<(usize, CheckInId, Instant)>();
        let mut pages = Vec::new();
        for page in 0..PAGES {
            let response = reqwest::Client::new()
                .get(format!("{}/api/staff/v1/events", office.base))
                .header("cookie", &cookie)
                .send()
                .await?
                .error_for_status()?;
            pages.push(tokio::spawn(listen(page, response, heard_tx.clone())));
        }
        drop(heard_tx);
        // Subscribed once the response has started; give the streams a moment to settle.
        tokio::time::sleep(Duration::from_millis(200)).await;

        let kiosks: Vec<Arc<SimKiosk>> = office
            .kiosks
            .iter()
            .map(|(_, token)| {
                SimKiosk::new(&office.base, token, office.state.seal_key.public_key()).map(Arc::new)
            })
            .collect::<anyhow::Result<_>>()?;
        let submitted: Arc<Mutex<HashMap<CheckInId, Instant>>> = Arc::default();
        let mut ticker =
            tokio::time::interval(Duration::from_secs_f64(1.0 / scale.fresh_rate as f64));
        let mut sends = Vec::new();
        for (n, appointment) in ids.into_iter().enumerate() {
            ticker.tick().await;
            let kiosk = kiosks[n % KIOSKS].clone();
            let submitted = submitted.clone();
            sends.push(tokio::spawn(async move {
                let started = Instant::now();
                let (id, ms) = kiosk.check_in(appointment).await?;
                submitted
                    .lock()
                    .map_err(|_| anyhow::anyhow!("poisoned"))?
                    .insert(id, started);
                anyhow::Ok(ms)
            }));
        }
        let mut acks = Vec::new();
        for send in sends {
            acks.push(send.await??);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        for page in &pages {
            page.abort();
        }
        let mut heard = Vec::new();
        while let Some(item) = heard_rx.recv().await {
            heard.push(item);
        }
        let submitted =
            std::mem::take(&mut *submitted.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
        anyhow::Ok((heard, submitted, acks))
    })?;
    office.stop();

    // A check-in is timed from just before its request was sent.
    let fresh: Vec<f64> = heard
        .iter()
        .filter_map(|(_, id, at)| {
            submitted
                .get(id)
                .map(|sent| at.saturating_duration_since(*sent).as_secs_f64() * 1000.0)
        })
        .collect();
    report.note(format!(
        "freshness over {} (page, check-in) pairs: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; acknowledgement p50 {:.2} ms, p99 {:.2} ms",
        fresh.len(),
        percentile(&fresh, 50.0),
        percentile(&fresh, 99.0),
        percentile(&fresh, 100.0),
        percentile(&acks, 50.0),
        percentile(&acks, 99.0),
    ));
    for p in [50.0, 99.0] {
        report.figure(
            "4",
            format!(
                "submitted → heard by {PAGES} staff pages, p{p:.0}, at {}/s",
                scale.fresh_rate
            ),
            (percentile(&fresh, p), percentile(&acks, p)),
            "ms",
            format!("the kiosk's own acknowledgement, p{p:.0}"),
        );
    }
    report.check(
        format!("every one of {PAGES} staff pages heard every one of {total} check-ins"),
        fresh.len() == PAGES * total,
    );
    Ok(())
}

/// Reads one page's event stream, sending (page, check-in, when heard) for each arrival.
async fn listen(
    page: usize,
    mut response: reqwest::Response,
    heard: mpsc::UnboundedSender<(usize, CheckInId, Instant)>,
) -> anyhow::Result<()> {
    let mut buffer = String::new();
    while let Some(chunk) = response.chunk().await? {
        let at = Instant::now();
        buffer.push_str(std::str::from_utf8(&chunk).context("event stream is not UTF-8")?);
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if let Some(id) = checked_in(&block) {
                let _ = heard.send((page, id, at));
            }
        }
    }
    Ok(())
}

/// The check-in id of a `queue` event announcing an arrival.
fn checked_in(block: &str) -> Option<CheckInId> {
    let data = block.lines().find_map(|l| l.strip_prefix("data:"))?.trim();
    let event: serde_json::Value = serde_json::from_str(data).ok()?;
    if event.get("kind")?.as_str()? != "checked_in" {
        return None;
    }
    CheckInId::parse(event.get("check_in")?.as_str()?)
}
