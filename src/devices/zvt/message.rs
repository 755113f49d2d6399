//! ZVT application messages the terminal (PT) sends the kiosk (ECR): acknowledgement and
//! refusal, intermediate status, status information, receipt lines, completion, abort; as
//! typed values parsed from APDUs (and encoded, for the simulator). The kiosk's own
//! commands are in [`super::command`]; both share [`MessageError`].
//!
//! Written from the ZVT specification's message descriptions, checked against traffic
//! captured from terminals (EVerest/zvt `zvt/data/*.blob`, wirelane/ecrterm tests). Both
//! directions parse and encode, so the terminal simulator speaks the same bytes. Every
//! parser returns a typed error and never panics (fuzzed). Card data: only a masked card
//! number ever leaves this module, and at most its last four digits show.

use super::apdu::{Apdu, ApduError};
use super::bmp::{self, BmpError, Field};
use super::tlv::{self, TlvError};
use crate::devices::payment::{NotTaken, TerminalPrompt};
use crate::domain::{AuthCode, Cents, MaskedCard, TerminalReceiptNo};

/// Why an APDU is not the message it claims to be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("{class:02X} {instr:02X}: {source}")]
    Field {
        class: u8,
        instr: u8,
        source: BmpError,
    },
    #[error("{class:02X} {instr:02X}: text block: {source}")]
    Tlv {
        class: u8,
        instr: u8,
        source: TlvError,
    },
    #[error("{class:02X} {instr:02X}: {len} data bytes, too short")]
    TooShort { class: u8, instr: u8, len: usize },
    #[error("{class:02X} {instr:02X}: required BMP {tag:#04x} missing")]
    Missing { class: u8, instr: u8, tag: u8 },
    #[error("{class:02X} {instr:02X}: BMP {tag:#04x} holds an impossible value")]
    BadValue { class: u8, instr: u8, tag: u8 },
    #[error("{class:02X} {instr:02X} is not a command the terminal takes")]
    UnknownCommand { class: u8, instr: u8 },
    #[error("message does not fit an APDU: {0}")]
    Apdu(#[from] ApduError),
}

/// What the terminal sends to the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TerminalMessage {
    /// 80 00: a command was accepted.
    Ack,
    /// 84 xx: a command was refused, `code` being a ZVT result code.
    Refused { code: u8 },
    /// 04 FF: what the terminal shows now (status byte; timeout and TLV ignored).
    IntermediateStatus { status: u8 },
    /// 04 0F: the result of a transaction or administrative command.
    StatusInformation(StatusInfo),
    /// 06 D1: one receipt line (attribute byte, then text).
    PrintLine { attribute: u8, text: String },
    /// 06 D3: receipt lines in a TLV text block.
    PrintTextBlock { lines: Vec<String> },
    /// 06 0F: the command ended well (its data, if any, is not needed).
    Completion,
    /// 06 1E: the command ended without success, with a result code.
    Abort { result: u8 },
    /// Anything else: only class, instruction and length are kept (for the log).
    Other { class: u8, instr: u8, len: usize },
}

/// A transaction's or command's result, as far as the kiosk reads it (04 0F). The card is
/// masked to its last four digits whatever the terminal sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusInfo {
    /// BMP 27: 00 success, else a ZVT result code.
    pub result: Option<u8>,
    /// BMP 04.
    pub amount: Option<Cents>,
    /// BMP 0B: the terminal's trace number.
    pub trace: Option<u32>,
    /// BMP 87.
    pub receipt_no: Option<TerminalReceiptNo>,
    /// BMP 22, masked.
    pub card: Option<MaskedCard>,
    /// BMP 3B ("AID", the authorisation attribute: the issuer's approval code).
    pub auth_code: Option<AuthCode>,
    /// BMP 0C: HHMMSS.
    pub time: Option<u32>,
    /// BMP 0D: MMDD.
    pub date: Option<u16>,
    /// BMP 8A: ZVT card type.
    pub card_type: Option<u8>,
    /// BMP 60: the batch totals an end of day reports.
    pub totals: Option<Totals>,
}

/// The totals of BMP 60 ("individual totals"), summed over card types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub first_receipt: u16,
    pub last_receipt: u16,
    pub count: u32,
    pub amount: Cents,
}

impl TerminalMessage {
    pub fn parse(apdu: &Apdu) -> Result<Self, MessageError> {
        let (class, instr, data) = (apdu.class(), apdu.instr(), apdu.data());
        let ctx = Ctx { class, instr };
        Ok(match (class, instr) {
            (0x80, 0x00) => TerminalMessage::Ack,
            (0x84, code) => TerminalMessage::Refused { code },
            (0x04, 0xFF) => TerminalMessage::IntermediateStatus {
                status: *data.first().ok_or(ctx.too_short(data))?,
            },
            (0x04, 0x0F) => TerminalMessage::StatusInformation(StatusInfo::parse(ctx, data)?),
            (0x06, 0xD1) => {
                let (&attribute, text) = data.split_first().ok_or(ctx.too_short(data))?;
                TerminalMessage::PrintLine {
                    attribute,
                    text: printable(text),
                }
            }
            (0x06, 0xD3) => {
                let fields = ctx.fields(data)?;
                let mut lines = Vec::new();
                for field in fields.iter().filter(|f| f.tag == 0x06) {
                    let found =
                        tlv::text_lines(field.value).map_err(|source| MessageError::Tlv {
                            class,
                            instr,
                            source,
                        })?;
                    lines.extend(found.into_iter().map(printable));
                }
                TerminalMessage::PrintTextBlock { lines }
            }
            (0x06, 0x0F) => TerminalMessage::Completion,
            (0x06, 0x1E) => TerminalMessage::Abort {
                result: *data.first().ok_or(ctx.too_short(data))?,
            },
            _ => TerminalMessage::Other {
                class,
                instr,
                len: data.len(),
            },
        })
    }

    /// The APDU a terminal sends for this message (the simulator's side).
    pub fn to_apdu(&self) -> Result<Apdu, MessageError> {
        let (class, instr, data) = match self {
            TerminalMessage::Ack => (0x80, 0x00, Vec::new()),
            TerminalMessage::Refused { code } => (0x84, *code, Vec::new()),
            TerminalMessage::IntermediateStatus { status } => (0x04, 0xFF, vec![*status]),
            TerminalMessage::StatusInformation(info) => (0x04, 0x0F, info.encode()?),
            TerminalMessage::PrintLine { attribute, text } => {
                let mut data = vec![*attribute];
                data.extend_from_slice(text.as_bytes());
                (0x06, 0xD1, data)
            }
            TerminalMessage::PrintTextBlock { lines } => {
                let mut texts = Vec::new();
                for line in lines {
                    tlv::push(&mut texts, tlv::TEXT_LINE, line.as_bytes());
                }
                // Room for the two headers (tag and a BER length of at most three bytes each).
                if texts.len() > super::apdu::MAX_DATA - 8 {
                    return Err(ApduError::TooLong { len: texts.len() }.into());
                }
                let mut container = Vec::new();
                tlv::push(&mut container, tlv::PRINT_TEXTS, &texts);
                let mut data = Vec::new();
                bmp::push_tlv_container(&mut data, &container);
                (0x06, 0xD3, data)
            }
            TerminalMessage::Completion => (0x06, 0x0F, Vec::new()),
            TerminalMessage::Abort { result } => (0x06, 0x1E, vec![*result]),
            TerminalMessage::Other { class, instr, len } => (*class, *instr, vec![0; *len]),
        };
        Ok(Apdu::new(class, instr, data)?)
    }
}

impl StatusInfo {
    fn parse(ctx: Ctx, data: &[u8]) -> Result<Self, MessageError> {
        let mut info = StatusInfo::default();
        for Field { tag, value } in ctx.fields(data)? {
            match tag {
                0x27 => info.result = value.first().copied(),
                0x04 => info.amount = Some(ctx.amount(value)?),
                0x87 => info.receipt_no = Some(ctx.receipt(value)?),
                0x60 => info.totals = Some(ctx.totals(value)?),
                // Shown or printed only: a value the terminal garbled is left out rather
                // than losing the transaction's result over it.
                0x0B => info.trace = bmp::from_bcd(value).ok().map(|v| v as u32),
                0x0C => info.time = bmp::from_bcd(value).ok().map(|v| v as u32),
                0x0D => info.date = bmp::from_bcd(value).ok().map(|v| v as u16),
                0x22 => info.card = masked_card(value),
                0x3B => info.auth_code = auth_code(value),
                0x8A => info.card_type = value.first().copied(),
                _ => {}
            }
        }
        Ok(info)
    }

    /// The 04 0F data a terminal sends for this status (the simulator's side).
    pub fn encode(&self) -> Result<Vec<u8>, MessageError> {
        let ctx = Ctx {
            class: 0x04,
            instr: 0x0F,
        };
        let field = |source| MessageError::Field {
            class: 0x04,
            instr: 0x0F,
            source,
        };
        let mut data = Vec::new();
        if let Some(result) = self.result {
            bmp::push_fixed(&mut data, 0x27, &[result]);
        }
        if let Some(amount) = self.amount {
            bmp::push_fixed(&mut data, 0x04, &amount_bcd(amount));
        }
        if let Some(trace) = self.trace {
            bmp::push_fixed(
                &mut data,
                0x0B,
                &bmp::to_bcd(trace.into(), 3).map_err(field)?,
            );
        }
        if let Some(time) = self.time {
            bmp::push_fixed(
                &mut data,
                0x0C,
                &bmp::to_bcd(time.into(), 3).map_err(field)?,
            );
        }
        if let Some(date) = self.date {
            bmp::push_fixed(
                &mut data,
                0x0D,
                &bmp::to_bcd(date.into(), 2).map_err(field)?,
            );
        }
        if let Some(card) = &self.card {
            bmp::push_var(&mut data, 0x22, 2, &card_bcd(card)).map_err(field)?;
        }
        if let Some(receipt_no) = self.receipt_no {
            bmp::push_fixed(&mut data, 0x87, &receipt_bcd(receipt_no));
        }
        if let Some(code) = &self.auth_code {
            let mut value = code.as_str().as_bytes().to_vec();
            if value.len() > 8 {
                return Err(ctx.bad_value(0x3B));
            }
            value.resize(8, 0);
            bmp::push_fixed(&mut data, 0x3B, &value);
        }
        if let Some(card_type) = self.card_type {
            bmp::push_fixed(&mut data, 0x8A, &[card_type]);
        }
        if let Some(totals) = self.totals {
            bmp::push_var(&mut data, 0x60, 3, &totals_bytes(totals)?).map_err(field)?;
        }
        Ok(data)
    }
}

/// The prompt to mirror for an intermediate status byte (ZVT "intermediate status"
/// table). Statuses 41–5D are 01–1D with "please remove card" added.
pub fn prompt_for(status: u8) -> TerminalPrompt {
    match status {
        0x00 => TerminalPrompt::ConfirmAmount,
        0x01 | 0x02 => TerminalPrompt::EnterPin,
        0x0A | 0x2A => TerminalPrompt::PresentCard,
        0x0B | 0x41..=0x5D => TerminalPrompt::RemoveCard,
        0x0C => TerminalPrompt::CardNotRead,
        0x04..=0x06 | 0x0E | 0x17 | 0x28 | 0x29 | 0x2B | 0x2C | 0xD2 | 0xD3 | 0xF1..=0xF3 => {
            TerminalPrompt::Processing
        }
        _ => TerminalPrompt::FollowTerminal,
    }
}

/// ZVT result code 6C: "abort via timeout or abort key".
pub const RESULT_ABORTED: u8 = 0x6C;
/// A result code in 01–63 comes from the card issuer's host (ISO 8583's 05: "do not honour").
pub const RESULT_DO_NOT_HONOUR: u8 = 0x05;
/// ZVT result code 65: "card data not present" (the card left the reader before it was read).
pub const RESULT_CARD_DATA_MISSING: u8 = 0x65;
/// ZVT result code B4: "already reversed".
pub const RESULT_ALREADY_REVERSED: u8 = 0xB4;
/// ZVT result code B5: "reversal not possible".
pub const RESULT_REVERSAL_NOT_POSSIBLE: u8 = 0xB5;
/// ZVT result code 83: "function not possible".
pub const RESULT_NOT_POSSIBLE: u8 = 0x83;

/// Why a transaction the terminal ended with `result` (06 1E, or BMP 27) was not taken.
/// `abort_sent`: the kiosk had asked for the abort, so 6C is its own cancel.
pub fn not_taken(result: u8, abort_sent: bool) -> NotTaken {
    match result {
        RESULT_ABORTED if abort_sent => NotTaken::Aborted,
        RESULT_ABORTED => NotTaken::TimedOut,
        // The issuer's codes, blocked list, credit not sufficient, expired, not yet
        // valid, unknown card.
        0x01..=0x63 | 0x6E | 0x71 | 0x78 | 0x79 | 0x7A => NotTaken::Declined,
        // Card not readable, card data not present, chip error: the card left the
        // reader (or its chip failed) before the terminal was done with it.
        0x64 | RESULT_CARD_DATA_MISSING | 0x72 => NotTaken::CardRemoved,
        _ => NotTaken::Refused,
    }
}

/// The kiosk's view of BMP 22: BCD digits with E for a masked digit and F for padding
/// (what terminals send, EVerest/zvt captures), or ASCII digits and `*`/`X` (some
/// terminals). Whatever came, only the last four digits stay: a terminal that sent more
/// (some send the whole PAN) must not put it on the kiosk.
fn masked_card(value: &[u8]) -> Option<MaskedCard> {
    // ASCII only with a mask character in it: BCD digits alone can look like ASCII digits,
    // but never like a mask character.
    let is_mask = |b: &u8| matches!(b, b'*' | b'X' | b'x');
    let ascii = value.iter().any(is_mask) && value.iter().all(|b| b.is_ascii_digit() || is_mask(b));
    let mut symbols: Vec<Option<u8>> = Vec::with_capacity(value.len() * 2);
    if ascii {
        symbols.extend(value.iter().map(|b| b.is_ascii_digit().then_some(*b)));
    } else {
        for nibble in value.iter().flat_map(|b| [b >> 4, b & 0x0F]) {
            match nibble {
                0..=9 => symbols.push(Some(b'0' + nibble)),
                0x0E => symbols.push(None),
                0x0F => {}
                _ => return None,
            }
        }
    }
    let digits = symbols.iter().filter(|s| s.is_some()).count();
    let keep_from = digits.saturating_sub(4);
    let mut seen = 0;
    let text: String = symbols
        .iter()
        .map(|symbol| match symbol {
            Some(digit) => {
                seen += 1;
                if seen > keep_from {
                    char::from(*digit)
                } else {
                    '*'
                }
            }
            None => '*',
        })
        .collect();
    MaskedCard::new(&text).ok()
}

/// A masked card as BMP 22 carries it: digits, E for `*`, F to fill the last byte.
fn card_bcd(card: &MaskedCard) -> Vec<u8> {
    let mut nibbles: Vec<u8> = card
        .as_str()
        .bytes()
        .filter_map(|b| match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'*' | b'X' | b'x' => Some(0x0E),
            _ => None,
        })
        .collect();
    if nibbles.len() % 2 == 1 {
        nibbles.push(0x0F);
    }
    nibbles.chunks(2).map(|p| (p[0] << 4) | p[1]).collect()
}

/// BMP 3B: eight ASCII bytes, filled with NUL or spaces.
fn auth_code(value: &[u8]) -> Option<AuthCode> {
    let text: String = value
        .iter()
        .take_while(|b| **b != 0)
        .map(|b| char::from(*b))
        .collect();
    AuthCode::new(&text).ok()
}

/// Receipt text as the kiosk prints it: printable ASCII; anything else (code page 437
/// umlauts, control bytes) becomes `?`.
fn printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if (0x20..0x7F).contains(&b) {
                char::from(b)
            } else {
                '?'
            }
        })
        .collect()
}

pub(super) fn amount_bcd(amount: Cents) -> Vec<u8> {
    // A u32 has at most 10 digits; six bytes hold 12.
    bmp::to_bcd(amount.get().into(), 6).unwrap_or_default()
}

pub(super) fn receipt_bcd(receipt_no: TerminalReceiptNo) -> Vec<u8> {
    // At most 9999: four digits.
    bmp::to_bcd(receipt_no.get().into(), 2).unwrap_or_default()
}

/// BMP 60: first and last receipt number (2 BCD bytes each), then per card type a count
/// (1 binary byte) and a total (6 BCD bytes), as in EVerest/zvt's `SingleAmounts`.
fn totals_bytes(totals: Totals) -> Result<Vec<u8>, MessageError> {
    let bad = |_| MessageError::BadValue {
        class: 0x04,
        instr: 0x0F,
        tag: 0x60,
    };
    let mut out = bmp::to_bcd(totals.first_receipt.into(), 2).map_err(bad)?;
    out.extend(bmp::to_bcd(totals.last_receipt.into(), 2).map_err(bad)?);
    let mut count = totals.count;
    let mut amount = totals.amount.get();
    // One group per 255 transactions; the amount goes with the first.
    loop {
        let here = u8::try_from(count.min(255)).unwrap_or(u8::MAX);
        out.push(here);
        out.extend(amount_bcd(Cents::new(amount)));
        amount = 0;
        count -= u32::from(here);
        if count == 0 {
            break;
        }
    }
    Ok(out)
}

pub(super) fn find<'a>(fields: &[Field<'a>], tag: u8) -> Option<&'a [u8]> {
    fields.iter().find(|f| f.tag == tag).map(|f| f.value)
}

/// The message being parsed, for errors.
#[derive(Clone, Copy)]
pub(super) struct Ctx {
    pub(super) class: u8,
    pub(super) instr: u8,
}

impl Ctx {
    pub(super) fn too_short(self, data: &[u8]) -> MessageError {
        MessageError::TooShort {
            class: self.class,
            instr: self.instr,
            len: data.len(),
        }
    }

    pub(super) fn bad_value(self, tag: u8) -> MessageError {
        MessageError::BadValue {
            class: self.class,
            instr: self.instr,
            tag,
        }
    }

    pub(super) fn fields(self, data: &[u8]) -> Result<Vec<Field<'_>>, MessageError> {
        bmp::parse_fields(data).map_err(|source| MessageError::Field {
            class: self.class,
            instr: self.instr,
            source,
        })
    }

    pub(super) fn require<'a>(
        self,
        fields: &[Field<'a>],
        tag: u8,
    ) -> Result<&'a [u8], MessageError> {
        find(fields, tag).ok_or(MessageError::Missing {
            class: self.class,
            instr: self.instr,
            tag,
        })
    }

    pub(super) fn amount(self, value: &[u8]) -> Result<Cents, MessageError> {
        bmp::from_bcd(value)
            .ok()
            .and_then(|cents| u32::try_from(cents).ok())
            .map(Cents::new)
            .ok_or(self.bad_value(0x04))
    }

    pub(super) fn receipt(self, value: &[u8]) -> Result<TerminalReceiptNo, MessageError> {
        bmp::from_bcd(value)
            .ok()
            .and_then(|n| u16::try_from(n).ok())
            .and_then(TerminalReceiptNo::new)
            .ok_or(self.bad_value(0x87))
    }

    pub(super) fn totals(self, value: &[u8]) -> Result<Totals, MessageError> {
        let bad = || self.bad_value(0x60);
        let (head, groups) = value.split_first_chunk::<4>().ok_or_else(bad)?;
        if groups.len() % 7 != 0 {
            return Err(bad());
        }
        let receipt = |bytes: &[u8]| {
            bmp::from_bcd(bytes)
                .ok()
                .and_then(|n| u16::try_from(n).ok())
                .ok_or_else(bad)
        };
        let mut count = 0u32;
        let mut amount = 0u64;
        for group in groups.chunks(7) {
            count += u32::from(group[0]);
            amount += bmp::from_bcd(&group[1..]).map_err(|_| bad())?;
        }
        Ok(Totals {
            first_receipt: receipt(&head[..2])?,
            last_receipt: receipt(&head[2..])?,
            count,
            amount: Cents::new(u32::try_from(amount).map_err(|_| bad())?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::zvt::bmp::hex;

    fn apdu(text: &str) -> Apdu {
        Apdu::parse(&hex(text)).unwrap()
    }

    #[test]
    fn a_captured_status_information_after_a_payment() {
        // EVerest/zvt zvt/data/1680728165.675509000_pt_ecr.blob (commit 05e973c).
        let message = apdu(
            "040f5a2700040000000025004909780c2255580d040522f0f8559883eeeeee80748702313b\
             37353030373100000b000975196029525235350e24058a068c018bf1f14d61737465\
             7243617264002a383034303131393236202020202020",
        );
        let TerminalMessage::StatusInformation(info) = TerminalMessage::parse(&message).unwrap()
        else {
            panic!("not a status information");
        };
        assert_eq!(info.result, Some(0));
        assert_eq!(info.amount, Some(Cents::new(2500)));
        assert_eq!(info.trace, Some(975));
        assert_eq!(info.receipt_no, TerminalReceiptNo::new(231));
        assert_eq!(info.auth_code.unwrap().as_str(), "750071");
        assert_eq!((info.time, info.date), (Some(225558), Some(405)));
        assert_eq!(info.card_type, Some(6));
        // The terminal showed the first six digits; the kiosk keeps only the last four.
        assert_eq!(info.card.unwrap().as_str(), "************8074");
    }

    #[test]
    fn a_captured_end_of_day_status_with_totals() {
        // EVerest/zvt zvt/data/1680761828.489701000_pt_ecr.blob: two Eurocard payments,
        // 9.58 EUR, receipts 233 to 234.
        let message = apdu(
            "040f4d2700040000000009580b0009820d04060c08170660f0f5f302330234000000000000\
             00000000000000000200000000095800000000000000000000000000000000000000000000\
             000000000000",
        );
        let TerminalMessage::StatusInformation(info) = TerminalMessage::parse(&message).unwrap()
        else {
            panic!("not a status information");
        };
        assert_eq!(
            info.totals,
            Some(Totals {
                first_receipt: 233,
                last_receipt: 234,
                count: 2,
                amount: Cents::new(958)
            })
        );
        assert_eq!(info.amount, Some(Cents::new(958)));
    }

    #[test]
    fn captured_short_messages() {
        // EVerest/zvt zvt/data: 1680728162.647465000_pt_ecr.blob (intermediate status 17,
        // "please wait"), 1680761818.641601000_pt_ecr.blob (completion with status byte,
        // TID and currency).
        assert_eq!(
            TerminalMessage::parse(&apdu("04ff0117")),
            Ok(TerminalMessage::IntermediateStatus { status: 0x17 })
        );
        assert_eq!(prompt_for(0x17), TerminalPrompt::Processing);
        assert_eq!(
            TerminalMessage::parse(&apdu("060f0a19102952523535490978")),
            Ok(TerminalMessage::Completion)
        );
        assert_eq!(
            TerminalMessage::parse(&apdu("84 83 00")),
            Ok(TerminalMessage::Refused { code: 0x83 })
        );
        assert_eq!(
            TerminalMessage::parse(&apdu("06 1E 01 6C")),
            Ok(TerminalMessage::Abort { result: 0x6C })
        );
        assert_eq!(
            TerminalMessage::parse(&apdu("06 D1 0B 00 41 50 50 52 4F 56 45 44 0A 0D")),
            Ok(TerminalMessage::PrintLine {
                attribute: 0,
                text: "APPROVED??".into()
            })
        );
        assert_eq!(
            TerminalMessage::parse(&apdu("06 D3 09 06 07 25 05 07 03 41 42 43")),
            Ok(TerminalMessage::PrintTextBlock {
                lines: vec!["ABC".into()]
            })
        );
        assert_eq!(
            TerminalMessage::parse(&apdu("06 70 02 01 02")),
            Ok(TerminalMessage::Other {
                class: 0x06,
                instr: 0x70,
                len: 2
            })
        );
    }

    #[test]
    fn card_number_variants_all_show_four_digits_at_most() {
        for (value, shown) in [
            // E-masked BCD with F padding.
            (hex("EE EE EE EE EE EE 00 19"), "************0019"),
            (hex("41 11 EE EE EE EE 11 1F"), "***1********111"),
            // A whole PAN: masked here.
            (hex("41 11 11 11 11 11 11 11"), "************1111"),
            // ASCII with the terminal's mask.
            (b"XXXXXXXXXXXX0019".to_vec(), "************0019"),
        ] {
            assert_eq!(masked_card(&value).unwrap().as_str(), shown, "{value:02X?}");
        }
        assert_eq!(masked_card(&hex("4A")), None);
        assert_eq!(masked_card(&[]), None);
    }

    #[test]
    fn broken_messages_are_typed_errors() {
        for (bytes, expected) in [
            (
                "04 FF 00",
                MessageError::TooShort {
                    class: 4,
                    instr: 0xFF,
                    len: 0,
                },
            ),
            (
                "06 1E 00",
                MessageError::TooShort {
                    class: 6,
                    instr: 0x1E,
                    len: 0,
                },
            ),
            (
                "04 0F 02 04 00",
                MessageError::Field {
                    class: 4,
                    instr: 0x0F,
                    source: BmpError::Truncated {
                        tag: 0x04,
                        needed: 6,
                        left: 1,
                    },
                },
            ),
            (
                "04 0F 07 04 0000000000AA",
                MessageError::BadValue {
                    class: 4,
                    instr: 0x0F,
                    tag: 0x04,
                },
            ),
            (
                "04 0F 03 87 FFFF",
                MessageError::BadValue {
                    class: 4,
                    instr: 0x0F,
                    tag: 0x87,
                },
            ),
            (
                "06 D3 04 06 02 07 05",
                MessageError::Tlv {
                    class: 6,
                    instr: 0xD3,
                    source: TlvError::Truncated { needed: 5, left: 0 },
                },
            ),
        ] {
            assert_eq!(
                TerminalMessage::parse(&apdu(bytes)),
                Err(expected),
                "{bytes}"
            );
        }
    }

    #[test]
    fn terminal_messages_encode_and_parse_back() {
        let info = StatusInfo {
            result: Some(0),
            amount: Some(Cents::new(2500)),
            trace: Some(17),
            receipt_no: TerminalReceiptNo::new(42),
            card: MaskedCard::new("************0019").ok(),
            auth_code: AuthCode::new("A1B2C3").ok(),
            time: Some(101500),
            date: Some(1125),
            card_type: Some(0x0A),
            totals: Some(Totals {
                first_receipt: 1,
                last_receipt: 300,
                count: 300,
                amount: Cents::new(750_000),
            }),
        };
        for message in [
            TerminalMessage::Ack,
            TerminalMessage::Refused { code: 0x9C },
            TerminalMessage::IntermediateStatus { status: 0x0A },
            TerminalMessage::StatusInformation(info),
            TerminalMessage::PrintLine {
                attribute: 0x80,
                text: "THANK YOU".into(),
            },
            TerminalMessage::PrintTextBlock {
                lines: vec!["REVERSAL".into(), String::new(), "x".repeat(200)],
            },
            TerminalMessage::Completion,
            TerminalMessage::Abort { result: 0x6C },
        ] {
            let apdu = message.to_apdu().unwrap();
            assert_eq!(TerminalMessage::parse(&apdu), Ok(message));
        }
    }

    #[test]
    fn result_codes_and_statuses_map_to_what_the_patient_hears() {
        assert_eq!(not_taken(RESULT_ABORTED, true), NotTaken::Aborted);
        assert_eq!(not_taken(RESULT_ABORTED, false), NotTaken::TimedOut);
        assert_eq!(not_taken(RESULT_DO_NOT_HONOUR, false), NotTaken::Declined);
        assert_eq!(not_taken(0x78, false), NotTaken::Declined);
        assert_eq!(
            not_taken(RESULT_CARD_DATA_MISSING, false),
            NotTaken::CardRemoved
        );
        assert_eq!(not_taken(RESULT_ALREADY_REVERSED, false), NotTaken::Refused);
        assert_eq!(prompt_for(0x0A), TerminalPrompt::PresentCard);
        assert_eq!(prompt_for(0x01), TerminalPrompt::EnterPin);
        assert_eq!(prompt_for(0x4B), TerminalPrompt::RemoveCard);
        assert_eq!(prompt_for(0x99), TerminalPrompt::FollowTerminal);
    }
}
