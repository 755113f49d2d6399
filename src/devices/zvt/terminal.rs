//! [`ZvtTerminal`]: the kiosk's side of ZVT exchanges over a [`ZvtLink`], as a
//! [`PaymentTerminal`].
//!
//! Every exchange has the same shape: send the command; the terminal accepts it (80 00) or
//! refuses it (84 xx); then it sends intermediate statuses (04 FF), the result (04 0F) and
//! receipt lines (06 D1 / 06 D3), each acknowledged with 80 00, until it ends with
//! completion (06 0F) or abort (06 1E). While the line is quiet the kiosk may send abort
//! (06 B0) once the patient cancelled; the terminal still has the last word.
//!
//! Whether the card may have been charged decides the error: nothing reached the
//! terminal → `NotReached`; the command reached it and the answer was lost, garbled or
//! late → `OutcomeUnknown`. Logs carry message classes, lengths and result codes only.

use super::command::{Command, Currency, DEFAULT_CONFIG, Password};
use super::message::{StatusInfo, TerminalMessage, not_taken, prompt_for};
use super::{Apdu, LinkError, LinkPort, LinkSettings, LinkStats, ZvtLink};
use crate::devices::payment::{
    AbortSignal, Approval, Authorisation, DayTotals, LastTransaction, NotTaken, PaymentTerminal,
    TerminalError, TerminalPrompt,
};
use crate::domain::{AuthCode, Cents, MaskedCard, TerminalReceiptNo};
use std::time::{Duration, Instant};

/// How the kiosk talks to its terminal: link timings, the terminal's password and
/// currency, and how long each kind of exchange may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZvtSettings {
    pub link: LinkSettings,
    /// The terminal's administration password (reversal, end of day, repeat receipt).
    pub password: Password,
    pub currency: Currency,
    /// The registration config byte (see [`DEFAULT_CONFIG`]).
    pub config: u8,
    /// How long the terminal may take to accept or refuse a command (80 00 / 84 xx).
    pub command_timeout: Duration,
    /// Longest an authorisation may take, from sending it to its end: the patient finds
    /// the card, types the PIN, the bank answers.
    pub authorisation_timeout: Duration,
    /// Longest registration, reversal, end of day or repeat receipt may take.
    pub admin_timeout: Duration,
    /// How long a read waits before the abort signal is looked at again.
    pub poll_interval: Duration,
    /// Silence that ends the draining of stale input before each command.
    pub drain_quiet: Duration,
}

impl Default for ZvtSettings {
    fn default() -> Self {
        Self {
            link: LinkSettings::default(),
            // Terminals ship with 000000; the config file sets the real one.
            password: Password::FACTORY,
            currency: Currency::USD,
            config: DEFAULT_CONFIG,
            command_timeout: Duration::from_secs(5),
            authorisation_timeout: Duration::from_secs(180),
            admin_timeout: Duration::from_secs(300),
            poll_interval: Duration::from_millis(100),
            drain_quiet: Duration::from_millis(20),
        }
    }
}

/// A ZVT terminal on a serial line (or any [`LinkPort`]).
pub struct ZvtTerminal<P> {
    link: ZvtLink<P>,
    settings: ZvtSettings,
}

/// How an exchange ended when it did not end with the terminal's last message.
enum Failure {
    /// The command never got through.
    NotReached(String),
    /// The terminal refused the command (84 xx).
    Refused(u8),
    /// The command got through; its answer did not.
    Lost(String),
}

/// The terminal's last message of an exchange.
enum End {
    Completion,
    Abort(u8),
}

/// Everything the terminal said in one exchange.
struct Exchange {
    end: End,
    status: Option<StatusInfo>,
    lines: Vec<String>,
    abort_sent: bool,
}

impl<P: LinkPort> ZvtTerminal<P> {
    pub fn new(port: P, settings: ZvtSettings) -> Self {
        Self {
            link: ZvtLink::new(port, settings.link),
            settings,
        }
    }

    /// The link's counters, for the staff page's terminal health.
    pub fn link_stats(&self) -> LinkStats {
        self.link.stats()
    }

    /// The port back.
    pub fn into_inner(self) -> P {
        self.link.into_inner()
    }

    /// Sends `command` and follows the terminal until its last message.
    fn exchange(
        &mut self,
        command: &Command,
        timeout: Duration,
        prompt: &mut dyn FnMut(TerminalPrompt),
        abort: Option<&AbortSignal>,
    ) -> Result<Exchange, Failure> {
        let apdu = command.to_apdu();
        let (class, instr) = (apdu.class(), apdu.instr());
        self.link
            .discard_input(self.settings.drain_quiet)
            .map_err(|e| Failure::NotReached(e.to_string()))?;
        let deadline = Instant::now() + timeout;
        self.link.send(&apdu.encode()).map_err(|e| {
            tracing::warn!(class, instr, error = %e, "ZVT command not delivered");
            Failure::NotReached(e.to_string())
        })?;

        // The terminal accepts (80 00) or refuses (84 xx) first; some go straight on.
        let first = self
            .link
            .receive(self.settings.command_timeout)
            .map_err(|e| lost(class, instr, "acceptance", &e))?;
        let mut pending = match parse(&first) {
            Some(TerminalMessage::Ack) => None,
            Some(TerminalMessage::Refused { code }) => {
                tracing::info!(class, instr, code, "ZVT command refused");
                return Err(Failure::Refused(code));
            }
            _ => Some(first),
        };

        let mut exchange = Exchange {
            end: End::Completion,
            status: None,
            lines: Vec::new(),
            abort_sent: false,
        };
        loop {
            let bytes = match pending.take() {
                Some(bytes) => bytes,
                None => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        tracing::warn!(class, instr, "ZVT exchange timed out");
                        return Err(Failure::Lost(format!(
                            "no end of {class:02X} {instr:02X} within {timeout:?}"
                        )));
                    }
                    match self.link.receive(left.min(self.settings.poll_interval)) {
                        Ok(bytes) => bytes,
                        Err(LinkError::NoFrame) => {
                            // The line is quiet: the moment to ask for the abort.
                            if abort.is_some_and(AbortSignal::is_aborted) && !exchange.abort_sent {
                                exchange.abort_sent = self.send_abort();
                            }
                            continue;
                        }
                        Err(e) => return Err(lost(class, instr, "answer", &e)),
                    }
                }
            };
            let Some(message) = parse(&bytes) else {
                // Answered like any message so the terminal goes on; if this was the
                // result, its absence decides below.
                self.acknowledge(class, instr)?;
                continue;
            };
            match message {
                // The answer to our abort (accepted or refused): the end still comes.
                TerminalMessage::Ack => continue,
                TerminalMessage::Refused { code } => {
                    tracing::info!(code, "ZVT refusal during the exchange (of the abort)");
                    continue;
                }
                TerminalMessage::IntermediateStatus { status } => {
                    self.acknowledge(class, instr)?;
                    tracing::debug!(status, "ZVT intermediate status");
                    prompt(prompt_for(status));
                }
                TerminalMessage::StatusInformation(info) => {
                    self.acknowledge(class, instr)?;
                    tracing::info!(result = ?info.result, "ZVT status information");
                    exchange.status = Some(info);
                }
                TerminalMessage::PrintLine { text, .. } => {
                    self.acknowledge(class, instr)?;
                    exchange.lines.push(text);
                }
                TerminalMessage::PrintTextBlock { lines } => {
                    self.acknowledge(class, instr)?;
                    exchange.lines.extend(lines);
                }
                TerminalMessage::Completion | TerminalMessage::Abort { .. } => {
                    if let TerminalMessage::Abort { result } = message {
                        exchange.end = End::Abort(result);
                    }
                    // The result is known; an acknowledgement lost now changes nothing.
                    if let Err(e) = self.link.send(&Command::Ack.to_apdu().encode()) {
                        tracing::warn!(error = %e, "ZVT final acknowledgement not delivered");
                    }
                    return Ok(exchange);
                }
                TerminalMessage::Other { class, instr, len } => {
                    tracing::info!(class, instr, len, "ZVT message not used, acknowledged");
                    self.acknowledge(class, instr)?;
                }
            }
        }
    }

    /// 80 00 for a terminal message; failing to send it loses the exchange.
    fn acknowledge(&mut self, class: u8, instr: u8) -> Result<(), Failure> {
        self.link
            .send(&Command::Ack.to_apdu().encode())
            .map_err(|e| lost(class, instr, "acknowledgement", &e))
    }

    /// Ends a transaction still running at the terminal from before a restart: a
    /// terminal waiting for a card answers nothing else until it gives up, which can take
    /// a minute. Sends 06 B0 and follows the terminal until it ends the transaction (06 1E
    /// or 06 0F) or goes quiet for the command timeout; whether one was running.
    pub fn abort_unfinished(&mut self) -> Result<bool, TerminalError> {
        self.link
            .discard_input(self.settings.drain_quiet)
            .map_err(|e| TerminalError::NotReached(e.to_string()))?;
        if !self.send_abort() {
            return Err(TerminalError::NotReached("abort not delivered".into()));
        }
        let deadline = Instant::now() + self.settings.command_timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(false);
            }
            let bytes = match self.link.receive(left.min(self.settings.poll_interval)) {
                Ok(bytes) => bytes,
                Err(LinkError::NoFrame) => continue,
                Err(e) => return Err(TerminalError::NotReached(e.to_string())),
            };
            match parse(&bytes) {
                // The abort accepted (80 00) or refused (84 xx): the end may still come.
                Some(TerminalMessage::Ack | TerminalMessage::Refused { .. }) => {}
                Some(TerminalMessage::Abort { .. } | TerminalMessage::Completion) => {
                    if let Err(e) = self.link.send(&Command::Ack.to_apdu().encode()) {
                        tracing::warn!(error = %e, "ZVT final acknowledgement not delivered");
                    }
                    tracing::info!("ZVT transaction left from before a restart aborted");
                    return Ok(true);
                }
                _ => {
                    if let Err(e) = self.link.send(&Command::Ack.to_apdu().encode()) {
                        return Err(TerminalError::NotReached(e.to_string()));
                    }
                }
            }
        }
    }

    /// Sends 06 B0; whether it got through.
    fn send_abort(&mut self) -> bool {
        match self.link.send(&Command::Abort.to_apdu().encode()) {
            Ok(()) => {
                tracing::info!("ZVT abort sent");
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "ZVT abort not delivered; trying again");
                false
            }
        }
    }

    fn admin(&mut self, command: Command) -> Result<Exchange, Failure> {
        self.exchange(&command, self.settings.admin_timeout, &mut |_| {}, None)
    }
}

/// Opening a real serial port (the kiosk's terminal cable).
#[cfg(feature = "kiosk")]
impl ZvtTerminal<Box<dyn serialport::SerialPort>> {
    /// Opens `path` at `baud`, 8 data bits, no parity, 2 stop bits (ZVT's serial setting).
    pub fn open(
        path: impl AsRef<std::path::Path>,
        baud: u32,
        settings: ZvtSettings,
    ) -> Result<Self, TerminalError> {
        let path = path.as_ref();
        let port = serialport::new(path.to_string_lossy(), baud)
            .data_bits(serialport::DataBits::Eight)
            .parity(serialport::Parity::None)
            .stop_bits(serialport::StopBits::Two)
            .timeout(settings.poll_interval)
            .open()
            .map_err(|e| TerminalError::NotReached(format!("{}: {e}", path.display())))?;
        Ok(Self::new(port, settings))
    }
}

impl<P: LinkPort + Send> PaymentTerminal for ZvtTerminal<P> {
    fn connect(&mut self) -> Result<(), TerminalError> {
        let command = Command::Registration {
            password: self.settings.password,
            config: self.settings.config,
            currency: self.settings.currency,
        };
        match self.admin(command) {
            Ok(Exchange {
                end: End::Completion,
                ..
            }) => Ok(()),
            Ok(Exchange {
                end: End::Abort(code),
                ..
            }) => Err(TerminalError::Refused(code)),
            // Registration moves no money: an unanswered one is a terminal not reached.
            Err(Failure::NotReached(why) | Failure::Lost(why)) => {
                Err(TerminalError::NotReached(why))
            }
            Err(Failure::Refused(code)) => Err(TerminalError::Refused(code)),
        }
    }

    fn authorise(
        &mut self,
        amount: Cents,
        prompt: &mut dyn FnMut(TerminalPrompt),
        abort: &AbortSignal,
    ) -> Result<Authorisation, TerminalError> {
        // Cancelled before it began: nothing to send, nothing charged.
        if abort.is_aborted() {
            return Ok(Authorisation::NotTaken(NotTaken::Aborted));
        }
        let command = Command::Authorisation {
            amount,
            currency: self.settings.currency,
        };
        let timeout = self.settings.authorisation_timeout;
        let exchange = self
            .exchange(&command, timeout, prompt, Some(abort))
            .map_err(money_error)?;
        settle(exchange, amount)
    }

    fn last_transaction(&mut self) -> Result<LastTransaction, TerminalError> {
        let command = Command::RepeatReceipt {
            password: self.settings.password,
        };
        let exchange = self.admin(command).map_err(money_error)?;
        match (exchange.end, exchange.status) {
            (End::Abort(code), _) => Err(TerminalError::Refused(code)),
            (End::Completion, None) => Ok(LastTransaction::None),
            (End::Completion, Some(info)) if info.result.unwrap_or(0) == 0 => {
                let amount = info.amount.unwrap_or(Cents::ZERO);
                Ok(LastTransaction::Approved(approval(
                    info,
                    amount,
                    exchange.lines,
                )))
            }
            (End::Completion, Some(info)) => Ok(LastTransaction::NotApproved {
                receipt_no: info.receipt_no,
            }),
        }
    }

    fn reverse(&mut self, receipt_no: TerminalReceiptNo) -> Result<Authorisation, TerminalError> {
        let command = Command::Reversal {
            password: self.settings.password,
            receipt_no,
        };
        let exchange = self.admin(command).map_err(money_error)?;
        settle(exchange, Cents::ZERO)
    }

    fn end_of_day(&mut self) -> Result<DayTotals, TerminalError> {
        let command = Command::EndOfDay {
            password: self.settings.password,
        };
        let exchange = self.admin(command).map_err(money_error)?;
        match (exchange.end, exchange.status) {
            (End::Abort(code), _) => Err(TerminalError::Refused(code)),
            (End::Completion, Some(info)) if info.result.unwrap_or(0) == 0 => {
                let totals = info.totals;
                Ok(DayTotals {
                    count: totals.map_or(0, |t| t.count),
                    amount: info
                        .amount
                        .or(totals.map(|t| t.amount))
                        .unwrap_or(Cents::ZERO),
                })
            }
            (End::Completion, Some(info)) => Err(TerminalError::Refused(info.result.unwrap_or(0))),
            (End::Completion, None) => Err(TerminalError::OutcomeUnknown(
                "end of day completed without totals".into(),
            )),
        }
    }
}

/// An authorisation's or reversal's end, as the terminal said it.
fn settle(exchange: Exchange, requested: Cents) -> Result<Authorisation, TerminalError> {
    match exchange.end {
        End::Abort(result) => {
            tracing::info!(result, "ZVT transaction not taken");
            Ok(Authorisation::NotTaken(not_taken(
                result,
                exchange.abort_sent,
            )))
        }
        End::Completion => {
            match exchange.status {
                // Completion means success; a result code in the status says otherwise.
                Some(info) if info.result.unwrap_or(0) == 0 => Ok(Authorisation::Approved(
                    approval(info, requested, exchange.lines),
                )),
                Some(info) => Ok(Authorisation::NotTaken(not_taken(
                    info.result.unwrap_or(0),
                    exchange.abort_sent,
                ))),
                None => Err(TerminalError::OutcomeUnknown(
                    "completion without a readable result".into(),
                )),
            }
        }
    }
}

/// An approval from its status information. Fields a terminal left out get stand-ins
/// that say so: the transaction was approved and must be recorded all the same.
fn approval(info: StatusInfo, requested: Cents, receipt_lines: Vec<String>) -> Approval {
    if info.receipt_no.is_none() || info.auth_code.is_none() {
        tracing::warn!(
            receipt = info.receipt_no.is_some(),
            auth_code = info.auth_code.is_some(),
            "ZVT approval without receipt number or auth code"
        );
    }
    let auth_code = info
        .auth_code
        .or_else(|| {
            info.trace
                .and_then(|t| AuthCode::new(&format!("T{t:06}")).ok())
        })
        .or_else(|| AuthCode::new("NONE").ok());
    Approval {
        amount: info.amount.unwrap_or(requested),
        card: info
            .card
            .unwrap_or_else(|| MaskedCard::new("****").expect("a valid masked card")),
        auth_code: auth_code.expect("a valid auth code"),
        receipt_no: info
            .receipt_no
            .unwrap_or_else(|| TerminalReceiptNo::new(0).expect("0 is a receipt number")),
        receipt_lines,
    }
}

/// For commands that move money: once the command got through, a lost answer may hide a
/// charge.
fn money_error(failure: Failure) -> TerminalError {
    match failure {
        Failure::NotReached(why) => TerminalError::NotReached(why),
        Failure::Refused(code) => TerminalError::Refused(code),
        Failure::Lost(why) => TerminalError::OutcomeUnknown(why),
    }
}

fn lost(class: u8, instr: u8, what: &str, error: &LinkError) -> Failure {
    tracing::warn!(class, instr, what, %error, "ZVT answer lost");
    Failure::Lost(format!("{what} to {class:02X} {instr:02X}: {error}"))
}

/// A terminal message, or `None` (logged by class, instruction and length) if it makes
/// no sense.
fn parse(bytes: &[u8]) -> Option<TerminalMessage> {
    let apdu = match Apdu::parse(bytes) {
        Ok(apdu) => apdu,
        Err(error) => {
            tracing::warn!(len = bytes.len(), %error, "ZVT frame is not an APDU");
            return None;
        }
    };
    match TerminalMessage::parse(&apdu) {
        Ok(message) => Some(message),
        Err(error) => {
            tracing::warn!(
                class = apdu.class(),
                instr = apdu.instr(),
                len = apdu.data().len(),
                %error,
                "ZVT message not understood"
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approval_without_optional_fields_still_records_the_charge() {
        let info = StatusInfo {
            result: Some(0),
            trace: Some(12),
            ..StatusInfo::default()
        };
        let approval = approval(info, Cents::new(2500), Vec::new());
        assert_eq!(approval.amount, Cents::new(2500));
        assert_eq!(approval.card.as_str(), "****");
        assert_eq!(approval.auth_code.as_str(), "T000012");
        assert_eq!(approval.receipt_no.get(), 0);
    }

    #[test]
    fn only_lost_answers_may_have_charged() {
        assert!(money_error(Failure::Lost("x".into())).may_have_charged());
        assert!(!money_error(Failure::NotReached("x".into())).may_have_charged());
        assert_eq!(
            money_error(Failure::Refused(0x83)),
            TerminalError::Refused(0x83)
        );
        assert!(matches!(
            settle(
                Exchange {
                    end: End::Abort(0x6C),
                    status: None,
                    lines: Vec::new(),
                    abort_sent: true
                },
                Cents::new(1)
            ),
            Ok(Authorisation::NotTaken(NotTaken::Aborted))
        ));
    }
}
