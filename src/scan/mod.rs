//! Parsers for what a scanner reads, once `devices::Scan` has recognised its kind: pure
//! functions from scanned text to typed data, always compiled (the fuzzers use them). The
//! insurance card photo's checks and reading live here too: `card_photo` (is the frame
//! worth reading), `card_ocr` (Tesseract, on the kiosk) and `card_text` (its text to a
//! `CardReading`).

pub mod aamva;
pub mod aamva_sample;
pub mod card_ocr;
pub mod card_photo;
pub mod card_text;
pub mod shc;
pub mod shc_sample;
