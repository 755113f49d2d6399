//! Never a double charge, never a lost payment: the real kiosk binary is killed (SIGKILL,
//! like a power cut) at each step of a payment against the ZVT terminal simulator on a
//! pseudo-terminal, restarted, and must end as the terminal did: paid once, or not paid,
//! reported to the office exactly once. The scripted patient (`--demo-patient`) taps "Pay
//! now" two seconds after the co-pay shows.

mod support;

use frontdesk::devices::scanner_sim::ScannerSimulator;
use frontdesk::devices::zvt_sim::{Behaviour, SimTimings, ZvtSimulator};
use frontdesk::domain::{AppointmentId, Cents};
use frontdesk::office::payments::{PaymentItem, PaymentStatus};
use std::process::{Child, Command};
use std::time::Duration;
use support::{KIOSK_TOKEN, TestOffice, start_office, wait_until};

/// The demo day's first, second and fourth appointments owe a co-pay.
const OWING: [usize; 3] = [0, 1, 3];

struct Rig {
    office: TestOffice,
    terminal: ZvtSimulator,
    scanner: ScannerSimulator,
    config: std::path::PathBuf,
    kiosk: Option<Child>,
    _dir: tempfile::TempDir,
}

impl Rig {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
        let terminal = ZvtSimulator::with_timings(SimTimings {
            // Long enough that the kiosk is killed while the terminal still waits.
            card_wait: Duration::from_secs(60),
            ..SimTimings::instant()
        })
        .unwrap();
        let scanner = ScannerSimulator::new().unwrap();
        let config = dir.path().join("kiosk.toml");
        std::fs::write(
            &config,
            format!(
                "kiosk_id = \"lobby-1\"\noffice_url = \"{}\"\noffice_token = \"{KIOSK_TOKEN}\"\n\
                 data_dir = {:?}\n\
                 # Consent and questions have their own tests: straight on to the co-pay.\n\
                 leave_out = [\"consent\", \"questions\", \"insurance\"]\n\n[scanner]\nport = {:?}\n\n[card_terminal]\nport = {:?}\n",
                office.base,
                dir.path().join("kiosk").display().to_string(),
                scanner.port_path().display().to_string(),
                terminal.port_path().display().to_string(),
            ),
        )
        .unwrap();
        let mut rig = Self {
            office,
            terminal,
            scanner,
            config,
            kiosk: None,
            _dir: dir,
        };
        rig.start_kiosk();
        rig
    }

    fn start_kiosk(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_frontdesk-kiosk"))
            .args(["--config", self.config.to_str().unwrap()])
            .args(["run", "--headless", "--demo-patient"])
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap();
        self.kiosk = Some(child);
    }

    /// SIGKILL: no destructor, no flush, like pulling the plug.
    fn kill_kiosk(&mut self) {
        if let Some(mut child) = self.kiosk.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// The patient of today's `n`th appointment scans their code; the scripted patient
    /// confirms, and taps "Pay now" when the co-pay shows.
    fn patient_arrives(&mut self, n: usize) -> AppointmentId {
        let appointment = appointment(&self.office, n);
        let token = self.office.token(n);
        // The kiosk may still be starting: scan again only if nothing came of a scan.
        wait_until("the check-in reaches the office", || {
            let _ = self.scanner.scan(&token);
            let deadline = std::time::Instant::now() + Duration::from_secs(8);
            while std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(200));
                let arrived = self
                    .office
                    .queue()
                    .checked_in
                    .iter()
                    .any(|item| item.appointment == appointment);
                if arrived {
                    return Some(());
                }
            }
            None
        });
        appointment
    }

    /// The office's payments for `appointment`, once at least one has arrived.
    fn payments_of(&self, appointment: AppointmentId) -> Vec<PaymentItem> {
        wait_until("the payment reaches the office", || {
            let queue = self.office.queue();
            let payments: Vec<PaymentItem> = queue
                .checked_in
                .into_iter()
                .filter(|item| item.appointment == appointment)
                .flat_map(|item| item.payments)
                .collect();
            (!payments.is_empty()).then_some(payments)
        })
    }

    /// Restarts the kiosk and waits until the payment cut short has reached the office.
    fn restart_and_settle(&mut self, appointment: AppointmentId) -> PaymentItem {
        self.start_kiosk();
        let payments = self.payments_of(appointment);
        // Give a second report (there must be none) time to arrive.
        std::thread::sleep(Duration::from_secs(2));
        let payments_now = self.payments_of(appointment);
        assert_eq!(payments_now, payments, "reported exactly once");
        assert_eq!(payments.len(), 1, "one payment: {payments:?}");
        payments.into_iter().next().unwrap()
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.kill_kiosk();
    }
}

fn appointment(office: &TestOffice, n: usize) -> AppointmentId {
    let today = office.state.today(jiff::Timestamp::now());
    office
        .state
        .store
        .get()
        .unwrap()
        .appointments_on(today)
        .unwrap()[n]
        .id
}

fn wait_for_authorisation(terminal: &ZvtSimulator, count: usize) {
    wait_until("the terminal gets the authorisation", || {
        (terminal
            .commands()
            .iter()
            .filter(|c| **c == (0x06, 0x01))
            .count()
            >= count)
            .then_some(())
    });
}

#[test]
fn a_kiosk_killed_at_any_step_of_a_payment_ends_paid_once_or_not_paid() {
    let mut rig = Rig::start();

    // 1. Killed while the terminal waits for the card: the terminal charged nothing, and
    //    the restarted kiosk settles it as not paid.
    rig.terminal.set_next(Behaviour::NoCard);
    let first = rig.patient_arrives(OWING[0]);
    wait_for_authorisation(&rig.terminal, 1);
    rig.kill_kiosk();
    let payment = rig.restart_and_settle(first);
    assert_eq!(payment.status, PaymentStatus::NotPaid, "{payment:?}");
    assert!(rig.terminal.charged().is_empty());

    // 2. Killed after the terminal charged the card but before its answer arrived (the
    //    line went dead after the command was acknowledged): the restarted kiosk finds the
    //    charge as the terminal's last transaction and settles it as paid, once.
    rig.terminal.set_next(Behaviour::DropAfterAck);
    let second = rig.patient_arrives(OWING[1]);
    wait_until("the terminal charges the card", || {
        (rig.terminal.charged().len() == 1).then_some(())
    });
    rig.kill_kiosk();
    let payment = rig.restart_and_settle(second);
    assert_eq!(payment.status, PaymentStatus::Paid, "{payment:?}");
    assert!(payment.recovered, "found by reconciliation: {payment:?}");
    assert_eq!(payment.amount, Some(Cents::new(4000)));
    assert_eq!(rig.terminal.charged().len(), 1, "charged once");

    // 3. Killed the moment the terminal approves (the kiosk may or may not have written
    //    the answer down): either way, paid once.
    rig.terminal.set_next(Behaviour::Approve);
    let third = rig.patient_arrives(OWING[2]);
    wait_until("the terminal charges the card", || {
        (rig.terminal.charged().len() == 2).then_some(())
    });
    rig.kill_kiosk();
    let payment = rig.restart_and_settle(third);
    assert_eq!(payment.status, PaymentStatus::Paid, "{payment:?}");
    assert_eq!(payment.amount, Some(Cents::new(1500)));
    assert_eq!(rig.terminal.charged().len(), 2, "charged once");
    assert!(rig.terminal.reversed().is_empty(), "nothing reversed");
}
