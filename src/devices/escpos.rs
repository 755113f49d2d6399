//! The subset of ESC/POS (Epson's receipt printer command set) the receipt printer speaks:
//! the commands [`super::receipt`] emits, the real-time paper status, and a decoder that
//! turns printer bytes back into plain text for the simulator and tests (bytes above ASCII
//! through [`super::pc850`] once `ESC t 2` selected that code page).
//!
//! Written by hand rather than with the `escpos` crate (0.20, MIT): its serial driver
//! replaces the caller's read timeout with a fixed five seconds and flattens every failure
//! into a string, its raster images need the `graphics` feature (the `image` stack), and it
//! has no decoder, which the simulator needs anyway. The dozen commands below are all the
//! kiosk sends.

use super::pc850;

/// `ESC @`: reset the printer's modes.
pub const INIT: [u8; 2] = [0x1b, b'@'];
/// `DLE EOT 4`: real-time roll paper sensor status, answered at once even when the printer
/// is off line or out of paper (unlike `GS r 1`, which waits behind the print buffer).
pub const PAPER_STATUS: [u8; 3] = [0x10, 0x04, 4];
/// `GS V 1`: partial cut.
pub const CUT: [u8; 3] = [0x1d, b'V', 1];
/// The line the decoder shows for a cut.
pub const CUT_LINE: &str = "--------------------------------";

const LF: u8 = 0x0a;
const CR: u8 = 0x0d;
const ESC: u8 = 0x1b;
const GS: u8 = 0x1d;
const DLE: u8 = 0x10;
const EOT: u8 = 0x04;

/// `ESC t n`: select character code table `n` (see [`super::pc850::TABLE`]).
pub fn code_page(n: u8) -> [u8; 3] {
    [ESC, b't', n]
}

/// `ESC a n`: 0 left, 1 centre, 2 right.
pub fn justify(n: u8) -> [u8; 3] {
    [ESC, b'a', n]
}

/// `ESC E n`: bold on (1) or off (0).
pub fn bold(on: bool) -> [u8; 3] {
    [ESC, b'E', u8::from(on)]
}

/// `GS ! n`: character size; high nibble width, low nibble height, each 0 = ×1, 1 = ×2.
pub fn size(double_width: bool, double_height: bool) -> [u8; 3] {
    [
        GS,
        b'!',
        (u8::from(double_width) << 4) | u8::from(double_height),
    ]
}

/// `ESC d n`: print and feed `n` lines.
pub fn feed(lines: u8) -> [u8; 3] {
    [ESC, b'd', lines]
}

/// The largest payload `GS ( k` stores for a QR code (model 2, numeric limit aside).
pub const QR_MAX: usize = 7089;

/// `GS ( k` with `cn` 49 (QR code): select model 2, module size, error correction M,
/// store the payload, print it. `payload` must be at most [`QR_MAX`] bytes.
pub fn qr_native(payload: &[u8], module: u8) -> Vec<u8> {
    let stored = u16::try_from(payload.len().min(QR_MAX) + 3).unwrap_or(u16::MAX);
    let [pl, ph] = stored.to_le_bytes();
    let mut out = Vec::with_capacity(payload.len() + 40);
    out.extend_from_slice(&[GS, b'(', b'k', 4, 0, 49, 65, 50, 0]); // fn 165: model 2
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 67, module]); // fn 167: module size
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 69, 49]); // fn 169: level M
    out.extend_from_slice(&[GS, b'(', b'k', pl, ph, 49, 80, 48]); // fn 180: store
    out.extend_from_slice(&payload[..payload.len().min(QR_MAX)]);
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 81, 48]); // fn 181: print
    out
}

/// `GS v 0 0`: a raster image, `width_bytes` × 8 dots wide, rows top to bottom, most
/// significant bit leftmost, 1 = black.
pub fn raster(width_bytes: u16, height: u16, rows: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() + 8);
    out.extend_from_slice(&[GS, b'v', b'0', 0]);
    out.extend_from_slice(&width_bytes.to_le_bytes());
    out.extend_from_slice(&height.to_le_bytes());
    out.extend_from_slice(rows);
    out
}

/// The paper state in a `DLE EOT 4` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaperSensor {
    Adequate,
    /// Bits 2 and 3: the near-end sensor sees the roll running out.
    NearEnd,
    /// Bits 5 and 6: the end sensor sees no paper.
    Out,
}

impl PaperSensor {
    /// The answer byte: bits 1 and 4 are always set, bits 0 and 7 always clear.
    pub fn byte(self) -> u8 {
        match self {
            Self::Adequate => 0x12,
            Self::NearEnd => 0x12 | 0x0c,
            Self::Out => 0x12 | 0x0c | 0x60,
        }
    }

    /// Reads a `DLE EOT 4` answer; `None` if the fixed bits are wrong (not a status byte).
    pub fn from_byte(byte: u8) -> Option<Self> {
        if byte & 0x93 != 0x12 {
            return None;
        }
        Some(if byte & 0x60 != 0 {
            Self::Out
        } else if byte & 0x0c != 0 {
            Self::NearEnd
        } else {
            Self::Adequate
        })
    }
}

/// Why printer bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("command cut short at byte {0}")]
    Truncated(usize),
    #[error("unknown command {0:#04x} {1:#04x} at byte {2}")]
    UnknownCommand(u8, u8, usize),
    #[error("byte {0:#04x} at byte {1} is not printable text")]
    NotText(u8, usize),
    #[error("QR code at byte {0} holds more than {QR_MAX} bytes")]
    QrTooLong(usize),
}

impl DecodeError {
    /// Where in the input the problem starts.
    pub fn offset(&self) -> usize {
        match *self {
            Self::Truncated(at)
            | Self::UnknownCommand(_, _, at)
            | Self::NotText(_, at)
            | Self::QrTooLong(at) => at,
        }
    }
}

/// Decodes the printer bytes of the subset above into the text a printer would show:
/// bytes above ASCII as PC850 when that table is selected (and one of ours), styles dropped, a QR code as `[QR: <payload>]`, a raster image as `[image W×H]`, a cut
/// as [`CUT_LINE`]. Real-time status requests print nothing.
pub fn render(bytes: &[u8]) -> Result<String, DecodeError> {
    let mut out = Decoder::default();
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            0x20..=0x7e => {
                out.line.push(char::from(byte));
                at += 1;
            }
            0x80..=0xff => {
                let c = (out.code_page == Some(pc850::TABLE))
                    .then(|| pc850::decode_byte(byte))
                    .flatten()
                    .ok_or(DecodeError::NotText(byte, at))?;
                out.line.push(c);
                at += 1;
            }
            LF => {
                out.end_line();
                at += 1;
            }
            CR => at += 1,
            ESC => {
                let command = take(bytes, at, 2)?[1];
                match command {
                    b'@' => {
                        out.code_page = None;
                        at += 2;
                    }
                    b't' => {
                        out.code_page = Some(take(bytes, at, 3)?[2]);
                        at += 3;
                    }
                    b'a' | b'E' | b'!' => at += take(bytes, at, 3)?.len(),
                    b'd' => {
                        let lines = take(bytes, at, 3)?[2];
                        out.flush();
                        out.text.extend((0..lines).map(|_| "\n"));
                        at += 3;
                    }
                    other => return Err(DecodeError::UnknownCommand(ESC, other, at)),
                }
            }
            GS => {
                let command = take(bytes, at, 2)?[1];
                match command {
                    b'!' => at += take(bytes, at, 3)?.len(),
                    b'V' => {
                        // Modes 65 and 66 feed before cutting and carry one more byte.
                        let len = if matches!(take(bytes, at, 3)?[2], 65 | 66) {
                            4
                        } else {
                            3
                        };
                        at += take(bytes, at, len)?.len();
                        out.flush();
                        out.text.push_str(CUT_LINE);
                        out.text.push('\n');
                    }
                    b'(' => at = out.gs_paren(bytes, at)?,
                    b'v' => at = out.raster(bytes, at)?,
                    other => return Err(DecodeError::UnknownCommand(GS, other, at)),
                }
            }
            DLE => {
                let head = take(bytes, at, 3)?;
                if head[1] != EOT {
                    return Err(DecodeError::UnknownCommand(DLE, head[1], at));
                }
                at += 3;
            }
            other => return Err(DecodeError::NotText(other, at)),
        }
    }
    out.flush();
    Ok(out.text)
}

/// The `n` bytes of the command at `at`, or why not.
fn take(bytes: &[u8], at: usize, n: usize) -> Result<&[u8], DecodeError> {
    bytes.get(at..at + n).ok_or(DecodeError::Truncated(at))
}

#[derive(Default)]
struct Decoder {
    text: String,
    line: String,
    /// The payload of the last `GS ( k` store, printed by the next print.
    qr: Option<String>,
    /// The table `ESC t n` selected; `None` after a reset (the printer's default).
    code_page: Option<u8>,
}

impl Decoder {
    fn end_line(&mut self) {
        self.text.push_str(self.line.trim_end());
        self.text.push('\n');
        self.line.clear();
    }

    /// Prints a pending partial line, as a feed or cut does.
    fn flush(&mut self) {
        if !self.line.is_empty() {
            self.end_line();
        }
    }

    /// `GS ( k pL pH cn fn …`: QR code functions; other symbologies are refused.
    fn gs_paren(&mut self, bytes: &[u8], at: usize) -> Result<usize, DecodeError> {
        let head = take(bytes, at, 7)?;
        if head[2] != b'k' {
            return Err(DecodeError::UnknownCommand(GS, b'(', at));
        }
        let len = usize::from(u16::from_le_bytes([head[3], head[4]]));
        let end = at + 5 + len;
        let params = bytes.get(at + 5..end).ok_or(DecodeError::Truncated(at))?;
        let (cn, function) = (params.first(), params.get(1));
        if cn != Some(&49) {
            return Err(DecodeError::UnknownCommand(GS, b'(', at));
        }
        match function {
            Some(80) => {
                let data = params.get(3..).ok_or(DecodeError::Truncated(at))?;
                if data.len() > QR_MAX {
                    return Err(DecodeError::QrTooLong(at));
                }
                self.qr = Some(String::from_utf8_lossy(data).into_owned());
            }
            Some(81) => {
                self.flush();
                let payload = self.qr.as_deref().unwrap_or("");
                self.text.push_str(&format!("[QR: {payload}]\n"));
            }
            Some(65 | 67 | 69) => {}
            _ => return Err(DecodeError::UnknownCommand(GS, b'(', at)),
        }
        Ok(end)
    }

    /// `GS v 0 m xL xH yL yH d…`: skips the dots, shows the size.
    fn raster(&mut self, bytes: &[u8], at: usize) -> Result<usize, DecodeError> {
        let head = take(bytes, at, 8)?;
        if head[2] != b'0' || !matches!(head[3], 0..=3 | 48..=51) {
            return Err(DecodeError::UnknownCommand(GS, b'v', at));
        }
        let width = usize::from(u16::from_le_bytes([head[4], head[5]]));
        let height = usize::from(u16::from_le_bytes([head[6], head[7]]));
        let end = at + 8 + width * height;
        if end > bytes.len() {
            return Err(DecodeError::Truncated(at));
        }
        self.flush();
        self.text
            .push_str(&format!("[image {}x{height}]\n", width * 8));
        Ok(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_text_qr_image_and_cut() {
        let mut bytes = INIT.to_vec();
        bytes.extend_from_slice(&bold(true));
        bytes.extend_from_slice(b"Hello  \n");
        bytes.extend_from_slice(&qr_native(b"FD1:REF", 6));
        bytes.extend_from_slice(&raster(1, 2, &[0xff, 0x00]));
        bytes.extend_from_slice(b"tail");
        bytes.extend_from_slice(&feed(1));
        bytes.extend_from_slice(&PAPER_STATUS);
        bytes.extend_from_slice(&CUT);
        assert_eq!(
            render(&bytes).unwrap(),
            format!("Hello\n[QR: FD1:REF]\n[image 8x2]\ntail\n\n{CUT_LINE}\n")
        );
    }

    #[test]
    fn refuses_garbage_with_typed_errors() {
        assert_eq!(render(b"\x1b"), Err(DecodeError::Truncated(0)));
        assert_eq!(
            render(b"ab\x1bZ"),
            Err(DecodeError::UnknownCommand(ESC, b'Z', 2))
        );
        assert_eq!(render(b"a\x07"), Err(DecodeError::NotText(7, 1)));
        // Above ASCII only in PC850, and only our characters; a reset forgets the table.
        assert_eq!(render(b"\x1bt\x02\xa2\n"), Ok("ó\n".into()));
        assert_eq!(render(b"\xa2"), Err(DecodeError::NotText(0xa2, 0)));
        assert_eq!(render(b"\x1bt\x00\xa2"), Err(DecodeError::NotText(0xa2, 3)));
        assert_eq!(render(b"\x1bt\x02\xff"), Err(DecodeError::NotText(0xff, 3)));
        assert_eq!(
            render(b"\x1bt\x02\x1b@\xa2"),
            Err(DecodeError::NotText(0xa2, 5))
        );
        assert_eq!(render(b"\x1bt"), Err(DecodeError::Truncated(0)));
        assert_eq!(
            render(b"\x1dv0\x00\xff\xff\xff\xff"),
            Err(DecodeError::Truncated(0))
        );
        assert_eq!(render(b"\x1d(k\xff\xff1P0"), Err(DecodeError::Truncated(0)));
        assert_eq!(render(b"\x1dV"), Err(DecodeError::Truncated(0)));
        assert_eq!(render(b"\x1dVA"), Err(DecodeError::Truncated(0)));
        let mut long = b"ok\n\x1d(k\xb5\x1b1P0".to_vec();
        long.resize(long.len() + QR_MAX + 1, b'7');
        assert_eq!(render(&long), Err(DecodeError::QrTooLong(3)));
        assert_eq!(DecodeError::QrTooLong(3).offset(), 3);
    }

    #[test]
    fn paper_status_bytes_round_trip() {
        for sensor in [
            PaperSensor::Adequate,
            PaperSensor::NearEnd,
            PaperSensor::Out,
        ] {
            assert_eq!(PaperSensor::from_byte(sensor.byte()), Some(sensor));
        }
        // Only one of each pair of bits set, as some printers report.
        assert_eq!(PaperSensor::from_byte(0x16), Some(PaperSensor::NearEnd));
        assert_eq!(PaperSensor::from_byte(0x32), Some(PaperSensor::Out));
        assert_eq!(PaperSensor::from_byte(0x00), None);
        assert_eq!(PaperSensor::from_byte(0x93), None);
    }
}
