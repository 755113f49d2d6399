//! The AAMVA licence parser on synthetic licences of every version (01-10), both date
//! orders, the ways real scanners and issuers stray from the standard, and text that is not
//! a licence; that the licence number never reaches the parsed data; and one licence
//! through the real scanner driver on a pseudo-terminal.
//!
//! All data is synthetic and obviously fake: "TESTPATIENT, ADA MARIE", born 1 January
//! 1950, 123 EXAMPLE ST, ANYTOWN, ZIP 00000, licence number T00000001.

use frontdesk::devices::Scan;
use frontdesk::domain::DobError;
use frontdesk::scan::aamva::{self, AamvaError, Country, LicenceData, Sex};
use frontdesk::scan::aamva_sample::{Subfile, encode, v10_licence};
use jiff::civil::{Date, date};

const TODAY: Date = Date::constant(2026, 11, 25);
const NUMBER: &str = "T00000001";
const DISCRIMINATOR: &str = "FAKEDISCRIMINATOR0001";

/// Elements every synthetic card has besides its name and dates.
const COMMON: &[(&str, &str)] = &[
    ("DAQ", NUMBER),
    ("DAG", "123 EXAMPLE ST"),
    ("DAI", "ANYTOWN"),
    ("DAJ", "VA"),
    ("DAK", "000001234  "),
    ("DBC", "2"),
    ("DCF", DISCRIMINATOR),
];

/// A licence of `version` from issuer 636000 with the name elements that version uses.
fn licence(version: u8, extra: &[(&str, &str)]) -> String {
    let mut elements: Vec<(&str, &str)> = match version {
        1 => vec![
            ("DAA", "TESTPATIENT,ADA,MARIE"),
            ("DBB", "19500101"),
            ("DBA", "20990101"),
        ],
        2 | 3 => vec![
            ("DCS", "TESTPATIENT"),
            ("DCT", "ADA,MARIE"),
            ("DBB", "01011950"),
            ("DBA", "01012099"),
        ],
        _ => vec![
            ("DCS", "TESTPATIENT"),
            ("DAC", "ADA"),
            ("DAD", "MARIE"),
            ("DBB", "01011950"),
            ("DBA", "01012099"),
        ],
    };
    elements.extend_from_slice(COMMON);
    elements.extend_from_slice(extra);
    dl(version, &elements)
}

/// A DL subfile and a jurisdiction subfile from issuer 636000.
fn dl(version: u8, elements: &[(&str, &str)]) -> String {
    encode(
        "636000",
        version,
        1,
        &[
            Subfile {
                kind: "DL",
                elements,
            },
            Subfile {
                kind: "ZV",
                elements: &[("ZVA", "01")],
            },
        ],
    )
}

fn parse(text: &str) -> Result<LicenceData, AamvaError> {
    aamva::parse(text, TODAY)
}

/// The fields every synthetic licence here carries.
fn assert_testpatient(data: &LicenceData) {
    assert_eq!(data.family_name, "TESTPATIENT");
    assert_eq!(data.given_name, "ADA");
    assert_eq!(data.middle_names.as_deref(), Some("MARIE"));
    assert_eq!(data.date_of_birth.date(), date(1950, 1, 1));
    assert_eq!(data.issuer.to_string(), "636000");
}

/// Nothing that identifies the card, in any form the parsed data can take.
fn assert_no_identifiers(data: &LicenceData) {
    let forms = [
        format!("{data:?}"),
        format!("{data:#?}"),
        serde_json::to_string(data).unwrap(),
    ];
    for form in forms {
        for secret in [NUMBER, "00000001", DISCRIMINATOR] {
            assert!(!form.contains(secret), "{secret} in {form}");
        }
    }
}

#[test]
fn every_version_from_01_to_10() {
    for version in 1..=10 {
        let text = licence(version, &[]);
        let data = parse(&text).unwrap_or_else(|e| panic!("version {version}: {e}"));
        assert_testpatient(&data);
        assert_eq!(data.aamva_version, version);
        let expected_jurisdiction_version = (version >= 2).then_some(1);
        assert_eq!(data.jurisdiction_version, expected_jurisdiction_version);
        assert_eq!(data.expires_on, Some(date(2099, 1, 1)), "version {version}");
        assert_eq!(data.sex, Some(Sex::Female));
        let address = data.address.as_ref().expect("address");
        assert_eq!(address.street, "123 EXAMPLE ST");
        assert_eq!(address.city, "ANYTOWN");
        assert_eq!(address.state_or_province, "VA");
        assert_eq!(address.postal_code, "00000-1234");
        assert_eq!(address.country, Country::Us);
        assert_no_identifiers(&data);
    }
}

#[test]
fn the_benchmark_sample_is_a_valid_v10_licence() {
    let data = parse(&v10_licence()).unwrap();
    assert_testpatient(&data);
    assert_eq!(data.aamva_version, 10);
    assert_eq!(data.address.unwrap().postal_code, "00000");
}

/// Laid out like the standard's annex D example (every element it shows, in its order),
/// with fake values, written out by hand: offsets 0041 and 0286, lengths 0245 and 0008.
#[test]
fn a_hand_written_licence_laid_out_like_the_standards_example() {
    let text = "@\n\x1e\rANSI 636000100002DL00410245ZV02860008\
                DLDAQT00000001\nDCSTESTPATIENT\nDDEN\nDACADA\nDDFN\nDADMARIE\nDDGN\nDCUJR\n\
                DCAD\nDCBK\nDCDPH\nDBD01012020\nDBB01011950\nDBA01012099\nDBC2\nDAU065 in\n\
                DAYBLU\nDAG123 EXAMPLE ST\nDAIANYTOWN\nDAJVA\nDAK000000000  \nDCF\
                FAKEDISCRIMINATOR0001\nDCGUSA\nDDAF\nDDB01012020\nDDD1\rZVZVA01\r";
    assert_eq!(text.find("DLDAQ"), Some(41), "offset as written");
    assert_eq!(text.find("ZVZVA"), Some(286), "offset as written");
    assert_eq!(text.len(), 286 + 8, "lengths as written");
    let data = parse(text).unwrap();
    assert_testpatient(&data);
    assert_eq!(data.address.as_ref().unwrap().postal_code, "00000");
    assert_no_identifiers(&data);
}

#[test]
fn the_scanner_tests_licence_parses() {
    // tests/scanner_serial.rs's licence: no middle name, no address (only a state).
    let text = "@\n\x1e\rANSI 636000100002DL00410099ZV01400008\
                DLDAQT0000001\nDCSTESTPATIENT\nDACADA\nDBB01011950\nDBA01012099\nDAJZZ\r\
                ZVZVA01\r";
    let data = parse(text).unwrap();
    assert_eq!(
        (data.family_name.as_str(), data.given_name.as_str()),
        ("TESTPATIENT", "ADA")
    );
    assert_eq!(data.middle_names, None);
    assert_eq!(data.address, None);
    assert_eq!(data.sex, None);
}

#[test]
fn version_01_full_names_with_either_separator_and_dates_in_either_order() {
    for full in [
        "TESTPATIENT,ADA,MARIE",
        "TESTPATIENT$ADA$MARIE",
        "TESTPATIENT, ADA MARIE",
        "TESTPATIENT,ADA,MARIE,JR",
    ] {
        for born in ["19500101", "01011950"] {
            let text = dl(1, &[("DAQ", NUMBER), ("DAA", full), ("DBB", born)]);
            let data = parse(&text).unwrap_or_else(|e| panic!("{full} {born}: {e}"));
            assert_testpatient(&data);
            assert_eq!(data.jurisdiction_version, None);
        }
    }
    // Parts in their own elements win over the full name.
    let text = dl(
        1,
        &[
            ("DAA", "TESTPATIENT,ADA"),
            ("DAB", "TESTPATIENT"),
            ("DAC", "ADA"),
            ("DAD", "MARIE"),
            ("DBB", "19500101"),
        ],
    );
    assert_testpatient(&parse(&text).unwrap());
    // A full name without separators cannot be split safely.
    let text = dl(1, &[("DAA", "ADA MARIE TESTPATIENT"), ("DBB", "19500101")]);
    assert_eq!(
        parse(&text),
        Err(AamvaError::UnreadableName { element: "DAA" })
    );
}

#[test]
fn version_01_with_a_jurisdiction_version_and_the_residence_address() {
    // Some 2000-era issuers wrote a jurisdiction version all the same.
    let text = "@\n\x1e\rAAMVA636000010101DL00310052DLDAQT00000001\nDAATESTPATIENT,ADA,MARIE\nDBB19500101\r";
    let data = parse(text).unwrap();
    assert_testpatient(&data);
    assert_eq!(data.jurisdiction_version, Some(1));

    let text = dl(
        1,
        &[
            ("DAA", "TESTPATIENT,ADA,MARIE"),
            ("DBB", "19500101"),
            ("DAL", "123 EXAMPLE ST"),
            ("DAN", "ANYTOWN"),
            ("DAO", "VA"),
            ("DAP", "00000"),
        ],
    );
    let address = parse(&text).unwrap().address.unwrap();
    assert_eq!(
        (address.street.as_str(), address.postal_code.as_str()),
        ("123 EXAMPLE ST", "00000")
    );
}

#[test]
fn canadian_cards_write_dates_year_first() {
    let canadian = |iin: &str, extra: &[(&str, &str)]| {
        let mut elements = vec![
            ("DAQ", NUMBER),
            ("DCS", "TESTPATIENT"),
            ("DAC", "ADA"),
            ("DAD", "MARIE"),
            ("DBB", "19500101"),
            ("DBA", "20990131"),
            ("DAG", "123 EXAMPLE ST"),
            ("DAI", "ANYTOWN"),
            ("DAJ", "ON"),
            ("DAK", "a1a1a1     "),
        ];
        elements.extend_from_slice(extra);
        encode(
            iin,
            8,
            0,
            &[Subfile {
                kind: "DL",
                elements: &elements,
            }],
        )
    };
    // By the country element, whatever the issuer; by the issuer (Ontario) without it.
    for text in [
        canadian("636000", &[("DCG", "CAN")]),
        canadian("636012", &[]),
    ] {
        let data = parse(&text).unwrap();
        assert_eq!(data.date_of_birth.date(), date(1950, 1, 1));
        assert_eq!(data.expires_on, Some(date(2099, 1, 31)));
        let address = data.address.unwrap();
        assert_eq!(address.country, Country::Canada);
        assert_eq!(address.postal_code, "A1A 1A1");
    }
    // A US-ordered date on a Canadian card is not silently reread.
    let text = canadian("636012", &[("DBB", "01011950")]);
    assert!(parse(&text).is_ok(), "the first DBB wins");
    let text = encode(
        "636012",
        8,
        0,
        &[Subfile {
            kind: "DL",
            elements: &[("DCS", "TESTPATIENT"), ("DAC", "ADA"), ("DBB", "01011950")],
        }],
    );
    assert_eq!(
        parse(&text),
        Err(AamvaError::InvalidDate { element: "DBB" })
    );
}

#[test]
fn us_cards_write_dates_month_first_only() {
    let text = licence(9, &[]).replace("DBB01011950", "DBB19500101");
    assert_eq!(
        parse(&text),
        Err(AamvaError::InvalidDate { element: "DBB" })
    );
    let text = licence(9, &[]).replace("DBB01011950", "DBB12311950");
    assert_eq!(
        parse(&text).unwrap().date_of_birth.date(),
        date(1950, 12, 31)
    );
}

#[test]
fn mangled_header_control_bytes() {
    let text = licence(10, &[]);
    let body = text.strip_prefix("@\n\x1e\r").unwrap();
    for header in [
        "@",
        "@\n",
        "@\n\r",
        "@\x1e\r",
        "@\r\n\x1e\r",
        "@\x1d\x1e\r",
        "@ \n\x1e\r",
    ] {
        let mangled = format!("{header}{body}");
        let data = parse(&mangled).unwrap_or_else(|e| panic!("{header:?}: {e}"));
        assert_testpatient(&data);
    }
    // "ANSI" without its space; a file type an issuer botched behind correct separators.
    let mangled = text.replacen("ANSI ", "ANSI", 1);
    assert_testpatient(&parse(&mangled).unwrap());
    let mangled = text.replacen("ANSI ", "ANSl ", 1);
    assert_testpatient(&parse(&mangled).unwrap());
    // Whitespace a scanner prefix left before the '@'.
    assert_testpatient(&parse(&format!("\r\n {text}")).unwrap());
}

#[test]
fn scanners_that_turn_separators_into_cr_or_cr_lf() {
    let text = licence(10, &[]);
    let (header, subfiles) = text.split_at(text.find("DLDCS").unwrap());
    for separator in ["\r", "\r\n"] {
        let mangled = format!("{header}{}", subfiles.replace('\n', separator));
        let data = parse(&mangled).unwrap_or_else(|e| panic!("{separator:?}: {e}"));
        assert_testpatient(&data);
        assert!(data.address.is_some());
    }
}

#[test]
fn directory_offsets_that_are_wrong() {
    let text = licence(6, &[]);
    assert!(
        text[21..].starts_with("DL0041"),
        "the DL entry of the directory"
    );
    for wrong in ["0038", "0044", "0049", "0000", "9999", "00A1"] {
        let mangled = format!("{}{wrong}{}", &text[..23], &text[27..]);
        let data = parse(&mangled).unwrap_or_else(|e| panic!("offset {wrong}: {e}"));
        assert_testpatient(&data);
    }
    // A directory that claims more entries than it has, or none at all.
    let mangled = format!("{}09{}", &text[..19], &text[21..]);
    assert_testpatient(&parse(&mangled).unwrap());
    let mangled = format!("{}00{}", &text[..19], &text[41..]);
    assert_testpatient(&parse(&mangled).unwrap());
    // The subfile without its own type, right where the directory points.
    let mangled = text.replacen("DLDCS", "DCS", 1);
    assert_testpatient(&parse(&mangled).unwrap());
}

#[test]
fn padded_fields_are_trimmed() {
    let text = dl(
        10,
        &[
            ("DAQ", "T00000001   "),
            ("DCS", "TESTPATIENT          "),
            ("DAC", "ADA   "),
            ("DAD", " MARIE "),
            ("DBB", "01011950 "),
            ("DAG", "123 EXAMPLE ST     "),
            ("DAI", "ANYTOWN  "),
            ("DAJ", "VA "),
            ("DAK", "00000      "),
        ],
    );
    let data = parse(&format!("{text}    ")).unwrap();
    assert_testpatient(&data);
    let address = data.address.unwrap();
    assert_eq!(address.street, "123 EXAMPLE ST");
    assert_eq!(address.city, "ANYTOWN");
    assert_eq!(address.state_or_province, "VA");
    assert_eq!(address.postal_code, "00000");
}

#[test]
fn missing_optional_fields() {
    let text = dl(
        10,
        &[("DCS", "TESTPATIENT"), ("DAC", "ADA"), ("DBB", "01011950")],
    );
    let data = parse(&text).unwrap();
    assert_eq!(data.middle_names, None);
    assert_eq!(
        (data.address, data.expires_on, data.sex),
        (None, None, None)
    );
    // An address missing its postal code, or with one that is not a ZIP, is left out.
    let text = dl(
        10,
        &[
            ("DCS", "TESTPATIENT"),
            ("DAC", "ADA"),
            ("DBB", "01011950"),
            ("DAG", "123 EXAMPLE ST"),
            ("DAI", "ANYTOWN"),
            ("DAJ", "VA"),
        ],
    );
    assert_eq!(parse(&text).unwrap().address, None);
    let text = licence(10, &[]).replace("DAK000001234  ", "DAK0000");
    assert_eq!(parse(&text).unwrap().address, None);
    // "NONE" for no middle name; a card that never expires.
    let text = licence(10, &[])
        .replace("DADMARIE", "DADNONE")
        .replace("DBA01012099", "DBA00000000");
    let data = parse(&text).unwrap();
    assert_eq!((data.middle_names, data.expires_on), (None, None));
    // Mexico's cards: no US or Canadian address.
    let text = licence(10, &[("DCG", "MEX")])
        .replace("DBB01011950", "DBB19500101")
        .replace("DBA01012099", "DBA20990101");
    assert_eq!(parse(&text).unwrap().address, None);
}

#[test]
fn a_missing_or_impossible_date_of_birth_is_an_error() {
    let without = dl(
        10,
        &[("DAQ", NUMBER), ("DCS", "TESTPATIENT"), ("DAC", "ADA")],
    );
    assert_eq!(
        parse(&without),
        Err(AamvaError::MissingElement { element: "DBB" })
    );
    for (born, error) in [
        ("02301950", AamvaError::InvalidDate { element: "DBB" }),
        ("13011950", AamvaError::InvalidDate { element: "DBB" }),
        ("00000000", AamvaError::InvalidDate { element: "DBB" }),
        ("1950-01-01", AamvaError::InvalidDate { element: "DBB" }),
        ("0101195", AamvaError::InvalidDate { element: "DBB" }),
        ("01011899", AamvaError::DateOfBirth(DobError::Before1900)),
        ("11262026", AamvaError::DateOfBirth(DobError::InFuture)),
    ] {
        let text = licence(10, &[]).replace("DBB01011950", &format!("DBB{born}"));
        assert_eq!(parse(&text), Err(error), "{born}");
    }
    // Today is still a valid birthday (a newborn's ID card).
    let text = licence(10, &[]).replace("DBB01011950", "DBB11252026");
    assert!(parse(&text).is_ok());
    // An impossible expiry date is as much an error.
    let text = licence(10, &[]).replace("DBA01012099", "DBA02302099");
    assert_eq!(
        parse(&text),
        Err(AamvaError::InvalidDate { element: "DBA" })
    );
}

#[test]
fn missing_names_are_errors() {
    let text = dl(10, &[("DAC", "ADA"), ("DBB", "01011950")]);
    assert_eq!(
        parse(&text),
        Err(AamvaError::MissingElement { element: "DCS" })
    );
    let text = dl(10, &[("DCS", "TESTPATIENT"), ("DBB", "01011950")]);
    assert_eq!(
        parse(&text),
        Err(AamvaError::MissingElement { element: "DAC" })
    );
    let text = dl(10, &[("DCS", "    "), ("DAC", "ADA"), ("DBB", "01011950")]);
    assert_eq!(
        parse(&text),
        Err(AamvaError::MissingElement { element: "DCS" })
    );
    let text = dl(1, &[("DBB", "19500101")]);
    assert_eq!(
        parse(&text),
        Err(AamvaError::MissingElement { element: "DAA" })
    );
    let text = dl(
        10,
        &[
            ("DCS", "TEST\x1ePATIENT"),
            ("DAC", "ADA"),
            ("DBB", "01011950"),
        ],
    );
    assert_eq!(
        parse(&text),
        Err(AamvaError::UnreadableName { element: "DCS" })
    );
}

#[test]
fn garbage_and_other_barcodes_are_typed_errors() {
    let long = "@\n\x1e\rANSI 636000".to_owned() + &"X".repeat(aamva::MAX_LEN);
    for (text, error) in [
        ("", AamvaError::NotALicence),
        ("FD1:ABCDEFGH", AamvaError::NotALicence),
        ("shc:/5676290952432060346029243740", AamvaError::NotALicence),
        ("[)>\x1e06\x1dTESTPLAN\x1e\x04", AamvaError::NotALicence),
        ("@hello", AamvaError::NotALicence),
        ("@      ANSI 636000100002", AamvaError::NotALicence),
        ("@\n\x1e\rANSI", AamvaError::BadHeader { field: "IIN" }),
        (
            "@\n\x1e\rANSI 63600",
            AamvaError::BadHeader { field: "IIN" },
        ),
        (
            "@\n\x1e\rANSI 636000",
            AamvaError::BadHeader { field: "version" },
        ),
        (
            "@\n\x1e\rANSI 63600010",
            AamvaError::BadHeader {
                field: "jurisdiction version",
            },
        ),
        (
            "@\n\x1e\rANSI 6360001000",
            AamvaError::BadHeader { field: "entries" },
        ),
        (
            "@\n\x1e\rANSI 636000000001DL00190010DLDCSX\r",
            AamvaError::UnsupportedVersion,
        ),
        (
            "@\n\x1e\rANSI 636000100001ZV00310008ZVZVA01\r",
            AamvaError::NoLicenceSubfile { len: 39 },
        ),
        (
            "@\n\x1e\rANSI 636000100000",
            AamvaError::NoLicenceSubfile { len: 21 },
        ),
        (
            "@\n\x1e\rANSI 636000100001DL00310010DL\u{e9}\u{e9}\r",
            AamvaError::NoLicenceSubfile { len: 38 },
        ),
    ] {
        assert_eq!(parse(text), Err(error), "{text:?}");
    }
    assert_eq!(parse(&long), Err(AamvaError::TooLong { len: long.len() }));
    // Multi-byte text where offsets point into the middle of a character: no panic.
    let text = licence(10, &[])
        .replace("ANYTOWN", "ÅNYTÖWN")
        .replace("123", "１２３");
    assert!(parse(&text).is_ok());
    for cut in 0..text.len() {
        if let Some(prefix) = text.get(..cut) {
            let _ = parse(prefix);
        }
    }
}

#[test]
fn errors_and_debug_carry_no_data_from_the_scan() {
    let data = parse(&licence(10, &[])).unwrap();
    assert_eq!(
        format!("{data:?}"),
        "LicenceData { issuer: Iin(636000), aamva_version: 10, .. }"
    );
    assert_eq!(
        format!("{:?}", data.address.as_ref().unwrap()),
        "Address(<redacted>)"
    );
    let shown = format!("{data:#?}");
    for secret in [
        "TESTPATIENT",
        "ADA",
        "MARIE",
        "1950",
        "EXAMPLE",
        "ANYTOWN",
        NUMBER,
    ] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let bad = licence(10, &[]).replace("DBB01011950", "DBB02301950");
    let error = parse(&bad).unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains("0230") && !shown.contains("TESTPATIENT"),
        "{shown}"
    );
}

#[test]
fn the_licence_number_never_reaches_the_parsed_data() {
    for version in 1..=10 {
        assert_no_identifiers(&parse(&licence(version, &[])).unwrap());
    }
    // Not even when an issuer writes it twice.
    let text = licence(10, &[("DAQ", NUMBER)]);
    assert_no_identifiers(&parse(&text).unwrap());
}

#[test]
fn parsed_data_round_trips_through_serde() {
    let data = parse(&licence(10, &[])).unwrap();
    let json = serde_json::to_string(&data).unwrap();
    assert!(json.contains("\"date_of_birth\":\"1950-01-01\""), "{json}");
    assert!(json.contains("\"issuer\":\"636000\""), "{json}");
    let back: LicenceData = serde_json::from_str(&json).unwrap();
    assert_eq!(back, data);
}

#[test]
fn given_names_display_in_title_case() {
    let mut data = parse(&licence(10, &[])).unwrap();
    assert_eq!(data.display_given_name(), "Ada");
    data.given_name = "MARY-JO O'ADA".into();
    assert_eq!(data.display_given_name(), "Mary-Jo O'Ada");
}

#[test]
fn a_classified_scan_parses() {
    let scan = Scan::classify(format!("\r\n{}", licence(10, &[])));
    let Scan::DriversLicence(text) = scan else {
        panic!("not classified as a licence");
    };
    assert_testpatient(&parse(&text).unwrap());
}

/// One synthetic licence through the scanner simulator and the production driver.
#[cfg(feature = "kiosk")]
mod through_the_scanner {
    use super::*;
    use frontdesk::devices::framing::Terminator;
    use frontdesk::devices::scanner::{Scanner, ScannerPort};
    use frontdesk::devices::scanner_sim::ScannerSimulator;
    use std::sync::{Mutex, mpsc};
    use std::time::Duration;

    #[test]
    fn a_licence_scanned_on_the_serial_scanner_parses() {
        let mut sim = ScannerSimulator::new().unwrap();
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let _scanner = Scanner::start(
            ScannerPort {
                terminator: Terminator::Cr,
                gap: Duration::from_millis(100),
                ..ScannerPort::new(sim.port_path())
            },
            move |scan| tx.lock().unwrap().send(scan).unwrap(),
        )
        .unwrap();

        let text = licence(10, &[]);
        sim.scan(&text).unwrap();
        let scan = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        let Scan::DriversLicence(scanned) = scan else {
            panic!("classified as {:?}", scan.kind());
        };
        let data = parse(&scanned).unwrap();
        assert_testpatient(&data);
        assert_eq!(data.address.as_ref().unwrap().postal_code, "00000-1234");
        assert_eq!(data, parse(&text).unwrap());
    }
}
