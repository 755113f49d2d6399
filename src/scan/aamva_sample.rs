//! Builds AAMVA DL/ID barcode text from elements, with a correct header and subfile
//! directory: synthetic licences for tests, fuzzing, benchmarks and the demo scanner.

use std::fmt::Write as _;

/// One subfile: its two-letter type ("DL", "ID", "ZV") and its elements (id, value).
pub struct Subfile<'a> {
    pub kind: &'a str,
    pub elements: &'a [(&'a str, &'a str)],
}

/// The barcode text for `subfiles`, as the standard lays it out: header (with the
/// jurisdiction version from version 02 on), directory with each subfile's offset and
/// length, then each subfile: type, elements separated by LF, ended by CR.
pub fn encode(iin: &str, version: u8, jurisdiction_version: u8, subfiles: &[Subfile]) -> String {
    let mut header = format!("@\n\x1e\r{}{iin}{version:02}", file_type(version));
    if version >= 2 {
        let _ = write!(header, "{jurisdiction_version:02}");
    }
    let _ = write!(header, "{:02}", subfiles.len());
    let bodies: Vec<String> = subfiles
        .iter()
        .map(|s| {
            let elements: Vec<String> = s
                .elements
                .iter()
                .map(|(id, v)| format!("{id}{v}"))
                .collect();
            format!("{}{}\r", s.kind, elements.join("\n"))
        })
        .collect();
    let mut offset = header.len() + 10 * subfiles.len();
    let mut directory = String::new();
    for (subfile, body) in subfiles.iter().zip(&bodies) {
        let _ = write!(directory, "{}{offset:04}{:04}", subfile.kind, body.len());
        offset += body.len();
    }
    header + &directory + &bodies.concat()
}

/// "AAMVA" in the 2000 standard (version 01), "ANSI " since.
fn file_type(version: u8) -> &'static str {
    if version == 1 { "AAMVA" } else { "ANSI " }
}

/// The elements of a synthetic, obviously fake version 10 licence from the sample issuer
/// (IIN 636000): "TESTPATIENT, ADA MARIE", born 1 January 1950.
pub const V10_ELEMENTS: &[(&str, &str)] = &[
    ("DCA", "D"),
    ("DCB", "NONE"),
    ("DCD", "NONE"),
    ("DBA", "01012099"),
    ("DCS", "TESTPATIENT"),
    ("DAC", "ADA"),
    ("DAD", "MARIE"),
    ("DBD", "01012020"),
    ("DBB", "01011950"),
    ("DBC", "2"),
    ("DAY", "BLU"),
    ("DAU", "065 IN"),
    ("DAG", "123 EXAMPLE ST"),
    ("DAI", "ANYTOWN"),
    ("DAJ", "VA"),
    ("DAK", "000000000  "),
    ("DAQ", "T00000001"),
    ("DCF", "FAKEDISCRIMINATOR0001"),
    ("DCG", "USA"),
    ("DDE", "N"),
    ("DDF", "N"),
    ("DDG", "N"),
    ("DDA", "F"),
    ("DDB", "01012020"),
    ("DDK", "1"),
];

/// A synthetic version 10 licence (see [`V10_ELEMENTS`]) with a jurisdiction subfile.
pub fn v10_licence() -> String {
    encode(
        "636000",
        10,
        0,
        &[
            Subfile {
                kind: "DL",
                elements: V10_ELEMENTS,
            },
            Subfile {
                kind: "ZV",
                elements: &[("ZVA", "01")],
            },
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_lengths_point_at_each_subfile() {
        let text = v10_licence();
        assert!(text.starts_with("@\n\x1e\rANSI 636000100002DL0041"));
        let dl_len: usize = text[27..31].parse().unwrap();
        assert_eq!(&text[41..43], "DL");
        assert_eq!(&text[31..33], "ZV");
        let zv_offset: usize = text[33..37].parse().unwrap();
        assert_eq!(zv_offset, 41 + dl_len);
        assert_eq!(&text[zv_offset..], "ZVZVA01\r");
    }

    #[test]
    fn version_01_has_no_jurisdiction_version() {
        let text = encode(
            "636000",
            1,
            0,
            &[Subfile {
                kind: "DL",
                elements: &[("DAA", "X")],
            }],
        );
        assert_eq!(text, "@\n\x1e\rAAMVA6360000101DL00290007DLDAAX\r");
    }
}
