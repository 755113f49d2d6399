//! Figure 13 (photo → pre-filled fields): the kiosk's camera worker path on a synthetic
//! card front (the camera simulator decoding the demo card, the quality check, the JPEG
//! for the outbox, Tesseract, parsing into a `CardReading`), timed from asking for the
//! photo to the reading in hand, against Tesseract alone reading the same frame in the
//! same run. OCR runs on the kiosk, so this is what a patient waits for.
//!
//! Also the live preview on the photo page: one preview frame (the simulator decoding the
//! card file, scaled to at most 320×200) timed against its 200 ms budget, and the camera
//! worker streaming for a few seconds: frames delivered per second against the five asked,
//! and the process's CPU time over that span as a share of one core (Linux
//! `/proc/self/stat`; nothing else runs meanwhile).

use crate::Scale;
use crate::report::{Report, median, percentile};
use frontdesk::checkin::CardPhotoOutcome;
use frontdesk::devices::camera::CardCamera;
use frontdesk::devices::camera::sim::SimulatedCamera;
use frontdesk::devices::camera::synthetic::{CardFont, SyntheticCard};
use frontdesk::domain::CardSide;
use frontdesk::kiosk::camera::{
    CameraWorker, CameraWorkerSettings, PREVIEW_INTERVAL, preview_frame, take_photo,
};
use frontdesk::scan::card_ocr::CardOcr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub fn run(scale: &Scale, report: &mut Report) -> anyhow::Result<()> {
    println!(
        "14. Photo → pre-filled fields: {} photos of a synthetic card front vs Tesseract alone",
        scale.card_photos
    );
    let ocr = CardOcr::default();
    anyhow::ensure!(
        ocr.available(),
        "tesseract is needed (apt-get install tesseract-ocr tesseract-ocr-eng)"
    );
    let dir = tempfile::tempdir()?;
    let frame = SyntheticCard::standard(CardSide::Front, CardFont::Sans)
        .rotated(1.5)
        .noisy(12, 13)
        .render()?;
    image::save_buffer(
        dir.path().join("front.png"),
        &frame.rgb,
        frame.width,
        frame.height,
        image::ExtendedColorType::Rgb8,
    )?;
    let mut camera = SimulatedCamera::new(dir.path().to_path_buf());
    camera.check()?;
    let grey = frame.grey();

    // One of each first, untimed: Tesseract's model is read from disk the first time.
    let _ = take_photo(&mut camera, &ocr, CardSide::Front);
    let _ = ocr.text(&grey)?;
    let mut photo_ms = Vec::with_capacity(scale.card_photos);
    let mut ocr_ms = Vec::with_capacity(scale.card_photos);
    let mut all_read = true;
    for _ in 0..scale.card_photos {
        let started = Instant::now();
        let (outcome, _) = take_photo(&mut camera, &ocr, CardSide::Front);
        photo_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        all_read &= matches!(&outcome, CardPhotoOutcome::Taken(taken)
            if taken.reading.member_id.as_ref().map(|id| id.as_str()) == Some("TST-000042"));
        let started = Instant::now();
        let _ = ocr.text(&grey)?;
        ocr_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    report.check("every photo pre-fills the member id", all_read);
    report.figure(
        "14",
        format!("Photo → pre-filled fields, median of {}", scale.card_photos),
        (median(&photo_ms), median(&ocr_ms)),
        "ms",
        "Tesseract alone on the same frame",
    );
    report.figure(
        "14",
        format!("Photo → pre-filled fields, p99 of {}", scale.card_photos),
        (percentile(&photo_ms, 99.0), percentile(&ocr_ms, 99.0)),
        "ms",
        "Tesseract alone on the same frame",
    );
    preview(scale, dir.path(), report)
}

/// The process's user + system CPU time so far (Linux), in seconds.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux the kiosk runs on.
    Some(ticks as f64 / 100.0)
}

fn preview(scale: &Scale, cards: &std::path::Path, report: &mut Report) -> anyhow::Result<()> {
    let frames = scale.card_photos * 5;
    println!("14b. Camera preview: {frames} preview frames, then the worker streaming");
    let mut camera = SimulatedCamera::new(cards.to_path_buf());
    let mut frame_ms = Vec::with_capacity(frames);
    let mut small = true;
    for _ in 0..frames {
        let started = Instant::now();
        let frame = preview_frame(&mut camera);
        frame_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        small &= frame.is_some_and(|f| f.width <= 320 && f.height <= 200);
    }
    report.check("every preview frame is at most 320×200", small);
    let budget = PREVIEW_INTERVAL.as_secs_f64() * 1000.0;
    report.figure(
        "14",
        format!("Camera preview frame (decode + scale), median of {frames}"),
        (median(&frame_ms), budget),
        "ms",
        "the time between frames",
    );
    report.figure(
        "14",
        format!("Camera preview frame (decode + scale), p99 of {frames}"),
        (percentile(&frame_ms, 99.0), budget),
        "ms",
        "the time between frames",
    );

    let seconds = if scale.card_photos >= 20 { 5.0 } else { 2.0 };
    let worker = CameraWorker::start(
        Box::new(SimulatedCamera::new(cards.to_path_buf())),
        CardOcr::default(),
        CameraWorkerSettings::default(),
        Arc::new(|_| {}),
    )?;
    let delivered = Arc::new(AtomicUsize::new(0));
    worker.set_preview_sink(Arc::new({
        let delivered = delivered.clone();
        move |frame| {
            if frame.is_some() {
                delivered.fetch_add(1, Ordering::Relaxed);
            }
        }
    }));
    // Let the worker's first camera check pass before measuring.
    std::thread::sleep(Duration::from_millis(300));
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    worker.preview(true);
    std::thread::sleep(Duration::from_secs_f64(seconds));
    worker.preview(false);
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = cpu_seconds();
    let fps = delivered.load(Ordering::Relaxed) as f64 / elapsed;
    let asked = 1.0 / PREVIEW_INTERVAL.as_secs_f64();
    report.figure(
        "14",
        format!("Camera preview streaming {seconds:.0} s: frames per second"),
        (fps, asked),
        "frames/s",
        "asked",
    );
    if let (Some(before), Some(after)) = (cpu_before, cpu_after) {
        report.figure(
            "14",
            format!("Camera preview streaming {seconds:.0} s: CPU, share of one core"),
            ((after - before) / elapsed * 100.0, 100.0),
            "%",
            "one core",
        );
    }
    Ok(())
}
