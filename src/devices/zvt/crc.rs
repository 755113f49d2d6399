//! The checksum after a ZVT serial frame: CRC-16/KERMIT (the CCITT polynomial 0x1021
//! reflected, i.e. 0x8408; initial value 0; no final XOR; check value 0x2189 for
//! "123456789"), over the unescaped APDU followed by the ETX byte, sent low byte first.
//!
//! Confirmed against wirelane/ecrterm (`ecrterm/crc.py`: table for poly 0x8408, crc
//! starting at 0; `ecrterm/transmission/transport_serial.py`: `crc(apdu + ETX)`, sent as
//! `crc_l, crc_h`) and its frames captured from terminals (`ecrterm/tests/test_data_encoding.py`,
//! commit f17916294f5e), which the tests below and in [`super::frame`] reproduce.

use ::crc::{CRC_16_KERMIT, Crc};

/// End of text: the byte after the closing DLE, and covered by the checksum.
pub const ETX: u8 = 0x03;

const KERMIT: Crc<u16> = Crc::<u16>::new(&CRC_16_KERMIT);

/// The checksum of a frame carrying `apdu` (unescaped), as sent: low byte first.
pub fn frame_crc(apdu: &[u8]) -> [u8; 2] {
    let mut digest = KERMIT.digest();
    digest.update(apdu);
    digest.update(&[ETX]);
    digest.finalize().to_le_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_check_value_of_crc_16_kermit() {
        assert_eq!(KERMIT.checksum(b"123456789"), 0x2189);
    }

    /// Frames from ecrterm's tests (test_data_encoding.py): APDU, then the CRC bytes that
    /// follow `DLE ETX` on the wire.
    #[test]
    fn the_crc_of_captured_frames() {
        let cases: [(&[u8], [u8; 2]); 4] = [
            // Registration 06 00: password 123456, config byte BA, currency 978.
            (
                &[0x06, 0x00, 0x06, 0x12, 0x34, 0x56, 0xBA, 0x09, 0x78],
                [0x24, 0xC3],
            ),
            // Diagnosis 06 70.
            (&[0x06, 0x70, 0x00], [0xD9, 0xF9]),
            // Completion / acknowledgement 80 00.
            (&[0x80, 0x00, 0x00], [0xF5, 0x1F]),
            // Reset terminal 06 18.
            (&[0x06, 0x18, 0x00], [0x56, 0x3A]),
        ];
        for (apdu, crc) in cases {
            assert_eq!(frame_crc(apdu), crc, "{apdu:02X?}");
        }
    }
}
