//! Figure 18 (staff queue page): opening the queue with 200 check-ins on it, as a browser
//! does: `GET /` (the page, behind the sign-in gate), then its data, `GET
//! /api/staff/v1/queue` (every row, audited as a queue view), one after the other over one
//! connection; p50 / p99. Beside it, the same two round trips for the page's static
//! script (no session look-up, no store): what HTTP alone costs. A note gives the whole
//! first load, with the four sections the page fetches once the queue is in
//! (registrations, consents, answers, insurance), sent together as the browser does.

use crate::Scale;
use crate::load::{SimKiosk, runtime};
use crate::office_rig::OfficeRig;
use crate::report::{Report, percentile};
use anyhow::Context as _;
use std::time::Instant;

const CHECK_INS: usize = 200;

pub fn run(scale: &Scale, report: &mut Report) -> anyhow::Result<()> {
    let loads = scale.queue_loads;
    println!("18. queue page: {CHECK_INS} check-ins, {loads} loads");
    let dir = tempfile::tempdir()?;
    let office = OfficeRig::start(dir.path(), "127.0.0.1:0".parse()?, 1, CHECK_INS)?;
    let ids = office.appointment_ids()?;
    let cookie = office.staff_cookie()?;
    let runtime = runtime()?;
    let result = runtime.block_on(async {
        let (_, token) = office.kiosks.first().context("one kiosk")?;
        let kiosk = SimKiosk::new(&office.base, token, office.state.seal_key.public_key())?;
        for appointment in &ids {
            kiosk.check_in(*appointment).await?;
        }
        let client = reqwest::Client::builder().build()?;
        let get = |path: String| {
            let request = client
                .get(format!("{}{path}", office.base))
                .header("cookie", &cookie);
            async move {
                let response = request.send().await?.error_for_status()?;
                anyhow::Ok(response.bytes().await?.len())
            }
        };
        // The page names its script by hash: read it from the page.
        let page = String::from_utf8(
            client
                .get(format!("{}/", office.base))
                .header("cookie", &cookie)
                .send()
                .await?
                .bytes()
                .await?
                .to_vec(),
        )?;
        let script = page
            .split("<script src=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .context("the page links its script")?
            .to_owned();
        let queue_rows = {
            let body = client
                .get(format!("{}/api/staff/v1/queue", office.base))
                .header("cookie", &cookie)
                .send()
                .await?
                .bytes()
                .await?;
            let view: frontdesk::office::staff::QueueView = serde_json::from_slice(&body)?;
            view.checked_in.len()
        };

        let mut page_ms = Vec::with_capacity(loads);
        let mut static_ms = Vec::with_capacity(loads);
        let mut whole_ms = Vec::with_capacity(loads);
        let mut bytes = 0;
        for _ in 0..loads {
            let started = Instant::now();
            bytes = get("/".into()).await? + get("/api/staff/v1/queue".into()).await?;
            page_ms.push(started.elapsed().as_secs_f64() * 1e3);
            let (a, b, c, d) = tokio::join!(
                get("/api/staff/v1/registrations".into()),
                get("/api/staff/v1/consents".into()),
                get("/api/staff/v1/intake".into()),
                get("/api/staff/v1/insurance".into()),
            );
            a?;
            b?;
            c?;
            d?;
            whole_ms.push(started.elapsed().as_secs_f64() * 1e3);

            let started = Instant::now();
            get(script.clone()).await?;
            get(script.clone()).await?;
            static_ms.push(started.elapsed().as_secs_f64() * 1e3);
        }
        anyhow::Ok((queue_rows, page_ms, static_ms, whole_ms, bytes))
    });
    office.stop();
    let (queue_rows, page_ms, static_ms, whole_ms, bytes) = result?;
    report.check(
        format!("the queue lists all {CHECK_INS} check-ins"),
        queue_rows == CHECK_INS,
    );
    for p in [50.0, 99.0] {
        report.figure(
            "18 queue page",
            format!("GET / + its queue data with {CHECK_INS} check-ins, p{p:.0}"),
            (percentile(&page_ms, p), percentile(&static_ms, p)),
            "ms",
            format!("two GETs of the page's static script, p{p:.0}"),
        );
    }
    report.note(format!(
        "18: page + queue data {:.0} KiB; with the four sections fetched after it: p50 {:.2} ms, p99 {:.2} ms (n={loads})",
        bytes as f64 / 1024.0,
        percentile(&whole_ms, 50.0),
        percentile(&whole_ms, 99.0),
    ));
    Ok(())
}
