//! ZVT ("Zahlungsverkehrsterminal"), the open card-terminal protocol, over a serial line:
//! the transport layer, the application messages, and the kiosk's terminal driver.
//!
//! - [`crc`]: the frame checksum (CRC-16/KERMIT).
//! - [`frame`]: `DLE STX` + APDU with DLE doubled + `DLE ETX` + CRC, and an incremental
//!   decoder that also recognises the single-byte ACK and NAK. Pure, fuzzed.
//! - [`apdu`]: class, instruction and data with ZVT's length rules. Pure, fuzzed.
//! - [`transport`]: [`ZvtLink`], which sends an APDU until it is acknowledged and receives
//!   frames, acknowledging good ones and refusing garbled ones.
//! - [`bmp`], [`tlv`]: the data fields inside APDUs and the TLV container. Pure, fuzzed.
//! - [`command`]: the commands the kiosk sends. Pure, fuzzed.
//! - [`message`]: the messages the terminal sends. Pure, fuzzed.
//! - [`terminal`]: [`ZvtTerminal`], the [`crate::devices::payment::PaymentTerminal`] over
//!   a link.
//!
//! The published `zvt` crate (0.1, MIT OR Apache-2.0) is not used: it speaks ZVT over TCP
//! only (no DLE framing, CRC or ACK/NAK), is built on tokio streams, and would pull tokio,
//! clap, env_logger and chrono into the kiosk for what here is a few dozen lines of APDU
//! code. Its packets are not used for the application layer either: its status
//! information holds the card number (BMP 22) as an integer, which cannot carry the
//! E-masked digits terminals send and would hold a full PAN whole if one came; here the
//! card is masked to its last four digits as it is parsed, and the messages are typed to
//! what the kiosk needs.

pub mod apdu;
pub mod bmp;
pub mod command;
pub mod crc;
pub mod frame;
pub mod message;
pub mod terminal;
pub mod tlv;
pub mod transport;

pub use apdu::{Apdu, ApduError};
pub use command::{Command, Currency, Password};
pub use frame::{FrameDecoder, FrameError, Received};
pub use message::{MessageError, StatusInfo, TerminalMessage};
pub use terminal::{ZvtSettings, ZvtTerminal};
pub use transport::{LinkError, LinkPort, LinkSettings, LinkStats, ZvtLink};
