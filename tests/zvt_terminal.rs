//! The production ZVT terminal driver against the terminal simulator on a pseudo-terminal:
//! every way a payment can end (approved, declined, no card, card pulled, cancelled), line
//! trouble (NAKs, garbled frames, slow answers, a line that dies mid-payment), and the
//! terminal's memory across kiosk restarts (last transaction, reversal, end of day).
//! Timeouts are short; nothing asserts on how long anything took.
#![cfg(feature = "kiosk")]

use frontdesk::devices::payment::{
    AbortSignal, Approval, Authorisation, DayTotals, LastTransaction, NotTaken, PaymentTerminal,
    TerminalError, TerminalPrompt,
};
use frontdesk::devices::zvt::{
    Apdu, Command, Currency, LinkSettings, ZvtLink, ZvtSettings, ZvtTerminal,
};
use frontdesk::devices::zvt_sim::{Behaviour, Charge, SimTimings, TEST_CARD, ZvtSimulator};
use frontdesk::domain::Cents;
use serialport::{SerialPort, TTYPort};
use std::time::Duration;

type Terminal = ZvtTerminal<Box<dyn SerialPort>>;

const COPAY_CENTS: u32 = 2500;

fn copay() -> Cents {
    Cents::new(COPAY_CENTS)
}

fn settings() -> ZvtSettings {
    ZvtSettings {
        link: LinkSettings {
            ack_timeout: Duration::from_secs(1),
            byte_timeout: Duration::from_millis(200),
            attempts: 3,
        },
        command_timeout: Duration::from_secs(2),
        authorisation_timeout: Duration::from_secs(10),
        admin_timeout: Duration::from_secs(10),
        poll_interval: Duration::from_millis(50),
        ..ZvtSettings::default()
    }
}

/// A simulator and a kiosk connected (registered) to it.
fn connected() -> (ZvtSimulator, Terminal) {
    let sim = ZvtSimulator::start().unwrap();
    let terminal = open(&sim, settings());
    (sim, terminal)
}

fn open(sim: &ZvtSimulator, settings: ZvtSettings) -> Terminal {
    let mut terminal = ZvtTerminal::open(sim.port_path(), 9600, settings).unwrap();
    terminal.connect().unwrap();
    terminal
}

/// Authorises `amount`, collecting the prompts.
fn pay(
    terminal: &mut Terminal,
    amount: Cents,
) -> (Result<Authorisation, TerminalError>, Vec<TerminalPrompt>) {
    let mut prompts = Vec::new();
    let result = terminal.authorise(amount, &mut |p| prompts.push(p), &AbortSignal::new());
    (result, prompts)
}

fn approved(result: Result<Authorisation, TerminalError>) -> Approval {
    match result {
        Ok(Authorisation::Approved(approval)) => approval,
        other => panic!("not approved: {other:?}"),
    }
}

#[test]
fn an_approval_brings_masked_card_auth_code_receipt_and_the_prompts_in_order() {
    let (sim, mut terminal) = connected();
    let (result, prompts) = pay(&mut terminal, copay());
    let approval = approved(result);

    assert_eq!(approval.amount, copay());
    assert_eq!(approval.card.as_str(), TEST_CARD);
    assert_eq!(approval.auth_code.as_str(), "A00001");
    assert_eq!(approval.receipt_no.get(), 1);
    assert_eq!(
        approval.receipt_lines.first().unwrap(),
        "FRONTDESK TEST TERMINAL"
    );
    assert!(
        approval
            .receipt_lines
            .contains(&"AMOUNT USD $25.00".to_owned())
    );
    assert_eq!(approval.receipt_lines.last().unwrap(), "APPROVED");
    assert_eq!(
        prompts,
        [
            TerminalPrompt::PresentCard,
            TerminalPrompt::EnterPin,
            TerminalPrompt::Processing,
            TerminalPrompt::RemoveCard
        ]
    );
    assert_eq!(
        sim.charged(),
        [Charge {
            amount: copay(),
            receipt_no: approval.receipt_no
        }]
    );
    // Registration, then the authorisation in dollars.
    assert_eq!(sim.commands(), [(0x06, 0x00), (0x06, 0x01)]);

    // The next payment gets the next receipt number.
    let second = approved(pay(&mut terminal, Cents::new(1000)).0);
    assert_eq!(second.receipt_no.get(), 2);
    assert_eq!(sim.charged().len(), 2);
}

#[test]
fn declined_timed_out_and_card_removed_charge_nothing() {
    let (sim, mut terminal) = connected();
    for (behaviour, expected) in [
        (Behaviour::Decline, NotTaken::Declined),
        (Behaviour::NoCard, NotTaken::TimedOut),
        (Behaviour::CardRemoved, NotTaken::CardRemoved),
    ] {
        sim.set_next(behaviour);
        let (result, prompts) = pay(&mut terminal, copay());
        assert_eq!(
            result,
            Ok(Authorisation::NotTaken(expected)),
            "{behaviour:?}"
        );
        assert_eq!(prompts.first(), Some(&TerminalPrompt::PresentCard));
    }
    assert!(sim.charged().is_empty());
    // The terminal is ready for the next patient.
    approved(pay(&mut terminal, copay()).0);
    assert_eq!(sim.charged().len(), 1);
}

#[test]
fn cancel_really_aborts_at_the_terminal() {
    let sim = ZvtSimulator::with_timings(SimTimings {
        // Long enough that only the abort can end the wait for a card.
        card_wait: Duration::from_secs(60),
        ..SimTimings::instant()
    })
    .unwrap();
    let mut terminal = open(&sim, settings());
    sim.set_next(Behaviour::NoCard);

    let abort = AbortSignal::new();
    let mut prompts = Vec::new();
    let result = terminal.authorise(
        copay(),
        &mut |prompt| {
            prompts.push(prompt);
            // The patient taps "Cancel" as soon as the terminal asks for the card.
            if prompt == TerminalPrompt::PresentCard {
                abort.abort();
            }
        },
        &abort,
    );

    assert_eq!(result, Ok(Authorisation::NotTaken(NotTaken::Aborted)));
    assert_eq!(prompts, [TerminalPrompt::PresentCard]);
    assert!(sim.commands().contains(&(0x06, 0xB0)));
    assert!(sim.charged().is_empty());
    assert_eq!(
        terminal.last_transaction(),
        Ok(LastTransaction::NotApproved { receipt_no: None })
    );

    // Cancelled before the terminal was asked: it is not asked at all.
    let commands = sim.commands().len();
    assert_eq!(
        terminal.authorise(copay(), &mut |_| {}, &abort),
        Ok(Authorisation::NotTaken(NotTaken::Aborted))
    );
    assert_eq!(sim.commands().len(), commands);
}

#[test]
fn naks_and_garbled_frames_are_retried_to_one_approval() {
    let (sim, mut terminal) = connected();
    sim.nak_next(2);
    approved(pay(&mut terminal, copay()).0);
    assert_eq!(terminal.link_stats().naks_received, 2);
    assert_eq!(terminal.link_stats().resent, 2);

    sim.garble_next(3);
    approved(pay(&mut terminal, copay()).0);
    let stats = terminal.link_stats();
    assert_eq!(stats.naks_sent, 3);
    assert!(stats.junk >= 3, "{stats:?}");
    assert_eq!(sim.charged().len(), 2);
}

#[test]
fn a_message_the_kiosk_does_not_know_is_acknowledged_and_the_payment_goes_on() {
    let (sim, mut terminal) = connected();
    // 04 0E, a menu request (ZVT 04 0E): not used by the kiosk.
    sim.interject_next(Apdu::new(0x04, 0x0E, vec![0x01, 0x02, 0x03]).unwrap());
    let (result, prompts) = pay(&mut terminal, copay());
    approved(result);
    assert_eq!(prompts.len(), 4);
    assert_eq!(sim.charged().len(), 1);
}

#[test]
fn a_result_the_kiosk_cannot_read_is_outcome_unknown() {
    let (sim, mut terminal) = connected();
    sim.set_next(Behaviour::GarbledResult);
    let error = pay(&mut terminal, copay()).0.unwrap_err();
    assert!(
        matches!(error, TerminalError::OutcomeUnknown(_)),
        "{error:?}"
    );
    assert_eq!(sim.charged().len(), 1);
    // The terminal still knows: reconciliation finds the charge.
    assert!(matches!(
        terminal.last_transaction(),
        Ok(LastTransaction::Approved(_))
    ));
}

#[test]
fn slow_answers_within_the_timeouts_still_approve() {
    let (sim, mut terminal) = connected();
    sim.set_answer_delay(Duration::from_millis(150));
    approved(pay(&mut terminal, copay()).0);
    assert_eq!(sim.charged().len(), 1);
}

#[test]
fn a_line_dying_mid_payment_is_outcome_unknown_and_reconciliation_finds_the_charge() {
    let sim = ZvtSimulator::start().unwrap();
    let mut terminal = open(
        &sim,
        ZvtSettings {
            authorisation_timeout: Duration::from_millis(800),
            ..settings()
        },
    );
    sim.set_next(Behaviour::DropAfterAck);
    let (result, _) = pay(&mut terminal, copay());
    let error = result.unwrap_err();
    assert!(
        matches!(error, TerminalError::OutcomeUnknown(_)),
        "{error:?}"
    );
    assert!(error.may_have_charged());

    // The kiosk asks the terminal: the card was charged, exactly once.
    let Ok(LastTransaction::Approved(last)) = terminal.last_transaction() else {
        panic!("last transaction not approved");
    };
    assert_eq!(last.amount, copay());
    assert_eq!(last.card.as_str(), TEST_CARD);
    assert_eq!(
        sim.charged(),
        [Charge {
            amount: copay(),
            receipt_no: last.receipt_no
        }]
    );
}

#[test]
fn the_last_transaction_survives_a_kiosk_restart() {
    let sim = ZvtSimulator::start().unwrap();
    let mut terminal = open(&sim, settings());
    assert_eq!(terminal.last_transaction(), Ok(LastTransaction::None));
    let approval = approved(pay(&mut terminal, copay()).0);
    assert_eq!(
        terminal.last_transaction(),
        Ok(LastTransaction::Approved(approval.clone()))
    );

    // The kiosk process goes away and a new one opens the port.
    drop(terminal);
    let mut restarted = open(&sim, settings());
    assert_eq!(
        restarted.last_transaction(),
        Ok(LastTransaction::Approved(approval))
    );
    assert_eq!(sim.charged().len(), 1);
}

#[test]
fn a_kiosk_killed_mid_payment_finds_the_terminal_listening_and_nothing_charged() {
    // The terminal gives up on a silent kiosk after three tries of 100 ms.
    let sim = ZvtSimulator::with_timings(SimTimings {
        answer_wait: Duration::from_millis(100),
        ..SimTimings::instant()
    })
    .unwrap();
    {
        // A kiosk process that dies right after the terminal accepted the payment.
        let port = serialport::new(sim.port_path().to_string_lossy(), 9600)
            .open_native()
            .unwrap();
        let mut link = ZvtLink::new(port, settings().link);
        let authorisation = Command::Authorisation {
            amount: copay(),
            currency: Currency::USD,
        };
        link.send(&authorisation.to_apdu().encode()).unwrap();
        assert_eq!(
            link.receive(Duration::from_secs(2)).unwrap(),
            [0x80, 0x00, 0x00]
        );
    }
    // A restart takes a moment, longer than the terminal tries to reach the vanished kiosk.
    std::thread::sleep(Duration::from_secs(1));
    sim.set_timings(SimTimings::instant());
    let mut restarted = open(&sim, settings());
    assert_eq!(
        restarted.last_transaction(),
        Ok(LastTransaction::NotApproved { receipt_no: None })
    );
    assert!(sim.charged().is_empty());
    approved(pay(&mut restarted, copay()).0);
}

#[test]
fn a_restarted_kiosk_ends_a_transaction_still_waiting_for_a_card() {
    // The terminal waits a long time for a card, and hears nothing but an abort meanwhile.
    let sim = ZvtSimulator::with_timings(SimTimings {
        card_wait: Duration::from_secs(60),
        ..SimTimings::instant()
    })
    .unwrap();
    sim.set_next(Behaviour::NoCard);
    {
        // A kiosk process that dies while the terminal shows "insert card".
        let mut dying = open(&sim, settings());
        let mut saw_prompt = false;
        let abort = AbortSignal::new();
        let mut prompt = |_| saw_prompt = true;
        let short = ZvtSettings {
            authorisation_timeout: Duration::from_millis(300),
            ..settings()
        };
        dying = {
            let port = dying.into_inner();
            ZvtTerminal::new(port, short)
        };
        let _ = dying.authorise(copay(), &mut prompt, &abort);
        assert!(saw_prompt, "the terminal was asking for the card");
    }
    let mut restarted = ZvtTerminal::open(sim.port_path(), 9600, settings()).unwrap();
    assert!(
        restarted.connect().is_err(),
        "a terminal in a transaction does not log on"
    );
    assert_eq!(restarted.abort_unfinished(), Ok(true));
    restarted.connect().unwrap();
    assert_eq!(
        restarted.last_transaction(),
        Ok(LastTransaction::NotApproved { receipt_no: None })
    );
    assert!(sim.charged().is_empty());
    // With nothing running, the abort is simply acknowledged.
    assert_eq!(restarted.abort_unfinished(), Ok(false));
    approved(pay(&mut restarted, copay()).0);
}

#[test]
fn a_reversal_undoes_one_charge_once() {
    let (sim, mut terminal) = connected();
    let approval = approved(pay(&mut terminal, copay()).0);

    let reversal = approved(terminal.reverse(approval.receipt_no));
    assert_eq!(reversal.amount, copay());
    assert_ne!(reversal.receipt_no, approval.receipt_no);
    assert!(reversal.receipt_lines.contains(&"REVERSAL".to_owned()));
    assert_eq!(
        sim.reversed(),
        [Charge {
            amount: copay(),
            receipt_no: approval.receipt_no
        }]
    );
    assert_eq!(
        terminal.last_transaction(),
        Ok(LastTransaction::NotApproved {
            receipt_no: Some(approval.receipt_no)
        })
    );

    // Twice is refused, and an unknown receipt too.
    assert_eq!(
        terminal.reverse(approval.receipt_no),
        Ok(Authorisation::NotTaken(NotTaken::Refused))
    );
    let unknown = frontdesk::domain::TerminalReceiptNo::new(4321).unwrap();
    assert_eq!(
        terminal.reverse(unknown),
        Ok(Authorisation::NotTaken(NotTaken::Refused))
    );
    assert_eq!(sim.reversed().len(), 1);
}

#[test]
fn end_of_day_reports_the_batch_without_its_reversals_and_closes_it() {
    let (_sim, mut terminal) = connected();
    approved(pay(&mut terminal, Cents::new(1000)).0);
    approved(pay(&mut terminal, copay()).0);
    let reversed = approved(pay(&mut terminal, Cents::new(700)).0);
    approved(terminal.reverse(reversed.receipt_no));

    assert_eq!(
        terminal.end_of_day(),
        Ok(DayTotals {
            count: 2,
            amount: Cents::new(3500)
        })
    );
    assert_eq!(terminal.last_transaction(), Ok(LastTransaction::None));
    assert_eq!(
        terminal.end_of_day(),
        Ok(DayTotals {
            count: 0,
            amount: Cents::ZERO
        })
    );
}

#[test]
fn a_silent_line_is_not_reached_and_charges_nothing() {
    // A pseudo-terminal nobody answers on: the cable is plugged into nothing.
    let (_far_end, near_end) = TTYPort::pair().unwrap();
    let mut terminal = ZvtTerminal::new(
        near_end,
        ZvtSettings {
            link: LinkSettings {
                ack_timeout: Duration::from_millis(50),
                ..settings().link
            },
            ..settings()
        },
    );
    assert!(matches!(
        terminal.connect(),
        Err(TerminalError::NotReached(_))
    ));
    let (result, prompts) = {
        let mut prompts = Vec::new();
        let result = terminal.authorise(copay(), &mut |p| prompts.push(p), &AbortSignal::new());
        (result, prompts)
    };
    let error = result.unwrap_err();
    assert!(matches!(error, TerminalError::NotReached(_)), "{error:?}");
    assert!(!error.may_have_charged());
    assert!(prompts.is_empty());
}
