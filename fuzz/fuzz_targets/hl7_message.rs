//! Any bytes as an HL7 v2 message from the EHR: read by `hl7::message::parse`, as a
//! schedule message (`siu::read`) and as an acknowledgement (`read_ack`); the control id
//! finder used for rejections. Also the same bytes after a valid MSH, so the segment
//! readers are reached. The contact details a booking keeps are ones reminders can use.
#![no_main]

use frontdesk::hl7::message::{self, Hl7Error, Parties};
use frontdesk::domain::{ContactField, EmailAddress, PhoneNumber};
use frontdesk::hl7::siu;
use libfuzzer_sys::fuzz_target;

const MSH: &[u8] = b"MSH|^~\\&|EHR|DEMO|FRONTDESK|DEMO|20261203080000||SIU^S12^SIU_S12|C-1|P|2.5.1\r";

fn read(bytes: &[u8]) {
    let id = message::control_id_of(bytes);
    assert!(id.len() <= 64);
    match message::parse(bytes) {
        Ok(parsed) => {
            let zone = jiff::tz::TimeZone::UTC;
            match siu::read(&parsed, &zone) {
                Ok(read) => usable_contacts(read),
                Err(error) => short(&error),
            }
            // Every answer we would build from it reads back.
            let parties = Parties {
                sending_application: "FRONTDESK".into(),
                sending_facility: "DEMO".into(),
                receiving_application: "EHR".into(),
                receiving_facility: "DEMO".into(),
            };
            let ack = message::ack(
                &parties,
                Some(&parsed.header),
                &parsed.header.control_id,
                message::AckCode::Accept,
                None,
                "FDA1",
                "20261203080000",
            );
            let back = message::read_ack(ack.as_bytes()).expect("our ACK reads back");
            assert_eq!(back.answers, parsed.header.control_id);
        }
        Err(error) => short(&error),
    }
    if let Err(error) = message::read_ack(bytes) {
        short(&error);
    }
}

/// What the reader keeps of PID-11/13 is what reminders can use: a North American
/// number and an email address, each within its field's length.
fn usable_contacts(read: siu::ScheduleMessage) {
    let Some(contact) = read.appointment.and_then(|a| a.contact) else {
        return;
    };
    if let Some(phone) = contact.get(ContactField::Phone) {
        assert!(PhoneNumber::parse(phone).is_ok());
    }
    if let Some(email) = contact.get(ContactField::Email) {
        assert!(EmailAddress::parse(email).is_ok());
    }
    for field in ContactField::ALL {
        if let Some(value) = contact.get(field) {
            assert!(value.chars().count() <= field.max_len());
        }
    }
}

/// Errors carry no message content: they stay short.
fn short(error: &Hl7Error) {
    assert!(error.to_string().len() < 120, "{error}");
}

fuzz_target!(|data: &[u8]| {
    read(data);
    let mut framed = MSH.to_vec();
    framed.extend_from_slice(data);
    read(&framed);
});
