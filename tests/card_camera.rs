//! Insurance card photos, end to end below the UI: synthetic cards (three DejaVu fonts,
//! slightly rotated, noisy) are read by the real Tesseract into the payer, member id,
//! group and member name; dark, blurred and empty frames are refused before any OCR; the
//! camera simulator serves the demo's cards. Needs Debian's `tesseract-ocr` and
//! `tesseract-ocr-eng` (README command 2 installs them).

use frontdesk::devices::camera::synthetic::{CardFont, SyntheticCard, write_demo_cards};
use frontdesk::devices::camera::{CardCamera, Frame, sim::SimulatedCamera};
use frontdesk::domain::{CardSide, GroupNumber, MemberId};
use frontdesk::scan::card_ocr::CardOcr;
use frontdesk::scan::card_photo::{self, GreyImage, Unusable};

fn ocr() -> CardOcr {
    // A hang guard, not a speed goal: in the arm64 image under emulation (image/
    // boot-test.sh) Tesseract runs many times slower than on a Pi.
    let ocr = CardOcr {
        timeout: std::time::Duration::from_secs(300),
        ..CardOcr::default()
    };
    assert!(
        ocr.available(),
        "tesseract is needed: apt-get install tesseract-ocr tesseract-ocr-eng"
    );
    ocr
}

#[test]
fn the_member_id_group_payer_and_name_come_out_in_every_font_tilted() {
    let ocr = ocr();
    for (font, tilt) in [
        (CardFont::Sans, -2.0),
        (CardFont::Serif, 1.5),
        (CardFont::Mono, 2.5),
        (CardFont::Sans, 0.5),
    ] {
        let frame = SyntheticCard::standard(CardSide::Front, font)
            .rotated(tilt)
            .noisy(14, 42)
            .render()
            .unwrap();
        let grey = frame.grey();
        let (measures, verdict) = card_photo::judge(&grey);
        println!("{font:?} {tilt}°: {measures:?}");
        assert_eq!(verdict, Ok(()), "{font:?} {tilt}°: {measures:?}");
        let text = ocr.text(&grey).unwrap();
        let reading = frontdesk::scan::card_text::parse_card_text(&text);
        let context = format!("{font:?} {tilt}°, OCR text:\n{text}");
        assert_eq!(
            reading.member_id.as_ref().map(MemberId::as_str),
            Some("TST-000042"),
            "{context}"
        );
        assert_eq!(
            reading.group.as_ref().map(GroupNumber::as_str),
            Some("GRP-100"),
            "{context}"
        );
        assert_eq!(
            reading.payer_name.as_deref(),
            Some("Testpayer Health Plan"),
            "{context}"
        );
        let name = reading.member_name.as_ref().expect(&context);
        assert_eq!(
            (name.first(), name.last()),
            ("Ada", "Testpatient"),
            "{context}"
        );
    }
}

#[test]
fn the_back_of_the_card_gives_the_payer_and_no_member_fields() {
    let frame = SyntheticCard::standard(CardSide::Back, CardFont::Serif)
        .rotated(-1.0)
        .noisy(10, 3)
        .render()
        .unwrap();
    let reading = ocr().read(&frame.grey()).unwrap();
    assert_eq!(reading.payer_name.as_deref(), Some("Testpayer Health Plan"));
    assert!(reading.member_id.is_none() && reading.group.is_none());
}

/// A box blur of the given radius, per channel (rows, then columns).
fn blurred(frame: &Frame, radius: i64) -> Frame {
    let (w, h) = (i64::from(frame.width), i64::from(frame.height));
    let pass = |source: &[u8], horizontal: bool| -> Vec<u8> {
        let mut out = source.to_vec();
        for y in 0..h {
            for x in 0..w {
                for c in 0..3 {
                    let (mut sum, mut n) = (0u32, 0u32);
                    for d in -radius..=radius {
                        let (sx, sy) = if horizontal { (x + d, y) } else { (x, y + d) };
                        if (0..w).contains(&sx) && (0..h).contains(&sy) {
                            sum += u32::from(source[((sy * w + sx) * 3 + c) as usize]);
                            n += 1;
                        }
                    }
                    out[((y * w + x) * 3 + c) as usize] = (sum / n) as u8;
                }
            }
        }
        out
    };
    let rows = pass(&frame.rgb, true);
    Frame::new(frame.width, frame.height, pass(&rows, false)).unwrap()
}

#[test]
fn dark_blurred_and_empty_frames_are_unusable() {
    let card = SyntheticCard::standard(CardSide::Front, CardFont::Sans)
        .rotated(1.0)
        .noisy(12, 5)
        .render()
        .unwrap();
    let sharp = card_photo::judge(&card.grey());
    println!("sharp: {:?}", sharp.0);
    assert_eq!(sharp.1, Ok(()));

    let dark = Frame::new(
        card.width,
        card.height,
        card.rgb.iter().map(|&c| c / 8).collect(),
    )
    .unwrap();
    let (measures, verdict) = card_photo::judge(&dark.grey());
    println!("dark: {measures:?}");
    assert_eq!(verdict, Err(Unusable::Dark));

    for radius in [3, 5] {
        let (measures, verdict) = card_photo::judge(&blurred(&card, radius).grey());
        println!("blur {radius}: {measures:?}");
        assert_eq!(verdict, Err(Unusable::Blurred), "radius {radius}");
    }

    // A lens pointed at a wall: one colour with sensor noise.
    let mut seed = 99u32;
    let grey: Vec<u8> = (0..1280 * 800)
        .map(|_| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            150 + (seed >> 28) as u8
        })
        .collect();
    let (measures, verdict) = card_photo::judge(&GreyImage::new(1280, 800, grey).unwrap());
    println!("wall: {measures:?}");
    assert_eq!(verdict, Err(Unusable::Empty));
}

#[test]
fn the_simulator_serves_the_demo_cards_front_then_back() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_demo_cards(dir.path()).unwrap();
    assert_eq!(files.len(), 6);
    let mut camera = SimulatedCamera::new(dir.path().to_path_buf());
    camera.check().unwrap();
    let ocr = ocr();
    let front = ocr.read(&camera.capture().unwrap().grey()).unwrap();
    assert_eq!(
        front.member_id.as_ref().map(MemberId::as_str),
        Some("TST-000042")
    );
    let back = ocr.read(&camera.capture().unwrap().grey()).unwrap();
    assert!(back.member_id.is_none());
    assert_eq!(back.payer_name.as_deref(), Some("Testpayer Health Plan"));
}
