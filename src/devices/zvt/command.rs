//! ZVT commands the kiosk (ECR) sends the terminal (PT): registration, authorisation,
//! abort, reversal, end of day, repeat receipt, and the 80 00 acknowledgement. Encoded for
//! the kiosk, parsed for the terminal simulator (and fuzzed: the parser never panics).
//! Byte layouts from the ZVT specification, checked against captured commands
//! (wirelane/ecrterm tests, EVerest/zvt `zvt/data`).

use super::apdu::Apdu;
use super::bmp;
use super::message::{Ctx, MessageError, amount_bcd, find, receipt_bcd};
use crate::domain::{Cents, TerminalReceiptNo};

/// The terminal's password for administrative commands: six digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Password(u32);

impl Password {
    /// What terminals ship with.
    pub const FACTORY: Password = Password(0);

    pub fn new(digits: u32) -> Option<Self> {
        (digits <= 999_999).then_some(Self(digits))
    }

    fn bcd(self) -> Vec<u8> {
        bmp::to_bcd(u64::from(self.0), 3).unwrap_or_default()
    }
}

/// Never printed: it unlocks the terminal's administration.
impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

/// An ISO 4217 numeric currency code (840: US dollar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Currency(u16);

impl Currency {
    pub const USD: Currency = Currency(840);
    pub const EUR: Currency = Currency(978);

    pub fn new(code: u16) -> Option<Self> {
        (code <= 999).then_some(Self(code))
    }

    pub fn code(self) -> u16 {
        self.0
    }

    fn bcd(self) -> Vec<u8> {
        bmp::to_bcd(u64::from(self.0), 2).unwrap_or_default()
    }
}

/// Registration config byte: the ECR prints payment receipts (02), the PT sends
/// intermediate statuses (08), amounts are entered at the ECR only (10), administration is
/// started from the ECR only (20), the ECR takes print text blocks (80). 0xBA, as in the
/// registration captured in wirelane/ecrterm's tests.
pub const DEFAULT_CONFIG: u8 = 0xBA;

/// What the kiosk sends to the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// 06 00: log on, with the password, config byte and currency.
    Registration {
        password: Password,
        config: u8,
        currency: Currency,
    },
    /// 06 01: take `amount` (BMP 04) in `currency` (BMP 49).
    Authorisation { amount: Cents, currency: Currency },
    /// 06 B0: abort the transaction in progress.
    Abort,
    /// 06 30: reverse the transaction with this receipt number (BMP 87).
    Reversal {
        password: Password,
        receipt_no: TerminalReceiptNo,
    },
    /// 06 50: close the batch.
    EndOfDay { password: Password },
    /// 06 20: repeat the last transaction's receipt and status.
    RepeatReceipt { password: Password },
    /// 80 00: acknowledges a terminal message.
    Ack,
}

impl Command {
    pub fn to_apdu(&self) -> Apdu {
        let (class, instr, data) = match self {
            Command::Registration {
                password,
                config,
                currency,
            } => {
                let mut data = password.bcd();
                data.push(*config);
                data.extend_from_slice(&currency.bcd());
                (0x06, 0x00, data)
            }
            Command::Authorisation { amount, currency } => {
                let mut data = Vec::with_capacity(10);
                bmp::push_fixed(&mut data, 0x04, &amount_bcd(*amount));
                bmp::push_fixed(&mut data, 0x49, &currency.bcd());
                (0x06, 0x01, data)
            }
            Command::Abort => (0x06, 0xB0, Vec::new()),
            Command::Reversal {
                password,
                receipt_no,
            } => {
                let mut data = password.bcd();
                bmp::push_fixed(&mut data, 0x87, &receipt_bcd(*receipt_no));
                (0x06, 0x30, data)
            }
            Command::EndOfDay { password } => (0x06, 0x50, password.bcd()),
            Command::RepeatReceipt { password } => (0x06, 0x20, password.bcd()),
            Command::Ack => (0x80, 0x00, Vec::new()),
        };
        Apdu::new(class, instr, data).expect("a command is a few bytes long")
    }

    /// Reads a command, as the terminal (the simulator) does.
    pub fn parse(apdu: &Apdu) -> Result<Self, MessageError> {
        let (class, instr, data) = (apdu.class(), apdu.instr(), apdu.data());
        let ctx = Ctx { class, instr };
        Ok(match (class, instr) {
            (0x06, 0x00) => {
                let (password, rest) = password(ctx, data)?;
                let (&config, rest) = rest.split_first().ok_or(ctx.too_short(data))?;
                // The currency is optional; the service byte and TLV after it are not used.
                let currency = match rest.get(..2) {
                    Some(code) => currency(ctx, code, 0x49)?,
                    None => Currency::EUR,
                };
                Command::Registration {
                    password,
                    config,
                    currency,
                }
            }
            (0x06, 0x01) => {
                let fields = ctx.fields(data)?;
                let amount = ctx.amount(ctx.require(&fields, 0x04)?)?;
                let currency = match find(&fields, 0x49) {
                    Some(code) => currency(ctx, code, 0x49)?,
                    None => Currency::EUR,
                };
                Command::Authorisation { amount, currency }
            }
            (0x06, 0xB0) => Command::Abort,
            (0x06, 0x30) => {
                let (password, rest) = password(ctx, data)?;
                let fields = ctx.fields(rest)?;
                let receipt_no = ctx.receipt(ctx.require(&fields, 0x87)?)?;
                Command::Reversal {
                    password,
                    receipt_no,
                }
            }
            (0x06, 0x50) => Command::EndOfDay {
                password: password(ctx, data)?.0,
            },
            (0x06, 0x20) => Command::RepeatReceipt {
                password: password(ctx, data)?.0,
            },
            (0x80, 0x00) => Command::Ack,
            _ => return Err(MessageError::UnknownCommand { class, instr }),
        })
    }
}

fn password(ctx: Ctx, data: &[u8]) -> Result<(Password, &[u8]), MessageError> {
    let (digits, rest) = data.split_first_chunk::<3>().ok_or(ctx.too_short(data))?;
    let value = bmp::from_bcd(digits).map_err(|_| ctx.bad_value(0x3D))?;
    let password = u32::try_from(value)
        .ok()
        .and_then(Password::new)
        .ok_or(ctx.bad_value(0x3D))?;
    Ok((password, rest))
}

fn currency(ctx: Ctx, value: &[u8], tag: u8) -> Result<Currency, MessageError> {
    bmp::from_bcd(value)
        .ok()
        .and_then(|code| u16::try_from(code).ok())
        .and_then(Currency::new)
        .ok_or(ctx.bad_value(tag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::zvt::bmp::hex;

    fn apdu(text: &str) -> Apdu {
        Apdu::parse(&hex(text)).unwrap()
    }

    fn password() -> Password {
        Password::new(123456).unwrap()
    }

    #[test]
    fn commands_encode_to_the_captured_bytes() {
        // wirelane/ecrterm ecrterm/tests/test_data_encoding.py: registration with password
        // 123456 and config BA (EUR), and an authorisation of 110.00 EUR.
        let registration = Command::Registration {
            password: password(),
            config: DEFAULT_CONFIG,
            currency: Currency::EUR,
        };
        assert_eq!(
            registration.to_apdu().encode(),
            hex("06 00 06 123456 BA 0978")
        );
        let authorisation = Command::Authorisation {
            amount: Cents::new(11000),
            currency: Currency::EUR,
        };
        assert_eq!(
            authorisation.to_apdu().encode(),
            hex("06 01 0A 04 000000011000 49 0978")
        );
        // EVerest/zvt zvt/data/1681282621.302434000_ecr_pt.blob: end of day, 123456.
        let end_of_day = Command::EndOfDay {
            password: password(),
        };
        assert_eq!(end_of_day.to_apdu().encode(), hex("06 50 03 123456"));
        // Built from the specification's layout: US dollars are 0840.
        let usd = Command::Authorisation {
            amount: Cents::new(2500),
            currency: Currency::USD,
        };
        assert_eq!(
            usd.to_apdu().encode(),
            hex("06 01 0A 04 000000002500 49 0840")
        );
        let reversal = Command::Reversal {
            password: password(),
            receipt_no: TerminalReceiptNo::new(231).unwrap(),
        };
        assert_eq!(reversal.to_apdu().encode(), hex("06 30 06 123456 87 0231"));
        assert_eq!(Command::Abort.to_apdu().encode(), hex("06 B0 00"));
        assert_eq!(Command::Ack.to_apdu().encode(), hex("80 00 00"));
        let repeat = Command::RepeatReceipt {
            password: password(),
        };
        for command in [
            registration,
            authorisation,
            end_of_day,
            usd,
            reversal,
            repeat,
        ] {
            assert_eq!(Command::parse(&command.to_apdu()), Ok(command));
        }
    }

    #[test]
    fn broken_commands_are_typed_errors() {
        assert_eq!(
            Command::parse(&apdu("06 01 00")),
            Err(MessageError::Missing {
                class: 6,
                instr: 1,
                tag: 0x04
            })
        );
        assert_eq!(
            Command::parse(&apdu("06 99 00")),
            Err(MessageError::UnknownCommand {
                class: 6,
                instr: 0x99
            })
        );
    }
}
