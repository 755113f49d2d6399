//! Consent documents, the set a clinic asks for, signatures and their outbox encoding,
//! and (office) the signature image and signed PDF. Synthetic data only.

use frontdesk::consent::{
    ConsentDocument, ConsentSet, DEFAULT_SOURCES, DocumentErrorReason, DocumentId, Point, SetError,
    Signature, SignatureError, SignedConsent, SignedVersion, Version, default_set,
    signature::{MAX_POINTS, MAX_STROKES},
};
use frontdesk::domain::Language;

/// A synthetic, handwriting-like signature: three wavy strokes sampled every 8 ms, as a
/// 60 Hz touch screen reports them; pad coordinates in 0..=10000.
fn typical_signature() -> Signature {
    let mut strokes = Vec::new();
    let mut t = 0u32;
    for s in 0..3u32 {
        let mut stroke = Vec::new();
        for i in 0..90u32 {
            let x = 1500 + s * 2400 + i * 22;
            let phase = f64::from(i) / 6.0 + f64::from(s);
            let y = 5000.0 + 1800.0 * phase.sin() - f64::from(i) * 5.0;
            stroke.push(Point {
                x: x as u16,
                y: y as u16,
                t_ms: t,
            });
            t += 8;
        }
        t += 250;
        strokes.push(stroke);
    }
    Signature::new(strokes).expect("a typical signature is valid")
}

fn doc(id: &str, version: u32, language: &str) -> String {
    format!(
        "---\nid: {id}\nversion: {version}\nlanguage: {language}\ntitle: T {id}\n---\nText of {id}.\n"
    )
}

#[test]
fn default_documents_parse_in_both_languages() {
    let set = default_set().expect("defaults parse");
    let ids: Vec<&str> = set.ids().iter().map(DocumentId::as_str).collect();
    assert_eq!(
        ids,
        ["privacy-notice", "financial-policy", "treatment-consent"]
    );
    for id in set.ids() {
        for language in Language::ALL {
            let d = set.document(id, language).expect("every language present");
            assert!(d.template, "{id} is marked as a template");
            assert!(!d.blocks.is_empty());
        }
    }
    let es = set
        .document(
            &DocumentId::new("financial-policy").unwrap(),
            Language::Spanish,
        )
        .unwrap();
    assert_eq!(es.title, "Política financiera");
    assert_eq!(DEFAULT_SOURCES.len(), 6);
}

#[test]
fn parse_errors_name_line_and_reason() {
    let text = "---\nid: privacy\nversion: 1.2\nlanguage: en\ntitle: P\n---\nx\n";
    let e = ConsentDocument::parse(text).unwrap_err();
    assert_eq!(
        (e.line, e.reason.clone()),
        (3, DocumentErrorReason::BadVersion)
    );
    assert_eq!(
        e.to_string(),
        "line 3: version must be a whole number from 1 to 999999"
    );
    let text = "---\nid: privacy\nversion: 1\nlanguage: en\ntitle: P\n---\n# Hi\n\nok\n\n<script>x</script>\n";
    let e = ConsentDocument::parse(text).unwrap_err();
    assert_eq!(
        (e.line, e.reason),
        (11, DocumentErrorReason::Unsupported("HTML"))
    );
}

#[test]
fn set_refuses_missing_language_duplicates_and_version_mismatch() {
    let en = doc("a", 1, "en");
    let es = doc("a", 1, "es");
    let es2 = doc("a", 2, "es");
    assert_eq!(
        ConsentSet::from_sources([("a.en.md", en.as_str())]),
        Err(SetError::MissingLanguage {
            id: DocumentId::new("a").unwrap(),
            language: "es"
        })
    );
    match ConsentSet::from_sources([("a.en.md", en.as_str()), ("b.en.md", en.as_str())]) {
        Err(SetError::Duplicate {
            file, line, first, ..
        }) => {
            assert_eq!(
                (file.as_str(), line, first.as_str()),
                ("b.en.md", 2, "a.en.md")
            );
        }
        other => panic!("duplicate expected, got {other:?}"),
    }
    assert!(matches!(
        ConsentSet::from_sources([("a.en.md", en.as_str()), ("a.es.md", es2.as_str())]),
        Err(SetError::VersionMismatch { line: 2, .. })
    ));
    match ConsentSet::from_sources([("a.en.md", en.as_str()), ("bad.md", "no front matter")]) {
        Err(e @ SetError::Document { .. }) => {
            assert_eq!(
                e.to_string(),
                "bad.md: line 1: file must start with a `---` front matter line"
            );
        }
        other => panic!("document error expected, got {other:?}"),
    }
    assert!(ConsentSet::from_sources([("a.en.md", en.as_str()), ("a.es.md", es.as_str())]).is_ok());
    assert_eq!(ConsentSet::from_sources([]), Err(SetError::Empty));
}

#[test]
fn already_signed_this_version_is_skipped_and_a_new_version_asks_again() {
    let set_v1 = default_set().unwrap();
    let all: Vec<&str> = set_v1.to_sign(&[]).iter().map(|i| i.as_str()).collect();
    assert_eq!(all.len(), 3);
    let signed = |id: &str, v: u32| SignedVersion {
        id: DocumentId::new(id).unwrap(),
        version: Version::new(v).unwrap(),
    };
    let history = [signed("privacy-notice", 1), signed("financial-policy", 1)];
    let left: Vec<&str> = set_v1
        .to_sign(&history)
        .iter()
        .map(|i| i.as_str())
        .collect();
    assert_eq!(left, ["treatment-consent"]);

    // The office raises the financial policy to version 2: it asks again.
    let sources: Vec<(&str, String)> = DEFAULT_SOURCES
        .iter()
        .map(|(f, t)| {
            let t = if f.starts_with("financial-policy") {
                t.replace("version: 1", "version: 2")
            } else {
                t.to_string()
            };
            (*f, t)
        })
        .collect();
    let set_v2 = ConsentSet::from_sources(sources.iter().map(|(f, t)| (*f, t.as_str()))).unwrap();
    let left: Vec<&str> = set_v2
        .to_sign(&history)
        .iter()
        .map(|i| i.as_str())
        .collect();
    assert_eq!(left, ["financial-policy", "treatment-consent"]);
}

#[test]
fn signatures_are_validated_on_construction() {
    assert_eq!(Signature::new(vec![]), Err(SignatureError::Empty));
    assert_eq!(
        Signature::new(vec![vec![]]),
        Err(SignatureError::EmptyStroke { stroke: 0 })
    );
    let tap = vec![
        Point {
            x: 5000,
            y: 5000,
            t_ms: 0,
        },
        Point {
            x: 5010,
            y: 5004,
            t_ms: 40,
        },
    ];
    assert_eq!(Signature::new(vec![tap]), Err(SignatureError::TooLittleInk));
    let many: Vec<Point> = (0..=MAX_POINTS as u32)
        .map(|i| Point {
            x: (i % 10_000) as u16,
            y: 10,
            t_ms: i,
        })
        .collect();
    assert_eq!(
        Signature::new(vec![many]),
        Err(SignatureError::TooManyPoints)
    );
    let strokes = vec![
        vec![
            Point {
                x: 0,
                y: 0,
                t_ms: 0
            },
            Point {
                x: 9000,
                y: 0,
                t_ms: 1
            }
        ];
        MAX_STROKES + 1
    ];
    assert_eq!(Signature::new(strokes), Err(SignatureError::TooManyStrokes));
    let off = vec![
        Point {
            x: 0,
            y: 0,
            t_ms: 0,
        },
        Point {
            x: 10_001,
            y: 0,
            t_ms: 1,
        },
    ];
    assert_eq!(
        Signature::new(vec![off]),
        Err(SignatureError::OutOfPad {
            stroke: 0,
            point: 1
        })
    );
}

#[test]
fn encoding_round_trips_and_is_compact() {
    let sig = typical_signature();
    let bytes = sig.encode();
    assert!(bytes.starts_with("{\"v\":1,\"s\":[["));
    assert_eq!(Signature::decode(bytes.as_bytes()), Ok(sig.clone()));
    // 270 points: delta encoding keeps this near 10 bytes a point (not asserted tightly).
    println!(
        "typical signature: {} points, {} bytes encoded",
        sig.point_count(),
        bytes.len()
    );
    assert!(bytes.len() < 4_000, "{} bytes", bytes.len());

    let signed = SignedConsent::new(
        DocumentId::new("treatment-consent").unwrap(),
        Version::new(1).unwrap(),
        Language::Spanish,
        "2026-11-25T08:00:00Z".parse().unwrap(),
        sig,
    );
    let json = serde_json::to_string(&signed).unwrap();
    assert_eq!(
        serde_json::from_str::<SignedConsent>(&json).unwrap(),
        signed
    );
}

#[test]
fn garbled_encodings_are_refused() {
    assert!(matches!(
        Signature::decode(b"\xff\x00garbage"),
        Err(SignatureError::Garbled { .. })
    ));
    assert!(matches!(
        Signature::decode(br#"{"v":1,"s":[[1,2]]}"#),
        Err(SignatureError::BadStrokeLength { stroke: 0 })
    ));
    assert_eq!(
        Signature::decode(br#"{"v":2,"s":[]}"#),
        Err(SignatureError::UnknownVersion(2))
    );
    assert_eq!(
        Signature::decode(br#"{"v":1,"s":[]}"#),
        Err(SignatureError::Empty)
    );
    assert_eq!(
        Signature::decode(br#"{"v":1,"s":[[100,100,0,-200,0,5]]}"#),
        Err(SignatureError::OutOfPad {
            stroke: 0,
            point: 1
        })
    );
    assert_eq!(
        Signature::decode(br#"{"v":1,"s":[[100,100,50,900,0,-10]]}"#),
        Err(SignatureError::BadTime {
            stroke: 0,
            point: 1
        })
    );
    assert!(matches!(
        Signature::decode(br#"{"v":1,"s":[],"x":1}"#),
        Err(SignatureError::Garbled { .. })
    ));
    let huge = vec![b' '; 200 * 1024];
    assert_eq!(
        Signature::decode(&huge),
        Err(SignatureError::EncodedTooLarge)
    );
}

#[cfg(feature = "office")]
mod office {
    use super::*;
    use frontdesk::consent::{pdf, render};

    const INK_MAX: u8 = 0x80;

    #[test]
    fn png_has_ink_on_the_strokes_and_background_elsewhere() {
        // One horizontal line across the middle of the pad.
        let line: Vec<Point> = (0..=20)
            .map(|i| Point {
                x: 1000 + i * 400,
                y: 5000,
                t_ms: i as u32 * 10,
            })
            .collect();
        let sig = Signature::new(vec![line]).unwrap();
        let image = render::render(&sig, 600, 200).unwrap();
        assert_eq!((image.width(), image.height()), (600, 200));
        for x in [80, 300, 500] {
            let [r, g, b, a] = image.rgba(x, 100).unwrap();
            assert!(
                r < INK_MAX && g < INK_MAX && b < INK_MAX && a == 255,
                "ink at {x},100"
            );
        }
        for (x, y) in [(5, 5), (300, 20), (300, 180), (30, 100), (590, 100)] {
            assert_eq!(
                image.rgba(x, y),
                Some([255, 255, 255, 255]),
                "background at {x},{y}"
            );
        }
        // Anti-aliased: the stroke's edge has greys between ink and paper.
        let column: Vec<u8> = (85..115).map(|y| image.rgba(300, y).unwrap()[0]).collect();
        assert!(column.iter().any(|&v| v > 0x10 && v < 0xff), "{column:?}");

        let png = image.to_png().unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 600);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 200);
        if let Ok(dir) = std::env::var("CONSENT_SAMPLES") {
            let typical = render::render(&typical_signature(), 600, 200).unwrap();
            std::fs::write(format!("{dir}/signature.png"), typical.to_png().unwrap()).unwrap();
        }
        assert_eq!(
            render::render(&sig, 0, 200).unwrap_err(),
            render::RenderError::BadSize {
                width: 0,
                height: 200
            }
        );
    }

    #[test]
    fn signed_copy_is_a_pdf_with_the_title() {
        let set = default_set().unwrap();
        let id = DocumentId::new("treatment-consent").unwrap();
        let at: jiff::Timestamp = "2026-11-25T15:30:00Z".parse().unwrap();
        let zoned = at.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(-6)));
        for language in Language::ALL {
            let document = set.document(&id, language).unwrap();
            let signed = SignedConsent::new(
                id.clone(),
                document.version,
                language,
                at,
                typical_signature(),
            );
            let bytes = pdf::signed_copy(document, &signed, "Testpatient, Ada", &zoned).unwrap();
            assert!(bytes.starts_with(b"%PDF-"));
            let title: Vec<u8> = match language {
                Language::English => b"Consent to Treatment".to_vec(),
                Language::Spanish => b"Consentimiento para recibir tratamiento".to_vec(),
            };
            assert!(
                bytes.windows(title.len()).any(|w| w == title),
                "title in {language:?}"
            );
            assert!(bytes.windows(16).any(|w| w == b"Testpatient, Ada"));
            assert!(bytes.windows(16).any(|w| w == b"2026-11-25 09:30"));
            if let Ok(dir) = std::env::var("CONSENT_SAMPLES") {
                std::fs::write(format!("{dir}/signed-{}.pdf", language.code()), &bytes).unwrap();
            }
            let other = SignedConsent::new(
                id.clone(),
                Version::new(9).unwrap(),
                language,
                at,
                typical_signature(),
            );
            assert_eq!(
                pdf::signed_copy(document, &other, "Testpatient, Ada", &zoned),
                Err(pdf::PdfError::Mismatch)
            );
            assert_eq!(
                pdf::signed_copy(document, &signed, "", &zoned),
                Err(pdf::PdfError::BadSignerName)
            );
        }
    }
}
