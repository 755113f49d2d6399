//! The reminder email: plain text and HTML with the check-in QR inline as a PNG, in the
//! patient's language. The minimum necessary: the patient's first name, the visit's day
//! and time, the clinic's name, address and phone; never the provider, a reason for the
//! visit or anything else from the chart.

use super::ReminderKind;
use crate::domain::{Cents, Language};
use crate::office::templates::escape;
use crate::wording::{clock_time, long_date};
use jiff::civil::{Date, Time};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// The address on file is not one a message can go to (no address in the text).
    #[error("the email address on file is not usable")]
    BadAddress,
    #[error("the clinic's sender address is not usable")]
    BadSender,
    #[error(transparent)]
    Qr(#[from] super::qr_png::QrPngError),
    #[error("cannot build the message: {0}")]
    Build(String),
}

/// Who the reminder is from and what it says about the place.
#[derive(Debug, Clone)]
pub struct Clinic {
    pub name: String,
    pub address: String,
    pub phone: String,
    pub from: String,
    pub reply_to: Option<String>,
}

/// One reminder to write. PHI: never log it.
pub struct Reminder<'a> {
    pub to: &'a str,
    pub first_name: &'a str,
    pub language: Language,
    pub kind: ReminderKind,
    pub day: Date,
    pub starts_at: Time,
    /// The co-pay due at the visit; zero: not mentioned.
    pub copay: Cents,
    /// The signed check-in code the QR carries.
    pub token: &'a str,
    /// Unique per reminder and stable across tries: the Message-ID's left part, so a
    /// mail server or client can tell a resend after a crash from a new reminder.
    pub message_id: &'a str,
    /// The code page and unsubscribe links, when the hub has a `public_url`.
    pub links: Option<&'a super::links::ReminderLinks>,
}

/// The words of a reminder, before they become a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texts {
    pub subject: String,
    pub plain: String,
    pub html: String,
}

/// The content id of the inline QR image.
const QR_CID: &str = "checkin-code";

/// Writes the reminder in the patient's language.
pub fn texts(reminder: &Reminder<'_>, clinic: &Clinic) -> Texts {
    let language = reminder.language;
    let w = Words::of(language);
    let date = long_date(reminder.day, language);
    let time = clock_time(reminder.starts_at, language);
    let subject = match reminder.kind {
        ReminderKind::DaysBefore => w.subject_before.replace("{date}", &date),
        ReminderKind::Morning => w.subject_morning.replace("{clinic}", &clinic.name),
    }
    .replace("{time}", &time);
    let fill = |template: &str| {
        template
            .replace("{name}", reminder.first_name)
            .replace("{clinic}", &clinic.name)
            .replace("{date}", &date)
            .replace("{time}", &time)
            .replace("{phone}", &clinic.phone)
    };
    let mut bring: Vec<String> = vec![w.bring_card.into(), w.bring_id.into()];
    if reminder.copay.get() > 0 {
        bring.push(
            w.bring_copay
                .replace("{amount}", &reminder.copay.to_string()),
        );
    }
    let lines = [
        fill(w.greeting),
        fill(w.when),
        format!("{} {}", w.where_label, clinic.address),
    ];
    let mut plain = lines.join("\n\n");
    plain.push_str("\n\n");
    plain.push_str(w.code_plain);
    plain.push_str("\n\n");
    if let Some(links) = reminder.links {
        plain.push_str(w.link_page);
        plain.push('\n');
        plain.push_str(&links.code_page);
        plain.push_str("\n\n");
    }
    plain.push_str(w.bring_title);
    for item in &bring {
        plain.push_str("\n- ");
        plain.push_str(item);
    }
    plain.push_str("\n\n");
    plain.push_str(&fill(w.cancel));
    plain.push_str("\n\n");
    if let Some(links) = reminder.links {
        plain.push_str(w.unsubscribe);
        plain.push('\n');
        plain.push_str(&links.unsubscribe);
        plain.push_str("\n\n");
    }
    plain.push_str(&clinic.name);
    plain.push('\n');

    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body style=\"font-family: sans-serif; font-size: 16px\">\n",
        language.code(),
        escape(&subject)
    );
    for line in &lines[..2] {
        html.push_str(&format!("<p>{}</p>\n", escape(line)));
    }
    html.push_str(&format!(
        "<p><strong>{}</strong> {}</p>\n",
        escape(w.where_label),
        escape(&clinic.address)
    ));
    html.push_str(&format!(
        "<p>{}</p>\n<p><img src=\"cid:{QR_CID}\" alt=\"{}\" width=\"240\" height=\"240\"></p>\n",
        escape(w.code_html),
        escape(w.code_alt)
    ));
    if let Some(links) = reminder.links {
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>\n",
            escape(&links.code_page),
            escape(w.link_page)
        ));
    }
    html.push_str(&format!("<p>{}</p>\n<ul>\n", escape(w.bring_title)));
    for item in &bring {
        html.push_str(&format!("<li>{}</li>\n", escape(item)));
    }
    html.push_str(&format!("</ul>\n<p>{}</p>\n", escape(&fill(w.cancel))));
    if let Some(links) = reminder.links {
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>\n",
            escape(&links.unsubscribe),
            escape(w.unsubscribe)
        ));
    }
    html.push_str(&format!(
        "<p>{}</p>\n</body></html>\n",
        escape(&clinic.name)
    ));
    Texts {
        subject,
        plain,
        html,
    }
}

/// The whole message: `multipart/alternative` of the plain text and a
/// `multipart/related` HTML part carrying the QR image.
pub fn build(reminder: &Reminder<'_>, clinic: &Clinic) -> Result<Message, EmailError> {
    let to: Mailbox = reminder.to.parse().map_err(|_| EmailError::BadAddress)?;
    let from: Mailbox = clinic.from.parse().map_err(|_| EmailError::BadSender)?;
    let texts = texts(reminder, clinic);
    let png = super::qr_png::render(reminder.token)?;
    let image_type =
        ContentType::parse("image/png").map_err(|e| EmailError::Build(e.to_string()))?;
    let mut builder = Message::builder()
        .message_id(Some(format!(
            "<{}@{}>",
            reminder.message_id,
            from.email.domain()
        )))
        .from(from)
        .to(to)
        .subject(texts.subject);
    if let Some(reply_to) = &clinic.reply_to {
        builder = builder.reply_to(reply_to.parse().map_err(|_| EmailError::BadSender)?);
    }
    builder
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(texts.plain))
                .multipart(
                    MultiPart::related()
                        .singlepart(SinglePart::html(texts.html))
                        .singlepart(
                            Attachment::new_inline(QR_CID.to_owned()).body(png, image_type),
                        ),
                ),
        )
        .map_err(|error| EmailError::Build(error.to_string()))
}

/// Every sentence of a reminder, per language; `{name}`, `{clinic}`, `{date}`, `{time}`,
/// `{phone}`, `{amount}` are filled in.
struct Words {
    subject_before: &'static str,
    subject_morning: &'static str,
    greeting: &'static str,
    when: &'static str,
    where_label: &'static str,
    code_plain: &'static str,
    code_html: &'static str,
    code_alt: &'static str,
    link_page: &'static str,
    unsubscribe: &'static str,
    bring_title: &'static str,
    bring_card: &'static str,
    bring_id: &'static str,
    bring_copay: &'static str,
    cancel: &'static str,
}

impl Words {
    fn of(language: Language) -> &'static Words {
        match language {
            Language::English => &ENGLISH,
            Language::Spanish => &SPANISH,
        }
    }
}

const ENGLISH: Words = Words {
    subject_before: "Reminder: your visit on {date} at {time}",
    subject_morning: "Today at {time}: your visit to {clinic}",
    greeting: "Hello {name},",
    when: "This is a reminder of your visit to {clinic} on {date} at {time}.",
    where_label: "Where:",
    code_plain: "Your check-in code is the picture in this email: open it in a mail program \
                 that shows pictures and scan it at the check-in screen in the lobby. You can \
                 also check in with your name and date of birth.",
    code_html: "When you arrive, scan this code at the check-in screen in the lobby (show it \
                on your phone or bring this email printed).",
    code_alt: "Your check-in code",
    link_page: "Picture not showing? Open your check-in code here:",
    unsubscribe: "To stop appointment reminders:",
    bring_title: "Please bring:",
    bring_card: "your insurance card",
    bring_id: "a photo ID",
    bring_copay: "your co-pay of {amount}",
    cancel: "To cancel or change your visit, reply to this email or call {phone}.",
};

const SPANISH: Words = Words {
    subject_before: "Recordatorio: su cita el {date} a las {time}",
    subject_morning: "Hoy a las {time}: su cita en {clinic}",
    greeting: "Hola, {name}:",
    when: "Le recordamos su cita en {clinic} el {date} a las {time}.",
    where_label: "Dirección:",
    code_plain: "Su código de registro es la imagen de este correo: ábralo en un programa de \
                 correo que muestre imágenes y escanéelo en la pantalla de registro de la sala \
                 de espera. También puede registrarse con su nombre y fecha de nacimiento.",
    code_html: "Al llegar, escanee este código en la pantalla de registro de la sala de espera \
                (muéstrelo en su teléfono o traiga este correo impreso).",
    code_alt: "Su código de registro",
    link_page: "¿No ve la imagen? Abra aquí su código de registro:",
    unsubscribe: "Para no recibir más recordatorios de citas:",
    bring_title: "Por favor, traiga:",
    bring_card: "su tarjeta del seguro médico",
    bring_id: "una identificación con foto",
    bring_copay: "su copago de {amount}",
    cancel: "Para cancelar o cambiar su cita, responda a este correo o llame al {phone}.",
};

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn clinic() -> Clinic {
        Clinic {
            name: "Demo Family Practice".into(),
            address: "100 Example St, Exampleville, TX 75001".into(),
            phone: "(217) 555-0100".into(),
            from: "Demo Family Practice <reminders@example.invalid>".into(),
            reply_to: None,
        }
    }

    fn ada(language: Language, copay: u32) -> Reminder<'static> {
        Reminder {
            to: "ada.testpatient@example.invalid",
            first_name: "Ada",
            language,
            kind: ReminderKind::DaysBefore,
            day: date(2026, 11, 23),
            starts_at: Time::constant(14, 30, 0, 0),
            copay: Cents::new(copay),
            token: "FD1.token",
            message_id: "R0000000000000001",
            links: None,
        }
    }

    #[test]
    fn links_appear_only_with_a_public_url() {
        let links = crate::office::reminders::links::ReminderLinks {
            code_page: "https://checkin.example.test/r/TOKEN-A".into(),
            unsubscribe: "https://checkin.example.test/u/TOKEN-B".into(),
        };
        let without = texts(&ada(Language::English, 0), &clinic());
        assert!(!without.plain.contains("https://") && !without.html.contains("href"));
        let mut reminder = ada(Language::Spanish, 0);
        reminder.links = Some(&links);
        let with = texts(&reminder, &clinic());
        for part in [&with.plain, &with.html] {
            assert!(
                part.contains("https://checkin.example.test/r/TOKEN-A"),
                "{part}"
            );
            assert!(
                part.contains("https://checkin.example.test/u/TOKEN-B"),
                "{part}"
            );
            assert!(part.contains("Abra aquí su código"), "{part}");
        }
        assert!(
            with.html
                .contains("<a href=\"https://checkin.example.test/u/TOKEN-B\">")
        );
    }

    #[test]
    fn english_and_spanish_say_the_same_things_in_their_own_words() {
        let en = texts(&ada(Language::English, 2500), &clinic());
        assert_eq!(
            en.subject,
            "Reminder: your visit on Monday, November 23 at 2:30 PM"
        );
        for part in [&en.plain, &en.html] {
            assert!(part.contains("Hello Ada,"), "{part}");
            assert!(part.contains("100 Example St"), "{part}");
            assert!(part.contains("(217) 555-0100"), "{part}");
            assert!(part.contains("your co-pay of $25.00"), "{part}");
            assert!(part.contains("a photo ID"), "{part}");
        }
        assert!(en.html.contains("src=\"cid:checkin-code\""));
        let es = texts(&ada(Language::Spanish, 0), &clinic());
        assert_eq!(
            es.subject,
            "Recordatorio: su cita el lunes 23 de noviembre a las 14:30"
        );
        assert!(es.plain.contains("Hola, Ada:"));
        assert!(
            es.plain
                .contains("responda a este correo o llame al (217) 555-0100")
        );
        assert!(!es.plain.contains("copago"), "no co-pay, none mentioned");
        assert!(es.html.starts_with("<!DOCTYPE html>\n<html lang=\"es\">"));
        // Every sentence differs between the languages (none left untranslated), apart
        // from the names and numbers filled in.
        for (english, spanish) in [
            (ENGLISH.subject_before, SPANISH.subject_before),
            (ENGLISH.subject_morning, SPANISH.subject_morning),
            (ENGLISH.greeting, SPANISH.greeting),
            (ENGLISH.when, SPANISH.when),
            (ENGLISH.where_label, SPANISH.where_label),
            (ENGLISH.code_plain, SPANISH.code_plain),
            (ENGLISH.code_html, SPANISH.code_html),
            (ENGLISH.code_alt, SPANISH.code_alt),
            (ENGLISH.link_page, SPANISH.link_page),
            (ENGLISH.unsubscribe, SPANISH.unsubscribe),
            (ENGLISH.bring_title, SPANISH.bring_title),
            (ENGLISH.bring_card, SPANISH.bring_card),
            (ENGLISH.bring_id, SPANISH.bring_id),
            (ENGLISH.bring_copay, SPANISH.bring_copay),
            (ENGLISH.cancel, SPANISH.cancel),
        ] {
            assert_ne!(english, spanish);
        }
    }

    #[test]
    fn names_are_escaped_in_html_and_a_bad_address_is_refused() {
        let mut clinic = clinic();
        clinic.name = "Smith & <Sons>".into();
        let mut reminder = ada(Language::English, 0);
        reminder.kind = ReminderKind::Morning;
        let t = texts(&reminder, &clinic);
        assert!(t.html.contains("Smith &amp; &lt;Sons&gt;"));
        assert!(!t.html.contains("<Sons>"));
        assert_eq!(t.subject, "Today at 2:30 PM: your visit to Smith & <Sons>");
        reminder.to = "not an address";
        assert!(matches!(
            build(&reminder, &clinic),
            Err(EmailError::BadAddress)
        ));
    }

    #[test]
    fn the_message_carries_both_parts_and_the_png() {
        let message = build(&ada(Language::English, 0), &clinic()).unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(text.contains("multipart/alternative"));
        assert!(text.contains("multipart/related"));
        assert!(text.contains("Content-Type: image/png"));
        assert!(text.contains("Content-ID: <checkin-code>"));
        assert!(text.contains("Message-ID: <R0000000000000001@example.invalid>"));
    }
}
