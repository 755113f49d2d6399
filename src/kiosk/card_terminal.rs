//! The card terminal named in `kiosk.toml`, as the payment worker sees it: the protocol's
//! driver on a serial port that is opened afresh on every `connect`, so an unplugged and
//! replugged cable (or a terminal switched off and on) comes back without a restart.

use super::config::{CardTerminalConfig, TerminalProtocol};
use crate::devices::payment::{
    AbortSignal, Authorisation, DayTotals, LastTransaction, PaymentTerminal, TerminalError,
    TerminalPrompt,
};
use crate::devices::zvt::{Password, ZvtSettings, ZvtTerminal};
use crate::domain::{Cents, TerminalReceiptNo};
use std::path::PathBuf;

/// Why the terminal's settings were refused.
#[derive(Debug, thiserror::Error)]
pub enum CardTerminalError {
    #[error("card terminal password must be 6 digits")]
    Password,
}

type SerialZvt = ZvtTerminal<Box<dyn serialport::SerialPort>>;

/// A serial card terminal, (re)opened by [`PaymentTerminal::connect`].
pub struct SerialCardTerminal {
    path: PathBuf,
    baud: u32,
    settings: ZvtSettings,
    open: Option<SerialZvt>,
}

impl SerialCardTerminal {
    /// The terminal `config` names; nothing is opened until the first `connect`.
    pub fn new(config: &CardTerminalConfig) -> Result<Self, CardTerminalError> {
        let TerminalProtocol::Zvt = config.protocol;
        let password = config
            .password
            .parse::<u32>()
            .ok()
            .and_then(Password::new)
            .ok_or(CardTerminalError::Password)?;
        Ok(Self {
            path: config.port.clone(),
            baud: config.baud,
            settings: ZvtSettings {
                password,
                authorisation_timeout: config.payment_timeout(),
                ..ZvtSettings::default()
            },
            open: None,
        })
    }

    fn terminal(&mut self) -> Result<&mut SerialZvt, TerminalError> {
        self.open
            .as_mut()
            .ok_or_else(|| TerminalError::NotReached("terminal port not open".into()))
    }
}

impl PaymentTerminal for SerialCardTerminal {
    fn connect(&mut self) -> Result<(), TerminalError> {
        // Close first: a port left by a pulled cable answers nothing ever again.
        self.open = None;
        let mut terminal = ZvtTerminal::open(&self.path, self.baud, self.settings)?;
        match terminal.connect() {
            Ok(()) => {}
            // Busy with a transaction the kiosk started before it stopped: end that one
            // (its outcome is the journal's to find), then log on again.
            Err(TerminalError::NotReached(_) | TerminalError::Refused(_)) => {
                terminal.abort_unfinished()?;
                terminal.connect()?;
            }
            Err(error) => return Err(error),
        }
        self.open = Some(terminal);
        Ok(())
    }

    fn authorise(
        &mut self,
        amount: Cents,
        prompt: &mut dyn FnMut(TerminalPrompt),
        abort: &AbortSignal,
    ) -> Result<Authorisation, TerminalError> {
        self.terminal()?.authorise(amount, prompt, abort)
    }

    fn last_transaction(&mut self) -> Result<LastTransaction, TerminalError> {
        self.terminal()?.last_transaction()
    }

    fn reverse(&mut self, receipt_no: TerminalReceiptNo) -> Result<Authorisation, TerminalError> {
        self.terminal()?.reverse(receipt_no)
    }

    fn end_of_day(&mut self) -> Result<DayTotals, TerminalError> {
        self.terminal()?.end_of_day()
    }
}
