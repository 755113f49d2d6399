//! Any APDU from a card terminal: the ZVT message parser must not panic; whatever parses
//! encodes to an APDU that parses to the same message; a masked card shows at most four
//! digits. The same bytes go through the command parser (the simulator's side), the BMP
//! field splitter and the TLV text-line reader.
//!
//! Input layout: class byte, instruction byte, then the data.
#![no_main]

use frontdesk::devices::zvt::{Apdu, Command, TerminalMessage, bmp, tlv};
use libfuzzer_sys::fuzz_target;

fn check_message(apdu: &Apdu) {
    let Ok(message) = TerminalMessage::parse(apdu) else {
        return;
    };
    if let TerminalMessage::StatusInformation(info) = &message
        && let Some(card) = &info.card
    {
        assert!(card.as_str().bytes().filter(u8::is_ascii_digit).count() <= 4);
    }
    if let Ok(again) = message.to_apdu() {
        assert_eq!(TerminalMessage::parse(&again).as_ref(), Ok(&message));
    }
}

fn check_command(apdu: &Apdu) {
    if let Ok(command) = Command::parse(apdu) {
        assert_eq!(Command::parse(&command.to_apdu()).as_ref(), Ok(&command));
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = bmp::parse_fields(data);
    let _ = tlv::text_lines(data);
    if let [class, instr, rest @ ..] = data
        && let Ok(apdu) = Apdu::new(*class, *instr, rest.to_vec())
    {
        check_message(&apdu);
        check_command(&apdu);
    }
});
