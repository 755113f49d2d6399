//! Figure 13 (photo → pre-filled fields): the kiosk's camera worker path on a synthetic
//! card front (the camera simulator decoding the demo card, the quality check, the JPEG
//! for the outbox, Tesseract, parsing into a `CardReading`), timed from asking for the
//! photo to the reading in hand, against Tesseract alone reading the same frame in the
//! same run. OCR runs on the kiosk, so this is what a patient waits for.

use crate::Scale;
use crate::report::{Report, median, percentile};
use frontdesk::checkin::CardPhotoOutcome;
use frontdesk::devices::camera::CardCamera;
use frontdesk::devices::camera::sim::SimulatedCamera;
use frontdesk::devices::camera::synthetic::{CardFont, SyntheticCard};
use frontdesk::domain::CardSide;
use frontdesk::kiosk::camera::take_photo;
use frontdesk::scan::card_ocr::CardOcr;
use std::time::Instant;

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
    Ok(())
}
