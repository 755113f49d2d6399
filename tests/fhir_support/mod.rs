//! Checks of FHIR R4 JSON against the R4 structure and rules (Questionnaire and
//! QuestionnaireResponse), shared by the tests of the questionnaire layer and of the
//! office's intake answers.
#![allow(dead_code)]

use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

pub const ITEM_TYPES: [&str; 7] = [
    "display",
    "boolean",
    "decimal",
    "integer",
    "string",
    "choice",
    "open-choice",
];
pub const OPERATORS: [&str; 7] = ["exists", "=", "!=", ">", "<", ">=", "<="];

pub fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("missing string {key} in {v}"))
}

pub fn value_keys(v: &Value, prefix: &str) -> Vec<String> {
    v.as_object()
        .unwrap()
        .keys()
        .filter(|k| k.starts_with(prefix))
        .cloned()
        .collect()
}

/// Checks a Questionnaire against R4's structure and rules (que-1 … que-13 that apply),
/// returning each item's (type, repeats, answerOption codings) by linkId.
pub fn check_questionnaire(q: &Value) -> HashMap<String, (String, bool, Vec<Value>)> {
    assert_eq!(str_field(q, "resourceType"), "Questionnaire");
    assert!(["draft", "active", "retired", "unknown"].contains(&str_field(q, "status")));
    assert!(str_field(q, "url").starts_with("https://"));
    assert!(!str_field(q, "version").contains('|'));
    // que-0: name is usable as a machine identifier.
    let name = str_field(q, "name");
    assert!(name.starts_with(|c: char| c.is_ascii_uppercase()), "{name}");
    assert!(
        name.len() <= 255 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "{name}"
    );
    let mut seen = HashMap::new();
    for item in q["item"].as_array().unwrap() {
        let link_id = str_field(item, "linkId").to_owned();
        assert!(link_id.len() <= 255);
        let kind = str_field(item, "type").to_owned();
        assert!(ITEM_TYPES.contains(&kind.as_str()), "{kind}");
        assert!(!str_field(item, "text").is_empty());
        if kind == "display" {
            // que-6: display items have no required or repeats; que-5 no answers.
            assert!(item.get("required").is_none() && item.get("repeats").is_none());
        }
        let options: Vec<Value> = item
            .get("answerOption")
            .map(|o| {
                o.as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o["valueCoding"].clone())
                    .collect()
            })
            .unwrap_or_default();
        // que-4: answerOption only for choice items.
        assert_eq!(
            !options.is_empty(),
            kind == "choice" || kind == "open-choice",
            "{link_id}"
        );
        for o in &options {
            assert!(!str_field(o, "code").is_empty());
        }
        // que-10: maxLength only for string-like items.
        if item.get("maxLength").is_some() {
            assert_eq!(kind, "string");
        }
        for ew in item
            .get("enableWhen")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let on = str_field(ew, "question");
            let op = str_field(ew, "operator");
            assert!(OPERATORS.contains(&op));
            let answer = value_keys(ew, "answer");
            assert_eq!(answer.len(), 1, "que-7: exactly one answer[x] in {ew}");
            let (on_type, _, on_options): &(String, bool, Vec<Value>) = seen
                .get(on)
                .unwrap_or_else(|| panic!("enableWhen on '{on}', not an earlier item"));
            let expected = match on_type.as_str() {
                "boolean" => "answerBoolean",
                "choice" => "answerCoding",
                "integer" => "answerInteger",
                "decimal" => "answerDecimal",
                other => panic!("enableWhen on a {other} item"),
            };
            assert_eq!(answer[0], expected);
            if expected == "answerCoding" {
                assert!(on_options.contains(&ew["answerCoding"]), "{ew}");
            }
        }
        if item
            .get("enableWhen")
            .map(|e| e.as_array().unwrap().len())
            .unwrap_or(0)
            > 1
        {
            assert!(item.get("enableBehavior").is_some(), "que-12");
        }
        let repeats = item
            .get("repeats")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        assert!(
            seen.insert(link_id.clone(), (kind, repeats, options))
                .is_none(),
            "que-2: {link_id} unique"
        );
    }
    seen
}

/// Checks a QuestionnaireResponse against R4's structure and against its Questionnaire.
pub fn check_response(r: &Value, q: &Value) {
    let items = check_questionnaire(q);
    assert_eq!(str_field(r, "resourceType"), "QuestionnaireResponse");
    assert_eq!(
        str_field(r, "questionnaire"),
        format!("{}|{}", str_field(q, "url"), str_field(q, "version"))
    );
    assert!(
        [
            "in-progress",
            "completed",
            "amended",
            "entered-in-error",
            "stopped"
        ]
        .contains(&str_field(r, "status"))
    );
    check_timestamp(str_field(r, "authored"));
    assert!(r.get("subject").is_none(), "the office fills the subject");
    let order: Vec<&str> = q["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| str_field(i, "linkId"))
        .collect();
    let mut last = None;
    for item in r["item"].as_array().unwrap() {
        let link_id = str_field(item, "linkId");
        let (kind, repeats, options) = items
            .get(link_id)
            .unwrap_or_else(|| panic!("unknown linkId {link_id}"));
        // Items come in the Questionnaire's order.
        let at = order.iter().position(|l| *l == link_id).unwrap();
        assert!(last < Some(at));
        last = Some(at);
        let answers = item["answer"].as_array().unwrap();
        assert!(!answers.is_empty());
        assert!(
            *repeats || answers.len() == 1,
            "qrs-2: only repeating items have several answers"
        );
        for a in answers {
            let keys = value_keys(a, "value");
            assert_eq!(keys.len(), 1, "one value[x] in {a}");
            let expected = match kind.as_str() {
                "boolean" => "valueBoolean",
                "choice" => "valueCoding",
                "integer" => "valueInteger",
                "decimal" => "valueDecimal",
                "string" => "valueString",
                other => panic!("answer to a {other} item"),
            };
            assert_eq!(keys[0], expected, "{link_id}");
            match expected {
                "valueCoding" => assert!(options.contains(&a["valueCoding"]), "{link_id}: {a}"),
                "valueInteger" => assert!(a["valueInteger"].is_i64()),
                "valueDecimal" => assert!(a["valueDecimal"].is_number()),
                "valueBoolean" => assert!(a["valueBoolean"].is_boolean()),
                _ => assert!(!str_field(a, "valueString").is_empty()),
            }
        }
    }
}

/// FHIR `dateTime` with a time needs a zone: RFC 3339.
pub fn check_timestamp(s: &str) {
    assert!(
        s.parse::<jiff::Timestamp>().is_ok()
            && (s.ends_with('Z')
                || s.len() > 6 && matches!(s.as_bytes()[s.len() - 6], b'+' | b'-')),
        "{s}"
    );
}

/// The Python that runs `tests/fhir/server.py`: `$FRONTDESK_FHIR_PYTHON`, else the virtual
/// environment the test command makes for `fhir.resources` on pydantic 1
/// (`/opt/frontdesk-fhir`, so the machine's own Python keeps its pydantic), else `python3`.
pub fn fhir_python() -> String {
    const VENV: &str = "/opt/frontdesk-fhir/bin/python";
    std::env::var("FRONTDESK_FHIR_PYTHON").unwrap_or_else(|_| {
        if Path::new(VENV).exists() {
            VENV
        } else {
            "python3"
        }
        .to_string()
    })
}
