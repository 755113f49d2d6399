//! A ZVT card terminal simulator: the far end of a pseudo-terminal, answering the kiosk's
//! commands with the bytes a real terminal sends (ACK/NAK, 80 00, intermediate statuses,
//! status information, receipt lines, completion or abort), so the driver under test is
//! the production [`crate::devices::zvt::ZvtTerminal`].
//!
//! Each transaction follows a [`Behaviour`] the test picks beforehand; line trouble (NAKs,
//! garbled frames, slow answers) is set apart from it. The terminal keeps its batch and
//! last transaction while kiosk processes come and go on the line, and tells what it has
//! charged and reversed so tests can assert "charged exactly once". The test card is
//! synthetic (`************0019`).

use super::zvt::Apdu;
use super::zvt::command::Command;
use super::zvt::frame::{ACK, DLE, FrameDecoder, NAK, Received, encode};
use super::zvt::message::{
    RESULT_ABORTED, RESULT_ALREADY_REVERSED, RESULT_CARD_DATA_MISSING, RESULT_DO_NOT_HONOUR,
    RESULT_NOT_POSSIBLE, RESULT_REVERSAL_NOT_POSSIBLE, StatusInfo, TerminalMessage, Totals,
};
use crate::domain::{AuthCode, Cents, MaskedCard, TerminalReceiptNo};
use serialport::{SerialPort, TTYPort};
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The synthetic card every approval is made with.
pub const TEST_CARD: &str = "************0019";

/// Intermediate statuses the simulator shows (ZVT intermediate status table).
const INSERT_CARD: u8 = 0x0A;
const WATCH_PIN_PAD: u8 = 0x01;
const PLEASE_WAIT: u8 = 0x0E;
const REMOVE_CARD: u8 = 0x0B;
/// ZVT card type 0A: Visa.
const CARD_TYPE_VISA: u8 = 0x0A;
/// Longest wait between two reads, so the thread notices it should stop.
const POLL: Duration = Duration::from_millis(50);
/// T1, as the kiosk's link uses it.
const BYTE_TIMEOUT: Duration = Duration::from_millis(200);
/// How often a frame is sent before the terminal gives up on it.
const ATTEMPTS: usize = 3;

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot create pseudo-terminal: {0}")]
    Pty(#[from] serialport::Error),
    #[error("pseudo-terminal has no name")]
    NoName,
    #[error("cannot start simulator thread: {0}")]
    Thread(io::Error),
}

/// What the terminal does with the next authorisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behaviour {
    /// Card, PIN, approval, receipt.
    #[default]
    Approve,
    /// The issuer declines (result code 05).
    Decline,
    /// No card comes: after [`SimTimings::card_wait`] the terminal gives up (06 1E 6C).
    NoCard,
    /// The card is pulled out during PIN entry (06 1E 65).
    CardRemoved,
    /// The terminal accepts the command (80 00) and charges the card, but the line goes
    /// dead for the rest of the transaction: nothing more reaches the kiosk.
    DropAfterAck,
    /// The card is charged, but the result (04 0F) arrives mangled inside a frame whose
    /// CRC is right (a terminal bug): the kiosk cannot read what happened.
    GarbledResult,
}

/// How fast the simulated terminal and patient are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimTimings {
    /// How long [`Behaviour::NoCard`] waits for a card (or an abort) before giving up.
    pub card_wait: Duration,
    /// Pause after each prompt (the patient inserting, typing); an abort is honoured then.
    pub step_pause: Duration,
    /// How long the terminal waits for the kiosk's ACK byte, and for its 80 00.
    pub answer_wait: Duration,
}

impl SimTimings {
    /// Answers at once: for tests and benchmarks.
    pub fn instant() -> Self {
        Self {
            card_wait: Duration::from_millis(200),
            step_pause: Duration::ZERO,
            answer_wait: Duration::from_secs(2),
        }
    }

    /// Like a patient at a real terminal: for the demo.
    pub fn lifelike() -> Self {
        Self {
            card_wait: Duration::from_secs(30),
            step_pause: Duration::from_millis(1500),
            answer_wait: Duration::from_secs(5),
        }
    }
}

impl Default for SimTimings {
    fn default() -> Self {
        Self::instant()
    }
}

/// An amount the terminal charged (or reversed), with its receipt number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    pub amount: Cents,
    pub receipt_no: TerminalReceiptNo,
}

/// A ZVT terminal on a pseudo-terminal; stops its thread when dropped.
pub struct ZvtSimulator {
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    path: PathBuf,
}

impl ZvtSimulator {
    /// Starts a terminal answering at once; the kiosk opens [`Self::port_path`].
    pub fn start() -> Result<Self, SimError> {
        Self::with_timings(SimTimings::instant())
    }

    pub fn with_timings(timings: SimTimings) -> Result<Self, SimError> {
        let (device, kiosk_end) = TTYPort::pair()?;
        let path = kiosk_end
            .name()
            .map(PathBuf::from)
            .ok_or(SimError::NoName)?;
        // Closed so the kiosk can take its exclusive lock; the pseudo-terminal lives on as
        // long as the device end is open.
        drop(kiosk_end);
        let state = Arc::new(Mutex::new(State::new(timings)));
        let stop = Arc::new(AtomicBool::new(false));
        let mut terminal = Terminal {
            line: Line {
                port: device,
                decoder: FrameDecoder::new(),
                pending: VecDeque::new(),
            },
            state: state.clone(),
            stop: stop.clone(),
            lost: false,
        };
        let thread = std::thread::Builder::new()
            .name("zvt-sim".into())
            .spawn(move || terminal.run())
            .map_err(SimError::Thread)?;
        Ok(Self {
            state,
            stop,
            thread: Some(thread),
            path,
        })
    }

    /// The serial device the kiosk opens (also from another process).
    pub fn port_path(&self) -> &Path {
        &self.path
    }

    /// Queues what the terminal does with the next authorisation; unqueued ones approve.
    pub fn set_next(&self, behaviour: Behaviour) {
        self.lock().script.push_back(behaviour);
    }

    /// Refuses (NAK) the next `frames` good frames from the kiosk.
    pub fn nak_next(&self, frames: u32) {
        self.lock().naks = frames;
    }

    /// Sends the next `frames` frames first as noise plus a frame with a broken CRC, and
    /// properly once the kiosk refuses them.
    pub fn garble_next(&self, frames: u32) {
        self.lock().garbles = frames;
    }

    /// Sends `apdu` (e.g. a message the kiosk does not know) after the first prompt of the
    /// next authorisation, waiting for the kiosk's 80 00 like for any message.
    pub fn interject_next(&self, apdu: Apdu) {
        self.lock().interject = Some(apdu);
    }

    /// Waits `delay` before every frame it sends.
    pub fn set_answer_delay(&self, delay: Duration) {
        self.lock().delay = delay;
    }

    pub fn set_timings(&self, timings: SimTimings) {
        self.lock().timings = timings;
    }

    /// Every approval so far, in order (reversed ones included).
    pub fn charged(&self) -> Vec<Charge> {
        self.lock().charged.clone()
    }

    /// Every reversal so far, naming the charge it reversed.
    pub fn reversed(&self) -> Vec<Charge> {
        self.lock().reversed.clone()
    }

    /// Class and instruction of every command received, in order.
    pub fn commands(&self) -> Vec<(u8, u8)> {
        self.lock().commands.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

impl Drop for ZvtSimulator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The terminal's memory and the test's instructions.
struct State {
    timings: SimTimings,
    script: VecDeque<Behaviour>,
    naks: u32,
    garbles: u32,
    delay: Duration,
    interject: Option<Apdu>,
    next_receipt: u16,
    next_trace: u32,
    /// Approvals since the last end of day.
    batch: Vec<Booking>,
    charged: Vec<Charge>,
    reversed: Vec<Charge>,
    last: Last,
    commands: Vec<(u8, u8)>,
}

impl State {
    fn new(timings: SimTimings) -> Self {
        Self {
            timings,
            script: VecDeque::new(),
            naks: 0,
            garbles: 0,
            delay: Duration::ZERO,
            interject: None,
            next_receipt: 1,
            next_trace: 1,
            batch: Vec::new(),
            charged: Vec::new(),
            reversed: Vec::new(),
            last: Last::None,
            commands: Vec::new(),
        }
    }

    /// The next receipt and trace numbers.
    fn numbers(&mut self) -> (TerminalReceiptNo, u32) {
        let receipt = TerminalReceiptNo::new(self.next_receipt).unwrap_or_else(|| {
            self.next_receipt = 1;
            TerminalReceiptNo::new(1).expect("1 is a receipt number")
        });
        self.next_receipt = self.next_receipt % TerminalReceiptNo::MAX + 1;
        let trace = self.next_trace;
        self.next_trace = self.next_trace % 999_999 + 1;
        (receipt, trace)
    }
}

struct Booking {
    charge: Charge,
    receipt: Receipt,
    reversed: bool,
}

/// What the terminal tells about a transaction again (repeat receipt).
#[derive(Clone)]
struct Receipt {
    info: StatusInfo,
    lines: Vec<String>,
}

enum Last {
    None,
    Approved(Receipt),
    NotApproved {
        receipt_no: Option<TerminalReceiptNo>,
        result: u8,
    },
}

/// What the kiosk answered to a message.
#[derive(Debug, PartialEq, Eq)]
enum Heard {
    Ack,
    /// 06 B0 instead of 80 00.
    Abort,
    Nothing,
}

/// The simulator's thread: the terminal's application.
struct Terminal {
    line: Line,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    /// The kiosk stopped answering in this exchange: the rest of it is not sent (a real
    /// terminal gives up too), so a restarted kiosk finds the terminal listening.
    lost: bool,
}

impl Terminal {
    fn run(&mut self) {
        while !self.stop.load(Ordering::Relaxed) {
            match self.line.receive(POLL, &self.state) {
                Ok(Some(bytes)) => self.handle(&bytes),
                Ok(None) => {}
                // No kiosk on the line (the pseudo-terminal reports a hang-up): wait for one.
                Err(_) => {
                    self.line.reset();
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
    }

    fn timings(&self) -> SimTimings {
        lock(&self.state).timings
    }

    fn handle(&mut self, bytes: &[u8]) {
        self.lost = false;
        let command = Apdu::parse(bytes).map_err(|_| ()).and_then(|apdu| {
            lock(&self.state)
                .commands
                .push((apdu.class(), apdu.instr()));
            Command::parse(&apdu).map_err(|_| ())
        });
        match command {
            Ok(Command::Registration { .. }) => {
                if self.reply(TerminalMessage::Ack) {
                    self.say(TerminalMessage::Completion);
                }
            }
            Ok(Command::Authorisation { amount, .. }) => self.authorise(amount),
            Ok(Command::Reversal { receipt_no, .. }) => self.reverse(receipt_no),
            Ok(Command::EndOfDay { .. }) => self.end_of_day(),
            Ok(Command::RepeatReceipt { .. }) => self.repeat_receipt(),
            // Nothing to abort.
            Ok(Command::Abort) => {
                self.reply(TerminalMessage::Ack);
            }
            Ok(Command::Ack) => {}
            Err(()) => {
                self.reply(TerminalMessage::Refused {
                    code: RESULT_NOT_POSSIBLE,
                });
            }
        }
    }

    fn authorise(&mut self, amount: Cents) {
        let behaviour = lock(&self.state).script.pop_front().unwrap_or_default();
        // Until it is approved or declined, the transaction counts as broken off: what a
        // terminal whose kiosk vanished mid-payment reports.
        lock(&self.state).last = Last::NotApproved {
            receipt_no: None,
            result: RESULT_ABORTED,
        };
        if !self.reply(TerminalMessage::Ack) {
            return;
        }
        if behaviour == Behaviour::DropAfterAck {
            self.approve(amount);
            return;
        }
        let timings = self.timings();
        if self.prompt(INSERT_CARD) == Heard::Abort {
            return self.aborted();
        }
        let interject = lock(&self.state).interject.take();
        if let Some(apdu) = interject
            && self.say_raw(&apdu) == Heard::Abort
        {
            return self.aborted();
        }
        let card_wait = match behaviour {
            Behaviour::NoCard => timings.card_wait,
            _ => timings.step_pause,
        };
        if self.wait_for_abort(card_wait) {
            return self.aborted();
        }
        if behaviour == Behaviour::NoCard {
            return self.not_taken(RESULT_ABORTED, None);
        }
        if self.prompt(WATCH_PIN_PAD) == Heard::Abort || self.wait_for_abort(timings.step_pause) {
            return self.aborted();
        }
        if behaviour == Behaviour::CardRemoved {
            return self.not_taken(RESULT_CARD_DATA_MISSING, None);
        }
        if self.prompt(PLEASE_WAIT) == Heard::Abort {
            return self.aborted();
        }
        if self.lost {
            // The kiosk vanished before the card was read: the terminal breaks off.
            return;
        }
        if behaviour == Behaviour::Decline {
            let (receipt_no, trace) = lock(&self.state).numbers();
            let info = StatusInfo {
                result: Some(RESULT_DO_NOT_HONOUR),
                amount: Some(amount),
                trace: Some(trace),
                receipt_no: Some(receipt_no),
                ..clock()
            };
            self.say(TerminalMessage::StatusInformation(info));
            for text in ["FRONTDESK TEST TERMINAL", "SALE", "DECLINED"] {
                self.say(print(text));
            }
            return self.not_taken(RESULT_DO_NOT_HONOUR, Some(receipt_no));
        }
        let receipt = self.approve(amount);
        if behaviour == Behaviour::GarbledResult {
            // BMP 04 announces six bytes; two follow.
            let broken =
                Apdu::new(0x04, 0x0F, vec![0x27, 0x00, 0x04, 0x00, 0x25]).expect("a short APDU");
            self.say_raw(&broken);
            self.say(TerminalMessage::Completion);
            return;
        }
        self.say(TerminalMessage::StatusInformation(receipt.info));
        self.prompt(REMOVE_CARD);
        for text in receipt.lines {
            self.say(TerminalMessage::PrintLine { attribute: 0, text });
        }
        self.say(TerminalMessage::Completion);
    }

    /// Books an approval: charged, in the batch, the last transaction.
    fn approve(&mut self, amount: Cents) -> Receipt {
        let mut state = lock(&self.state);
        let (receipt_no, trace) = state.numbers();
        let auth = format!("A{trace:05}");
        let info = StatusInfo {
            result: Some(0),
            amount: Some(amount),
            trace: Some(trace),
            receipt_no: Some(receipt_no),
            card: MaskedCard::new(TEST_CARD).ok(),
            auth_code: AuthCode::new(&auth).ok(),
            card_type: Some(CARD_TYPE_VISA),
            ..clock()
        };
        let lines = vec![
            "FRONTDESK TEST TERMINAL".to_owned(),
            "SALE".to_owned(),
            format!("CARD {TEST_CARD}"),
            format!("AMOUNT USD {amount}"),
            format!("AUTH {auth}  RECEIPT {receipt_no}"),
            format!("TRACE {trace:06}"),
            "APPROVED".to_owned(),
        ];
        let receipt = Receipt { info, lines };
        let charge = Charge { amount, receipt_no };
        state.charged.push(charge);
        state.batch.push(Booking {
            charge,
            receipt: receipt.clone(),
            reversed: false,
        });
        state.last = Last::Approved(receipt.clone());
        receipt
    }

    /// The kiosk's abort (06 B0) arrived: accept it, end the transaction.
    fn aborted(&mut self) {
        self.reply(TerminalMessage::Ack);
        self.not_taken(RESULT_ABORTED, None);
    }

    fn not_taken(&mut self, result: u8, receipt_no: Option<TerminalReceiptNo>) {
        lock(&self.state).last = Last::NotApproved { receipt_no, result };
        self.say(TerminalMessage::Abort { result });
    }

    fn reverse(&mut self, receipt_no: TerminalReceiptNo) {
        if !self.reply(TerminalMessage::Ack) {
            return;
        }
        let found = {
            let mut state = lock(&self.state);
            let state = &mut *state;
            match state
                .batch
                .iter_mut()
                .find(|b| b.charge.receipt_no == receipt_no)
            {
                None => Err(RESULT_REVERSAL_NOT_POSSIBLE),
                Some(booking) if booking.reversed => Err(RESULT_ALREADY_REVERSED),
                Some(booking) => {
                    booking.reversed = true;
                    let original = booking.charge;
                    let info = booking.receipt.info.clone();
                    state.reversed.push(original);
                    state.last = Last::NotApproved {
                        receipt_no: Some(receipt_no),
                        result: RESULT_ALREADY_REVERSED,
                    };
                    let (new_receipt, trace) = state.numbers();
                    Ok((original, info, new_receipt, trace))
                }
            }
        };
        let (original, info, new_receipt, trace) = match found {
            Ok(found) => found,
            Err(result) => {
                self.say(TerminalMessage::Abort { result });
                return;
            }
        };
        self.prompt(PLEASE_WAIT);
        self.say(TerminalMessage::StatusInformation(StatusInfo {
            receipt_no: Some(new_receipt),
            trace: Some(trace),
            ..info
        }));
        self.say(TerminalMessage::PrintTextBlock {
            lines: vec![
                "FRONTDESK TEST TERMINAL".into(),
                "REVERSAL".into(),
                format!("AMOUNT USD {}", original.amount),
                format!("ORIGINAL RECEIPT {}", original.receipt_no),
                format!("RECEIPT {new_receipt}"),
            ],
        });
        self.say(TerminalMessage::Completion);
    }

    fn end_of_day(&mut self) {
        if !self.reply(TerminalMessage::Ack) {
            return;
        }
        self.prompt(PLEASE_WAIT);
        let info = {
            let mut state = lock(&self.state);
            let open: Vec<Charge> = state
                .batch
                .iter()
                .filter(|b| !b.reversed)
                .map(|b| b.charge)
                .collect();
            let receipts = state.batch.iter().map(|b| b.charge.receipt_no.get());
            let first = receipts.clone().min().unwrap_or(0);
            let last = receipts.max().unwrap_or(0);
            let amount = Cents::new(open.iter().map(|c| c.amount.get()).sum());
            let (_, trace) = state.numbers();
            state.batch.clear();
            state.last = Last::None;
            StatusInfo {
                result: Some(0),
                amount: Some(amount),
                trace: Some(trace),
                totals: Some(Totals {
                    first_receipt: first,
                    last_receipt: last,
                    count: open.len() as u32,
                    amount,
                }),
                ..clock()
            }
        };
        self.say(TerminalMessage::StatusInformation(info));
        self.say(TerminalMessage::Completion);
    }

    fn repeat_receipt(&mut self) {
        if !self.reply(TerminalMessage::Ack) {
            return;
        }
        let last = match &lock(&self.state).last {
            Last::None => None,
            Last::Approved(receipt) => Some(receipt.clone()),
            Last::NotApproved { receipt_no, result } => Some(Receipt {
                info: StatusInfo {
                    result: Some(*result),
                    receipt_no: *receipt_no,
                    ..StatusInfo::default()
                },
                lines: Vec::new(),
            }),
        };
        if let Some(receipt) = last {
            self.say(TerminalMessage::StatusInformation(receipt.info));
            for text in receipt.lines {
                self.say(TerminalMessage::PrintLine { attribute: 0, text });
            }
        }
        self.say(TerminalMessage::Completion);
    }

    fn prompt(&mut self, status: u8) -> Heard {
        self.say(TerminalMessage::IntermediateStatus { status })
    }

    /// Sends a message that needs no answer but the ACK byte (80 00, 84 xx).
    fn reply(&mut self, message: TerminalMessage) -> bool {
        let Ok(apdu) = message.to_apdu() else {
            return false;
        };
        self.send(&apdu)
    }

    fn send(&mut self, apdu: &Apdu) -> bool {
        if self.lost {
            return false;
        }
        let sent = self.line.send(&apdu.encode(), &self.state).unwrap_or(false);
        self.lost = !sent;
        sent
    }

    /// Sends a message and waits for the kiosk's 80 00.
    fn say(&mut self, message: TerminalMessage) -> Heard {
        match message.to_apdu() {
            Ok(apdu) => self.say_raw(&apdu),
            Err(_) => Heard::Nothing,
        }
    }

    /// Sends an APDU and waits for the kiosk's 80 00.
    fn say_raw(&mut self, apdu: &Apdu) -> Heard {
        if !self.send(apdu) {
            return Heard::Nothing;
        }
        let wait = self.timings().answer_wait;
        match self.line.receive(wait, &self.state) {
            Ok(Some(bytes)) => match Apdu::parse(&bytes).ok().map(|a| Command::parse(&a)) {
                Some(Ok(Command::Abort)) => {
                    lock(&self.state).commands.push((0x06, 0xB0));
                    Heard::Abort
                }
                _ => Heard::Ack,
            },
            _ => {
                self.lost = true;
                Heard::Nothing
            }
        }
    }

    /// Waits up to `wait` (the patient's time); whether the kiosk sent abort meanwhile.
    fn wait_for_abort(&mut self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.stop.load(Ordering::Relaxed) {
                return false;
            }
            if let Ok(Some(bytes)) = self.line.receive(left.min(POLL), &self.state) {
                let apdu = Apdu::parse(&bytes).ok();
                if apdu.is_some_and(|a| Command::parse(&a) == Ok(Command::Abort)) {
                    lock(&self.state).commands.push((0x06, 0xB0));
                    return true;
                }
            }
        }
    }
}

fn print(text: &str) -> TerminalMessage {
    TerminalMessage::PrintLine {
        attribute: 0,
        text: text.to_owned(),
    }
}

/// Time and date fields as the terminal's clock says now (UTC).
fn clock() -> StatusInfo {
    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    let time = u32::try_from(now.hour()).unwrap_or(0) * 10_000
        + u32::try_from(now.minute()).unwrap_or(0) * 100
        + u32::try_from(now.second()).unwrap_or(0);
    let date =
        u16::try_from(now.month()).unwrap_or(0) * 100 + u16::try_from(now.day()).unwrap_or(0);
    StatusInfo {
        time: Some(time),
        date: Some(date),
        ..StatusInfo::default()
    }
}

/// The terminal's end of the serial line: frames, ACK/NAK and the test's line trouble.
/// Separate from [`crate::devices::zvt::ZvtLink`] because it must misbehave on purpose.
struct Line {
    port: TTYPort,
    decoder: FrameDecoder,
    pending: VecDeque<u8>,
}

impl Line {
    fn reset(&mut self) {
        self.pending.clear();
        self.decoder.timed_out();
    }

    fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>> {
        if let Some(byte) = self.pending.pop_front() {
            return Ok(Some(byte));
        }
        self.port
            .set_timeout(timeout.max(Duration::from_millis(1)))
            .map_err(io::Error::from)?;
        let mut buffer = [0u8; 256];
        match self.port.read(&mut buffer) {
            Ok(0) => Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                self.pending.extend(&buffer[1..n]);
                Ok(Some(buffer[0]))
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The next good frame within `timeout`, acknowledged (or refused while the test
    /// asked for NAKs); garbled frames are refused.
    fn receive(&mut self, timeout: Duration, state: &Mutex<State>) -> io::Result<Option<Vec<u8>>> {
        let deadline = Instant::now() + timeout;
        loop {
            let byte = if self.decoder.in_frame() {
                self.read_byte(BYTE_TIMEOUT)?
            } else {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(None);
                }
                match self.read_byte(left)? {
                    Some(byte) => Some(byte),
                    None => return Ok(None),
                }
            };
            let outcome = match byte {
                Some(byte) => self.decoder.push(byte),
                None => self.decoder.timed_out().map(Err),
            };
            match outcome {
                Some(Ok(Received::Frame(apdu))) => {
                    let refuse = {
                        let mut state = lock(state);
                        let refuse = state.naks > 0;
                        state.naks = state.naks.saturating_sub(1);
                        refuse
                    };
                    self.write(&[if refuse { NAK } else { ACK }])?;
                    if !refuse {
                        return Ok(Some(apdu));
                    }
                }
                Some(Err(_)) => self.write(&[NAK])?,
                Some(Ok(Received::Ack | Received::Nak)) | None => {}
            }
        }
    }

    /// Sends `apdu` until the kiosk acknowledges it; whether it did.
    fn send(&mut self, apdu: &[u8], state: &Mutex<State>) -> io::Result<bool> {
        let (delay, wait) = {
            let state = lock(state);
            (state.delay, state.timings.answer_wait)
        };
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        let frame = encode(apdu);
        // A garbled frame is garbled once; its resend is clean.
        let garble = {
            let mut state = lock(state);
            let garble = state.garbles > 0;
            state.garbles = state.garbles.saturating_sub(1);
            garble
        };
        for attempt in 0..ATTEMPTS {
            if garble && attempt == 0 {
                let mut bad = vec![0x00, 0x41, DLE, 0xFF];
                bad.extend_from_slice(&frame);
                if let Some(crc_high) = bad.last_mut() {
                    *crc_high ^= 0x5A;
                }
                self.write(&bad)?;
            } else {
                self.write(&frame)?;
            }
            if self.await_ack(wait)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// ACK (`true`), or NAK / silence (`false`).
    fn await_ack(&mut self, wait: Duration) -> io::Result<bool> {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(false);
            }
            match self.read_byte(left)? {
                Some(ACK) => return Ok(true),
                Some(NAK) | None => return Ok(false),
                Some(_) => {}
            }
        }
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.port.write_all(bytes)?;
        self.port.flush()
    }
}
