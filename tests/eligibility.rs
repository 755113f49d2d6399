//! Eligibility (issue 10, office side): the 270 written field by field and checked by a
//! third-party validator (PyPI `pyx12`), 271 samples read, and the clearinghouse
//! simulator end to end over HTTP on loopback.

use frontdesk::domain::Cents;
use frontdesk::office::eligibility::{
    Clearinghouse, ClearinghouseError, ControlNumbers, Dependent, DependentRelationship,
    EligibilityError, EligibilityRequest, EligibilityResult, EligibilityStatus, HttpClearinghouse,
    InterchangeId, InterchangeParties, MemberId, Npi, OrgName, PayerId, PersonNamePart, ReadError,
    RejectReason, ServiceTypeCode, Usage, X12Error, check_eligibility, read_271, simulator,
    split_interchange, write_270,
};
use jiff::civil::date;
use std::time::Duration;

fn request(member: &str) -> EligibilityRequest {
    EligibilityRequest {
        provider_npi: Npi::new("1234567893").unwrap(),
        provider_name: OrgName::new("Synthetic Family Practice").unwrap(),
        payer_id: PayerId::new("TESTPAYER1").unwrap(),
        payer_name: OrgName::new("Testpayer Health Plan").unwrap(),
        member_id: MemberId::new(member).unwrap(),
        last_name: PersonNamePart::last("Testpatient").unwrap(),
        first_name: PersonNamePart::first("Ada").unwrap(),
        date_of_birth: date(1980, 1, 15),
        service_type: ServiceTypeCode::office_visit(),
        service_date: date(2026, 12, 3),
        dependent: None,
    }
}

fn parties() -> InterchangeParties {
    InterchangeParties {
        sender: InterchangeId::new("FRONTDESK").unwrap(),
        receiver: InterchangeId::new("TESTCLEARING").unwrap(),
        usage: Usage::Test,
    }
}

const CONTROL: ControlNumbers = ControlNumbers {
    interchange: 42,
    group: 7,
    transaction: 1,
};

fn x270(member: &str) -> String {
    write_270(
        &request(member),
        &parties(),
        CONTROL,
        date(2026, 12, 3).at(9, 5, 30, 0),
    )
}

/// The patient Ada, a child on her parent Bea's plan (the payer gives dependents no member
/// id of their own): Bea in 2000C, Ada in 2000D.
fn dependent_request(member: &str) -> EligibilityRequest {
    EligibilityRequest {
        last_name: PersonNamePart::last("Testparent").unwrap(),
        first_name: PersonNamePart::first("Bea").unwrap(),
        date_of_birth: date(1980, 1, 15),
        dependent: Some(Dependent {
            last_name: PersonNamePart::last("Testpatient").unwrap(),
            first_name: PersonNamePart::first("Ada").unwrap(),
            date_of_birth: date(2015, 1, 15),
            relationship: DependentRelationship::Child,
        }),
        ..request(member)
    }
}

fn dependent_x270(member: &str) -> String {
    write_270(
        &dependent_request(member),
        &parties(),
        CONTROL,
        date(2026, 12, 3).at(9, 5, 30, 0),
    )
}

#[test]
fn request_debug_hides_member_id_and_names() {
    let text = format!("{:?}", request("TST0001"));
    for secret in ["TST0001", "TESTPATIENT", "ADA"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[test]
fn writes_the_270_field_by_field() {
    let text = x270("TST0001");
    // The ISA segment is fixed width: element separator at 3, component at 104,
    // terminator at 105.
    let bytes = text.as_bytes();
    assert_eq!(
        (bytes[3], bytes[104], bytes[105]),
        (b'*', b':', b'~'),
        "{text}"
    );
    let lines: Vec<&str> = text.lines().collect();
    let expected = [
        "ISA*00*          *00*          *ZZ*FRONTDESK      *ZZ*TESTCLEARING   *261203*0905*^*00501*000000042*0*T*:~",
        "GS*HS*FRONTDESK*TESTCLEARING*20261203*0905*7*X*005010X279A1~",
        "ST*270*0001*005010X279A1~",
        "BHT*0022*13*FD000000042*20261203*0905~",
        "HL*1**20*1~",
        "NM1*PR*2*TESTPAYER HEALTH PLAN*****PI*TESTPAYER1~",
        "HL*2*1*21*1~",
        "NM1*1P*2*SYNTHETIC FAMILY PRACTICE*****XX*1234567893~",
        "HL*3*2*22*0~",
        "NM1*IL*1*TESTPATIENT*ADA****MI*TST0001~",
        "DMG*D8*19800115~",
        "DTP*291*D8*20261203~",
        "EQ*98~",
        "SE*12*0001~",
        "GE*1*7~",
        "IEA*1*000000042~",
    ];
    assert_eq!(lines, expected);
    // And it reads back with our own splitter: 16 segments, ISA with 16 elements.
    let (_, segments) = split_interchange(bytes).unwrap();
    assert_eq!(segments.len(), 16);
    assert_eq!(segments[0].elements.len(), 17);
}

#[test]
fn writes_a_dependent_in_a_2000d_loop() {
    let text = dependent_x270("TST0001");
    let lines: Vec<&str> = text.lines().collect();
    let body = [
        "HL*3*2*22*1~",
        "NM1*IL*1*TESTPARENT*BEA****MI*TST0001~",
        "DMG*D8*19800115~",
        "HL*4*3*23*0~",
        "NM1*03*1*TESTPATIENT*ADA~",
        "DMG*D8*20150115~",
        "INS*N*19~",
        "DTP*291*D8*20261203~",
        "EQ*98~",
        "SE*16*0001~",
    ];
    assert_eq!(lines[8..18], body, "{text}");
    for (relationship, code) in [
        (DependentRelationship::Spouse, "01"),
        (DependentRelationship::Child, "19"),
        (DependentRelationship::OtherAdult, "34"),
    ] {
        assert_eq!(relationship.code(), code);
    }
}

/// pyx12 4.0 ships no map for 005010X279A1 (only 004010X092A1 for the 270): the same
/// segments are checked against the 4010 map with the envelope's version fields rewritten
/// (ISA11 `U`, ISA12 00401, GS08 004010X092A1, no ST03) and the one code that changed
/// between the guides for these segments (the subscriber date: 5010's `DTP*291` plan date
/// was 4010's `DTP*307` eligibility date). That checks the loops, the segments, their code
/// values and lengths. A broken copy (NM102 `9`) must be refused, so a validator that
/// accepts everything cannot pass the test.
#[test]
fn pyx12_accepts_the_270() {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import pyx12"])
        .output();
    match probe {
        Ok(out) if out.status.success() => {}
        _ => panic!("pyx12 is needed for this test: pip install pyx12==4.0.0"),
    }
    let to_4010 = |x270: String| {
        x270.replace("*^*00501*", "*U*00401*")
            .replace("*X*005010X279A1~", "*X*004010X092A1~")
            .replace("ST*270*0001*005010X279A1~", "ST*270*0001~")
            .replace("DTP*291*", "DTP*307*")
    };
    let text = to_4010(x270("TST0001"));
    let (ok, report) = pyx12_valid(&text);
    assert!(ok, "pyx12 refused the 270:\n{report}\n{text}");
    let broken = text.replace("NM1*IL*1*", "NM1*IL*9*");
    let (ok, report) = pyx12_valid(&broken);
    assert!(!ok, "pyx12 accepted a broken 270:\n{report}");
    assert!(report.contains("NM102"), "{report}");
    // A dependent: the 2000D loop (HL 23, NM1*03, DMG, INS) in its place, and a broken
    // relationship code refused.
    let text = to_4010(dependent_x270("TST0001"));
    let (ok, report) = pyx12_valid(&text);
    assert!(ok, "pyx12 refused the dependent 270:\n{report}\n{text}");
    let broken = text.replace("INS*N*19~", "INS*X*19~");
    let (ok, report) = pyx12_valid(&broken);
    assert!(!ok, "pyx12 accepted a broken dependent 270:\n{report}");
}

/// Runs `x12valid` on `text`: whether it passed, and what it said.
fn pyx12_valid(text: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("270.x12");
    std::fs::write(&path, text).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-m", "pyx12.scripts.x12valid"])
        .arg(&path)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let ok = out.status.success()
        && report.contains(": OK")
        && !report.contains("ERROR")
        && !report.contains("Failure");
    (ok, report)
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/x12/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn gold_copays() -> Vec<(&'static str, u32)> {
    vec![("30", 2500), ("98", 3000), ("UC", 7500)]
}

fn copays(result: &EligibilityResult) -> Vec<(&str, u32)> {
    result
        .copays
        .iter()
        .map(|(k, v)| (k.as_str(), v.get()))
        .collect()
}

#[test]
fn reads_an_active_271_with_copays() {
    for name in ["271_active.x12", "271_odd_delimiters.x12"] {
        let result = read_271(&sample(name)).unwrap();
        assert_eq!(result.status, EligibilityStatus::Active, "{name}");
        assert_eq!(result.plan_name.as_deref(), Some("TESTPAYER GOLD PPO"));
        assert_eq!(result.reference.as_deref(), Some("FD000000042"));
        // 98 in network ($30) wins over out of network ($60); the repeated `98^UC` (or
        // `98{UC`) out-of-network line loses to UC's in-network $75.
        assert_eq!(copays(&result), gold_copays(), "{name}");
        assert_eq!(
            result.copay_for(&ServiceTypeCode::office_visit()),
            Some(Cents::new(3000))
        );
        assert_eq!(
            result.copay_for(&ServiceTypeCode::new("47").unwrap()),
            Some(Cents::new(2500)),
            "falls back to 30"
        );
    }
}

/// The answer about a dependent: the subscriber loop says $30 for an office visit, the
/// dependent loop (the patient's) $20; the patient's is read.
#[test]
fn reads_the_dependent_loop_of_a_271() {
    let result = read_271(&sample("271_dependent.x12")).unwrap();
    assert_eq!(result.status, EligibilityStatus::Active);
    assert_eq!(result.plan_name.as_deref(), Some("TESTPAYER GOLD PPO"));
    assert_eq!(copays(&result), vec![("30", 2500), ("98", 2000)]);
    // A dependent the payer did not find: not found, even though the subscriber has
    // benefits.
    let text = String::from_utf8(sample("271_dependent.x12")).unwrap();
    let rejected = text
        .lines()
        .filter(|l| !l.starts_with("EB*1*FAM") && !l.starts_with("EB*B*FAM"))
        .map(|l| l.replace("INS*N*19~", "INS*N*19~\nAAA*N**75*C~"))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .replace("SE*19*", "SE*17*");
    assert_eq!(
        read_271(rejected.as_bytes()).unwrap().status,
        EligibilityStatus::NotFound(RejectReason::SubscriberNotFound)
    );
}

#[test]
fn reads_inactive_and_not_found() {
    let inactive = read_271(&sample("271_inactive.x12")).unwrap();
    assert_eq!(inactive.status, EligibilityStatus::Inactive);
    assert_eq!(inactive.plan_name.as_deref(), Some("TESTPAYER SILVER HMO"));
    assert!(inactive.copays.is_empty());
    assert_eq!(
        read_271(&sample("271_not_found.x12")).unwrap().status,
        EligibilityStatus::NotFound(RejectReason::SubscriberNotFound)
    );
    assert_eq!(
        read_271(&sample("271_invalid_member_id.x12"))
            .unwrap()
            .status,
        EligibilityStatus::NotFound(RejectReason::InvalidMemberId)
    );
}

#[test]
fn malformed_271s_are_typed_errors() {
    let active = String::from_utf8(sample("271_active.x12")).unwrap();
    let cases: Vec<(String, ReadError)> = vec![
        (String::new(), ReadError::Envelope(X12Error::NoIsa)),
        ("hello".into(), ReadError::Envelope(X12Error::NoIsa)),
        (
            active.replacen("ISA*", "ISAA", 1),
            ReadError::Envelope(X12Error::BadDelimiters),
        ),
        (
            active[..active.find("SE*").unwrap()].to_owned(),
            ReadError::Truncated("IEA"),
        ),
        (
            active.replace("IEA*1*000000101", "IEA*1*000000999"),
            ReadError::ControlMismatch("ISA/IEA"),
        ),
        (
            active.replace("SE*18*0001", "SE*17*0001"),
            ReadError::SegmentCount {
                declared: "17".into(),
                actual: 18,
            },
        ),
        (active.replace("ST*271", "ST*270"), ReadError::NotA271),
        (
            active.replace("*27*25*", "*27*-25*"),
            ReadError::BadAmount { segment: 14 },
        ),
        (
            active.replace("*27*25*", "*27*2.555*"),
            ReadError::BadAmount { segment: 14 },
        ),
        (
            active
                .replace("HL*2*1*21*1~", "HL*2*1*21*1~\nAAA*N**42*R~")
                .replace("SE*18*", "SE*19*"),
            ReadError::PayerRejected { code: "42".into() },
        ),
        (
            active
                .lines()
                .filter(|l| !l.starts_with("EB"))
                .map(|l| format!("{l}\n"))
                .collect::<String>()
                .replace("SE*18*", "SE*12*"),
            ReadError::NoAnswer,
        ),
    ];
    for (i, (text, expected)) in cases.into_iter().enumerate() {
        assert_eq!(read_271(text.as_bytes()), Err(expected), "case {i}");
    }
    // Not ASCII, and bytes that are not text at all.
    let mut bytes = active.clone().into_bytes();
    bytes[120] = 0xff;
    assert_eq!(
        read_271(&bytes),
        Err(ReadError::Envelope(X12Error::NotText))
    );
}

async fn start_simulator(slow: Duration) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(simulator::serve(listener, slow));
    format!("http://{addr}/270")
}

#[tokio::test]
async fn simulator_end_to_end_over_http() {
    let url = start_simulator(Duration::from_secs(30)).await;
    let clearinghouse = HttpClearinghouse::new(url, Duration::from_secs(5));
    let at = date(2026, 12, 3).at(9, 5, 0, 0);
    let check = |member: &'static str| {
        let clearinghouse = &clearinghouse;
        async move { check_eligibility(clearinghouse, &request(member), &parties(), CONTROL, at).await }
    };
    let active = check("TST0001").await.unwrap();
    assert_eq!(active.status, EligibilityStatus::Active);
    assert_eq!(active.plan_name.as_deref(), Some("TESTPAYER GOLD PPO"));
    assert_eq!(copays(&active), gold_copays());
    assert_eq!(active.reference.as_deref(), Some("FD000000042"));
    assert_eq!(
        check("TST0002").await.unwrap().status,
        EligibilityStatus::Inactive
    );
    assert_eq!(
        check("TST9999").await.unwrap().status,
        EligibilityStatus::NotFound(RejectReason::SubscriberNotFound)
    );
    assert_eq!(
        check("XYZ123").await.unwrap().status,
        EligibilityStatus::NotFound(RejectReason::InvalidMemberId)
    );
    // A dependent is answered in a 2000D loop, with the dependent's own co-pay.
    let dependent = check_eligibility(
        &clearinghouse,
        &dependent_request("TST0001"),
        &parties(),
        CONTROL,
        at,
    )
    .await
    .unwrap();
    assert_eq!(dependent.status, EligibilityStatus::Active);
    assert_eq!(
        dependent.copay_for(&ServiceTypeCode::office_visit()),
        Some(Cents::new(2000))
    );
    // Not a 270: the simulator says 400.
    assert_eq!(
        clearinghouse.exchange("hello".into()).await,
        Err(ClearinghouseError::Status(400))
    );
}

#[tokio::test]
async fn slow_clearinghouse_is_a_typed_timeout() {
    let url = start_simulator(Duration::from_secs(30)).await;
    let clearinghouse = HttpClearinghouse::new(url, Duration::from_millis(500));
    let at = date(2026, 12, 3).at(9, 5, 0, 0);
    let started = std::time::Instant::now();
    let result =
        check_eligibility(&clearinghouse, &request("TST0003"), &parties(), CONTROL, at).await;
    assert_eq!(
        result,
        Err(EligibilityError::Clearinghouse(ClearinghouseError::Timeout))
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn unreachable_clearinghouse_is_a_typed_error() {
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let clearinghouse =
        HttpClearinghouse::new(format!("http://{addr}/270"), Duration::from_secs(2));
    let result = clearinghouse.exchange(x270("TST0001")).await;
    assert!(
        matches!(result, Err(ClearinghouseError::Unreachable(_))),
        "{result:?}"
    );
}
