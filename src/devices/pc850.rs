//! The receipt printer's character set: code page PC850 (Multilingual Latin 1), selected
//! with `ESC t 2` (table 2 on Epson and compatible printers), which has every letter and
//! mark Spanish needs.
//!
//! Hand-written: the receipt's own text needs a dozen characters beyond ASCII, and a
//! code page crate (`codepage-437`, `oem_cp`) would bring 128-entry tables for pages we
//! never select. Only the characters below are encoded; anything else becomes `?`.

/// `n` of `ESC t n` for PC850 in Epson's table numbering.
pub const TABLE: u8 = 2;

/// Our characters beyond ASCII and their PC850 bytes.
const TABLE_850: [(char, u8); 16] = [
    ('á', 0xa0),
    ('é', 0x82),
    ('í', 0xa1),
    ('ó', 0xa2),
    ('ú', 0xa3),
    ('ñ', 0xa4),
    ('Ñ', 0xa5),
    ('ü', 0x81),
    ('Ü', 0x9a),
    ('¿', 0xa8),
    ('¡', 0xad),
    ('Á', 0xb5),
    ('É', 0x90),
    ('Í', 0xd6),
    ('Ó', 0xe0),
    ('Ú', 0xe9),
];

/// The PC850 byte of `c`, if it is printable ASCII or in the table.
pub fn encode_char(c: char) -> Option<u8> {
    if (' '..='~').contains(&c) {
        return u8::try_from(c).ok();
    }
    TABLE_850
        .iter()
        .find_map(|&(ours, byte)| (ours == c).then_some(byte))
}

/// The character a byte above ASCII prints as, if it is one of ours.
pub fn decode_byte(byte: u8) -> Option<char> {
    TABLE_850
        .iter()
        .find_map(|&(c, ours)| (ours == byte).then_some(c))
}

/// `text` with every character the printer cannot show (control characters, other
/// scripts, letters outside the table) replaced by `?`.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if encode_char(c).is_some() { c } else { '?' })
        .collect()
}

/// `text` as PC850 bytes; anything outside the table is `?`. Never emits a control byte,
/// so no text can become a printer command.
pub fn encode(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| encode_char(c).unwrap_or(b'?'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_text_round_trips_and_the_rest_is_a_question_mark() {
        let text = "¿Código? ¡Sí! Añadir Ú Ñ ü";
        let bytes = encode(text);
        assert!(bytes.iter().all(|&b| b >= 0x20 && b != 0x7f));
        let back: String = bytes
            .iter()
            .map(|&b| {
                if b < 0x80 {
                    char::from(b)
                } else {
                    decode_byte(b).unwrap()
                }
            })
            .collect();
        assert_eq!(back, text);
        assert_eq!(encode("\u{1b}@ ß € 日"), b"?@ ? ? ?");
        assert_eq!(printable("tab\tß é"), "tab?? é");
    }

    #[test]
    fn table_is_one_to_one_and_above_ascii() {
        for (i, &(c, byte)) in TABLE_850.iter().enumerate() {
            assert!(byte >= 0x80, "{c}");
            assert_eq!(decode_byte(byte), Some(c));
            assert!(TABLE_850[i + 1..].iter().all(|&(d, b)| d != c && b != byte));
        }
        assert_eq!(decode_byte(0x80), None);
    }
}
