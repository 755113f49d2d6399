//! Intake questionnaires: the shipped forms' conditions and scoring, answer checks,
//! refusals with line numbers, and the FHIR R4 JSON we publish and send, checked against
//! the R4 structure. All answers are synthetic.

use frontdesk::api::{FormSubject, IntakeSubmission, OutboxBody, OutboxKind, SealedDelivery};
use frontdesk::domain::{AppointmentId, ClinicId, IntakeResponseId, Language};
use frontdesk::questionnaire::fhir::{self, CanonicalBase};
use frontdesk::questionnaire::{
    Answer, AnswerError, OptionCode, Phq9Severity, Questionnaire, Reason, Responses, defaults,
    parse::parse,
};
mod fhir_support;

use fhir_support::{check_response, str_field};
use frontdesk::seal::SealSecretKey;
use frontdesk::store::{KioskStore, PendingRow as StorePendingRow};
use jiff::civil::date;
use std::collections::HashSet;
use std::sync::Arc;

fn form(id: &str) -> Arc<Questionnaire> {
    Arc::new(
        defaults::all()
            .into_iter()
            .find(|q| q.id.as_str() == id)
            .expect("shipped form"),
    )
}

fn code(c: &str) -> OptionCode {
    OptionCode::new(c).unwrap()
}

fn choice(c: &str) -> Answer {
    Answer::Choice(code(c))
}

fn noon() -> jiff::Timestamp {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

/// Answers the PHQ-9's nine items with these points (items 3–9 only if shown).
fn phq9_with(points: [u8; 9]) -> Responses {
    let mut r = Responses::new(form("phq-9"));
    for (i, p) in points.iter().enumerate() {
        let id = format!("phq9-{}", i + 1);
        if r.is_shown(r.form().question(&id).unwrap()) {
            r.answer(&id, choice(&p.to_string())).unwrap();
        }
    }
    r
}

#[test]
fn shipped_defaults_parse_and_have_both_languages() {
    let all = defaults::all();
    assert_eq!(all.len(), 3);
    for q in &all {
        assert!(!q.title.en.is_empty() && !q.title.es.is_empty());
        for question in &q.questions {
            assert_ne!(question.text.en, question.text.es, "{}", question.id);
        }
    }
}

#[test]
fn a_negative_phq2_hides_phq9_items_3_to_9() {
    let r = phq9_with([1, 1, 3, 3, 3, 3, 3, 3, 3]);
    assert_eq!(r.phq2().map(|p| (p.total, p.positive())), Some((2, false)));
    let shown: Vec<&str> = r.shown().map(|q| q.id.as_str()).collect();
    assert_eq!(shown, ["phq9-1", "phq9-2"]);
    assert!(r.is_complete());
    assert!(r.next_unanswered().is_none());
    assert_eq!(r.phq9(), None, "no PHQ-9 total without items 3 to 9");
    assert!(r.alerts().is_empty());
}

#[test]
fn a_positive_phq2_asks_the_rest_of_the_phq9_once() {
    let mut r = Responses::new(form("phq-9"));
    assert_eq!(r.next_unanswered().unwrap().id.as_str(), "phq9-1");
    r.answer("phq9-1", choice("2")).unwrap();
    assert_eq!(r.next_unanswered().unwrap().id.as_str(), "phq9-2");
    r.answer("phq9-2", choice("1")).unwrap();
    assert!(r.phq2().unwrap().positive());
    assert_eq!(r.next_unanswered().unwrap().id.as_str(), "phq9-3");
    assert!(!r.is_complete());
    assert_eq!(r.shown().count(), 10);
    for i in 3..=9 {
        r.answer(&format!("phq9-{i}"), choice("0")).unwrap();
    }
    assert!(r.is_complete());
    // The difficulty question is optional but still offered next.
    assert_eq!(r.next_unanswered().unwrap().id.as_str(), "phq9-difficulty");
    let phq9 = r.phq9().unwrap();
    assert_eq!(
        (phq9.total, phq9.severity, phq9.item9_alert),
        (3, Phq9Severity::NoneMinimal, false)
    );

    // Lowering item 1 makes the screen negative: items 3 to 9 and their answers go.
    r.answer("phq9-1", choice("0")).unwrap();
    assert!(r.answer_of("phq9-3").is_none());
    assert_eq!(r.phq9(), None);
    assert!(matches!(
        r.answer("phq9-3", choice("1")),
        Err(AnswerError::NotShown(id)) if id.as_str() == "phq9-3"
    ));
}

#[test]
fn phq9_scoring_table() {
    use Phq9Severity::*;
    let table: [([u8; 9], u8, Phq9Severity, bool); 8] = [
        ([2, 1, 0, 0, 0, 0, 0, 0, 0], 3, NoneMinimal, false),
        ([2, 1, 1, 0, 0, 0, 0, 0, 0], 4, NoneMinimal, false),
        ([2, 1, 1, 1, 0, 0, 0, 0, 0], 5, Mild, false),
        ([3, 3, 1, 1, 1, 0, 0, 0, 0], 9, Mild, false),
        ([3, 3, 1, 1, 1, 1, 0, 0, 0], 10, Moderate, false),
        ([3, 3, 2, 2, 2, 2, 1, 0, 0], 15, ModeratelySevere, false),
        ([3, 3, 3, 3, 2, 2, 2, 2, 0], 20, Severe, false),
        ([3, 3, 3, 3, 3, 3, 3, 3, 3], 27, Severe, true),
    ];
    for (points, total, severity, alert) in table {
        let phq9 = phq9_with(points).phq9().unwrap();
        assert_eq!(
            (phq9.total, phq9.severity, phq9.item9_alert),
            (total, severity, alert),
            "{points:?}"
        );
    }
}

#[test]
fn item9_other_than_not_at_all_alerts_whatever_the_total() {
    for item9 in ["1", "2", "3"] {
        let mut r = phq9_with([2, 1, 0, 0, 0, 0, 0, 0, 0]);
        r.answer("phq9-9", choice(item9)).unwrap();
        let phq9 = r.phq9().unwrap();
        assert!(phq9.item9_alert, "{item9}");
        assert_eq!(
            r.alerts().iter().map(|q| q.as_str()).collect::<Vec<_>>(),
            ["phq9-9"]
        );
    }
    let r = phq9_with([2, 1, 0, 0, 0, 0, 0, 0, 0]);
    assert!(!r.phq9().unwrap().item9_alert);
    assert!(r.alerts().is_empty());
}

#[test]
fn phq2_alone_scores_and_screens() {
    for (a, b, total, positive) in [
        ("0", "0", 0, false),
        ("1", "1", 2, false),
        ("3", "0", 3, true),
        ("3", "3", 6, true),
    ] {
        let mut r = Responses::new(form("phq-2"));
        r.answer("phq2-1", choice(a)).unwrap();
        assert_eq!(r.phq2(), None, "no total before both items");
        r.answer("phq2-2", choice(b)).unwrap();
        let phq2 = r.phq2().unwrap();
        assert_eq!((phq2.total, phq2.positive()), (total, positive));
        assert!(r.is_complete());
        assert_eq!(r.phq9(), None);
    }
}

#[test]
fn reason_for_visit_conditions_follow_the_answers() {
    let mut r = Responses::new(form("reason-for-visit"));
    let shown = |r: &Responses| r.shown().map(|q| q.id.to_string()).collect::<Vec<_>>();
    assert_eq!(shown(&r), ["reason", "reason-detail", "new-symptoms"]);
    r.answer("reason", choice("new-problem")).unwrap();
    r.answer("new-symptoms", Answer::YesNo(false)).unwrap();
    assert!(r.is_complete());

    r.answer("new-symptoms", Answer::YesNo(true)).unwrap();
    assert_eq!(
        shown(&r),
        [
            "reason",
            "reason-detail",
            "new-symptoms",
            "symptoms",
            "symptom-days"
        ]
    );
    assert!(!r.is_complete());
    r.answer(
        "symptoms",
        Answer::Choices(vec![code("pain"), code("fever")]),
    )
    .unwrap();
    assert!(shown(&r).contains(&"temperature".to_string()));
    assert!(shown(&r).contains(&"pain-level".to_string()));
    assert!(!shown(&r).contains(&"other-symptom".to_string()));
    // Kept in the form's order.
    assert_eq!(
        r.answer_of("symptoms"),
        Some(&Answer::Choices(vec![code("fever"), code("pain")]))
    );
    r.answer("symptom-days", Answer::Number(3.0)).unwrap();
    r.answer("pain-level", Answer::Number(4.0)).unwrap();
    r.answer("temperature", Answer::Number(100.4)).unwrap();
    assert!(r.is_complete());

    r.answer("symptoms", Answer::Choices(vec![code("cough")]))
        .unwrap();
    assert!(r.answer_of("temperature").is_none() && r.answer_of("pain-level").is_none());
    assert!(r.answer_of("symptom-days").is_some());
    r.answer("new-symptoms", Answer::YesNo(false)).unwrap();
    assert!(r.answer_of("symptoms").is_none() && r.answer_of("symptom-days").is_none());
}

#[test]
fn answers_are_checked_against_their_question_and_errors_hold_no_answer() {
    let mut r = Responses::new(form("reason-for-visit"));
    r.answer("new-symptoms", Answer::YesNo(true)).unwrap();
    let secret = "Zzfake Synthetic-Answer";
    let cases: Vec<(&str, Answer)> = vec![
        ("reason", Answer::YesNo(true)),
        ("reason", choice("no-such-choice")),
        ("symptoms", Answer::Choices(vec![])),
        (
            "symptoms",
            Answer::Choices(vec![code("cough"), code("cough")]),
        ),
        ("symptom-days", Answer::Number(366.0)),
        ("symptom-days", Answer::Number(1.5)),
        ("symptom-days", Answer::Number(f64::NAN)),
        (
            "reason-detail",
            Answer::Text(format!("{secret}{}", "x".repeat(200))),
        ),
        ("reason-detail", Answer::Text(format!("{secret}\u{7}"))),
        ("reason-detail", Answer::Text("   ".into())),
        ("temperature", Answer::Number(100.0)),
        ("no-such-question", Answer::YesNo(true)),
    ];
    for (id, answer) in cases {
        let e = r.answer(id, answer).unwrap_err();
        let message = format!("{e} {e:?}");
        assert!(message.contains(id), "{message}");
        assert!(!message.contains("Zzfake"), "{message}");
    }
    assert!(
        r.answer("temperature", Answer::Number(99.0)).is_err(),
        "hidden until fever"
    );
    r.answer("reason-detail", Answer::Text(format!("  {secret}  ")))
        .unwrap();
    assert_eq!(
        r.answer_of("reason-detail"),
        Some(&Answer::Text(secret.into()))
    );
    assert!(!format!("{r:?} {:?}", r.answer_of("reason-detail")).contains("Zzfake"));
}

#[test]
fn finishing_needs_every_shown_required_answer() {
    let mut r = Responses::new(form("phq-9"));
    r.answer("phq9-1", choice("3")).unwrap();
    r.answer("phq9-2", choice("3")).unwrap();
    let e = r.clone().finish(noon()).unwrap_err();
    assert_eq!(e.missing.as_str(), "phq9-3");
    let done = phq9_with([3, 3, 0, 0, 0, 0, 0, 0, 0])
        .finish(noon())
        .unwrap();
    assert_eq!(done.authored(), noon());
}

#[test]
fn refused_files_name_line_and_reason() {
    let src = "id = \"x\"\nversion = \"1\"\ntitle = { en = \"T\", es = \"T\" }\n\n[[question]]\nid = \"q\"\nkind = \"yes_no\"\nshow_when = [{ question = \"gone\", is = true }]\ntext = { en = \"Q?\", es = \"¿Q?\" }\n";
    let e = parse(src).unwrap_err();
    assert_eq!(
        (e.line, e.reason.clone()),
        (8, Reason::UnknownQuestion("gone".into()))
    );
    assert_eq!(e.to_string(), "line 8: question 'gone' does not exist");
    let e = parse(&src.replace(", es = \"¿Q?\"", "")).unwrap_err();
    assert_eq!(e.line, 9);
    assert_eq!(
        e.to_string(),
        "line 9: text lacks its Spanish version ('es')"
    );
}

// ---- FHIR R4 -------------------------------------------------------------------------

fn base() -> CanonicalBase {
    CanonicalBase::new("https://clinic.example.org/fhir").unwrap()
}

/// A synthetic completed response per shipped form.
fn sample_responses() -> Vec<(Arc<Questionnaire>, Responses)> {
    let mut phq2 = Responses::new(form("phq-2"));
    phq2.answer("phq2-1", choice("1")).unwrap();
    phq2.answer("phq2-2", choice("2")).unwrap();
    let mut phq9 = phq9_with([2, 2, 1, 1, 0, 0, 3, 1, 1]);
    phq9.answer("phq9-difficulty", choice("somewhat")).unwrap();
    let mut visit = Responses::new(form("reason-for-visit"));
    visit.answer("reason", choice("new-problem")).unwrap();
    visit
        .answer("reason-detail", Answer::Text("Synthetic test visit".into()))
        .unwrap();
    visit.answer("new-symptoms", Answer::YesNo(true)).unwrap();
    visit
        .answer(
            "symptoms",
            Answer::Choices(vec![code("fever"), code("other")]),
        )
        .unwrap();
    visit.answer("symptom-days", Answer::Number(2.0)).unwrap();
    visit.answer("temperature", Answer::Number(100.4)).unwrap();
    visit
        .answer("other-symptom", Answer::Text("Synthetic symptom".into()))
        .unwrap();
    vec![
        (form("phq-2"), phq2),
        (form("phq-9"), phq9),
        (form("reason-for-visit"), visit),
    ]
}

#[test]
fn fhir_resources_follow_the_r4_structure() {
    let mut checked = 0;
    for (form, responses) in sample_responses() {
        let q = serde_json::to_value(fhir::questionnaire(&form, &base())).unwrap();
        let done = responses.finish(noon()).unwrap();
        let r = serde_json::to_value(fhir::questionnaire_response(&done, &base())).unwrap();
        check_response(&r, &q);
        // Round trip through our own types.
        let back: fhir::FhirQuestionnaire = serde_json::from_value(q.clone()).unwrap();
        assert_eq!(serde_json::to_value(back).unwrap(), q);
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[test]
fn an_intake_row_is_sealed_on_the_kiosk_and_opens_at_the_office_to_an_r4_response() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.db");
    let office = SealSecretKey::from_bytes([6; 32]);
    let mut store = KioskStore::open(&path).unwrap();
    store.set_office_seal_key(&office.public_key()).unwrap();
    let mut sent = Vec::new();
    for (form, responses) in sample_responses() {
        let done = responses.finish(noon()).unwrap();
        let submission = IntakeSubmission {
            id: IntakeResponseId::random(),
            clinic: ClinicId::new(7).unwrap(),
            subject: FormSubject::Appointment(AppointmentId::new(1001)),
            language: Language::Spanish,
            response: fhir::questionnaire_response(&done, &base()),
        };
        store
            .enqueue_intake(&submission, date(2026, 11, 25))
            .unwrap();
        // A retry of the same id keeps the first row.
        store
            .enqueue_intake(&submission, date(2026, 11, 25))
            .unwrap();
        sent.push((form, submission));
    }
    let rows = store.pending(0, 100).unwrap();
    assert_eq!(rows.len(), sent.len());
    for (row, (form, submission)) in rows.into_iter().zip(sent) {
        let StorePendingRow::Sealed(row) = row else {
            panic!("unreadable row");
        };
        assert_eq!(row.kind, OutboxKind::Intake);
        let delivery = SealedDelivery {
            id: row.id,
            kind: row.kind,
            sealed: row.sealed,
        };
        let OutboxBody::Intake(opened) = delivery.open(&office).unwrap() else {
            panic!("not an intake row");
        };
        assert_eq!(*opened, submission);
        let q = serde_json::to_value(fhir::questionnaire(&form, &base())).unwrap();
        check_response(&serde_json::to_value(&opened.response).unwrap(), &q);
    }
    drop(store);
    // Sealed: no answer is readable on the kiosk's disk.
    for file in ["kiosk.db", "kiosk.db-wal"] {
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
        assert!(!bytes.windows(9).any(|w| w == b"Synthetic"), "{file}");
    }
}

#[test]
fn phq9_publishes_scores_and_asks_items_3_to_9_on_the_phq2_score() {
    let q = serde_json::to_value(fhir::questionnaire(&form("phq-9"), &base())).unwrap();
    let items = q["item"].as_array().unwrap();
    let ids: Vec<&str> = items.iter().map(|i| str_field(i, "linkId")).collect();
    assert_eq!(
        &ids[..5],
        ["_intro", "phq9-1", "phq9-2", "phq2-score", "phq9-3"]
    );
    let score = &items[3];
    assert_eq!(
        (score["type"].as_str(), score["readOnly"].as_bool()),
        (Some("integer"), Some(true))
    );
    assert_eq!(
        items[4]["enableWhen"],
        serde_json::json!([{ "question": "phq2-score", "operator": ">=", "answerInteger": 3 }])
    );
    assert_eq!(
        str_field(&items[1], "text"),
        "Little interest or pleasure in doing things"
    );
    assert_eq!(
        q["_title"]["extension"][0]["extension"][1]["valueString"],
        "Cómo se ha sentido (PHQ-9)"
    );
    let spanish = &items[1]["_text"]["extension"][0];
    assert_eq!(
        spanish["url"],
        "http://hl7.org/fhir/StructureDefinition/translation"
    );
    assert_eq!(spanish["extension"][0]["valueCode"], "es");

    let done = phq9_with([2, 2, 1, 1, 0, 0, 3, 1, 1])
        .finish(noon())
        .unwrap();
    let r = serde_json::to_value(fhir::questionnaire_response(&done, &base())).unwrap();
    let answer = |id: &str| {
        r["item"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["linkId"] == id)
            .map(|i| i["answer"][0].clone())
    };
    assert_eq!(
        answer("phq2-score"),
        Some(serde_json::json!({ "valueInteger": 4 }))
    );
    assert_eq!(
        answer("phq9-score"),
        Some(serde_json::json!({ "valueInteger": 11 }))
    );
    assert_eq!(
        answer("phq9-9"),
        Some(serde_json::json!({ "valueCoding": { "code": "1", "display": "Several days" } }))
    );
    assert_eq!(
        r["questionnaire"],
        "https://clinic.example.org/fhir/Questionnaire/phq-9|1"
    );
    assert_eq!(r["authored"], "2026-11-25T12:00:00Z");
    assert_eq!(q["name"], "Phq9");
}

#[test]
fn a_negative_phq2_response_carries_no_phq9_score() {
    let done = phq9_with([1, 1, 0, 0, 0, 0, 0, 0, 0])
        .finish(noon())
        .unwrap();
    let r = serde_json::to_value(fhir::questionnaire_response(&done, &base())).unwrap();
    let ids: HashSet<&str> = r["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| str_field(i, "linkId"))
        .collect();
    assert_eq!(ids, HashSet::from(["phq9-1", "phq9-2", "phq2-score"]));
}

#[test]
fn canonical_bases_are_checked() {
    assert!(CanonicalBase::new("https://clinic.example.org/fhir/").is_ok());
    for bad in [
        "clinic.example.org",
        "https://",
        "https://a b",
        "https://x|y",
        "ftp://x",
    ] {
        assert!(CanonicalBase::new(bad).is_err(), "{bad}");
    }
}

/// Writes the shipped forms and synthetic responses under `tests/fhir/` when they changed,
/// and fails if the committed copies are stale, so `tests/fhir/validate_r4.py` (an
/// independent R4 validator) always checks what the code produces.
#[test]
fn fhir_examples_are_up_to_date() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fhir");
    let mut stale = Vec::new();
    for (form, responses) in sample_responses() {
        let q = fhir::questionnaire(&form, &base());
        let r = fhir::questionnaire_response(&responses.finish(noon()).unwrap(), &base());
        for (name, json) in [
            (
                format!("Questionnaire-{}.json", form.id),
                serde_json::to_string_pretty(&q).unwrap(),
            ),
            (
                format!("QuestionnaireResponse-{}.json", form.id),
                serde_json::to_string_pretty(&r).unwrap(),
            ),
        ] {
            let path = dir.join(&name);
            let json = json + "\n";
            if std::fs::read_to_string(&path).ok().as_deref() != Some(json.as_str()) {
                if std::env::var_os("UPDATE_FHIR_EXAMPLES").is_some() {
                    std::fs::write(&path, json).unwrap();
                } else {
                    stale.push(name);
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale: {stale:?}; rerun with UPDATE_FHIR_EXAMPLES=1"
    );
}
