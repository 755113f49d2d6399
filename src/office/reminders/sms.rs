//! The text-message reminder and the gateway it goes through.
//!
//! A text cannot carry the QR image, so it carries the appointment's short check-in code
//! ([`crate::domain::ShortCode`]) that the patient types at the kiosk. The minimum
//! necessary: the first name, the visit's day and time, the clinic's name and address, the
//! code, how to cancel and how to stop reminders; never the provider or anything from the
//! chart. In the patient's language.
//!
//! [`SmsGateway`] is what the sender needs of a gateway; [`HttpGateway`] speaks the
//! widely copied Messages API shape (Twilio's): a form POST of `To`, `From` and `Body` to
//! `{base}/2010-04-01/Accounts/{account}/Messages.json` with HTTP basic auth. Nothing of a
//! message's number or words is logged, and errors carry only the gateway's status code.
//! Where `status_callback` is configured, each text asks the gateway to report its
//! delivery there ([`super::delivery`]).

use super::ReminderKind;
use crate::domain::{Language, PhoneNumber, ShortCode};
use crate::office::config::SmsConfig;
use crate::wording::{clock_time, long_date};
use jiff::civil::{Date, Time};
use std::time::Duration;

/// Why a text did not go. Carries no number or text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    #[error("text gateway unreachable")]
    Unreachable,
    #[error("text gateway timed out")]
    TimedOut,
    /// The gateway refused this message for good (a number it cannot text, say).
    #[error("text gateway refused it ({0})")]
    Refused(u16),
    /// The gateway could not take it now (busy, rate limit, its own trouble, or our
    /// credentials refused: nothing the patient's number can fix).
    #[error("text gateway answered {0}")]
    Busy(u16),
}

impl SmsError {
    /// Whether trying again cannot help.
    pub fn is_permanent(self) -> bool {
        matches!(self, SmsError::Refused(_))
    }
}

/// One text to send. PHI: never log it.
pub struct TextMessage<'a> {
    pub to: &'a PhoneNumber,
    pub body: &'a str,
    /// The reminder's id, the same on every try: sent as `Idempotency-Key`, so a gateway
    /// that honours it drops a resend after a crash.
    pub reference: &'a str,
}

/// What the reminder sender needs of an SMS gateway. Blocking: called from the sender's
/// blocking task.
pub trait SmsGateway: Send + Sync {
    fn send(&self, message: &TextMessage<'_>) -> Result<(), SmsError>;
}

/// A gateway speaking the Messages API shape over HTTPS (plain HTTP only to loopback; the
/// configuration checks it).
pub struct HttpGateway {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
    url: String,
    account: String,
    token: String,
    from: PhoneNumber,
    /// Where the gateway is asked to report delivery (`[reminders.sms] status_callback`).
    status_callback: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum GatewaySetupError {
    #[error("[reminders.sms] is incomplete")]
    Incomplete,
    #[error("cannot make the HTTP client: {0}")]
    Client(String),
}

impl HttpGateway {
    /// From `[reminders.sms]`; `runtime` runs the requests (the sender blocks on them).
    pub fn new(
        config: &SmsConfig,
        timeout: Duration,
        runtime: tokio::runtime::Handle,
    ) -> Result<Self, GatewaySetupError> {
        let (Some(base), Some(token)) = (&config.base_url, &config.token) else {
            return Err(GatewaySetupError::Incomplete);
        };
        let from = PhoneNumber::parse(&config.from).map_err(|_| GatewaySetupError::Incomplete)?;
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| GatewaySetupError::Client(e.to_string()))?;
        Ok(Self {
            client,
            runtime,
            url: format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                base.trim_end_matches('/'),
                config.account
            ),
            account: config.account.clone(),
            token: token.clone(),
            from,
            status_callback: config.status_callback.clone(),
        })
    }
}

/// A NANP number as the gateway wants it: `+1` and the ten digits.
fn e164(number: &PhoneNumber) -> String {
    format!("+1{}", number.digits())
}

impl SmsGateway for HttpGateway {
    fn send(&self, message: &TextMessage<'_>) -> Result<(), SmsError> {
        let mut form = vec![
            ("To", e164(message.to)),
            ("From", e164(&self.from)),
            ("Body", message.body.to_owned()),
        ];
        // The report names the reminder by its id (random, no PHI), so the hub needs no
        // record of the gateway's own message id.
        if let Some(url) = &self.status_callback {
            form.push((
                "StatusCallback",
                format!("{url}?reminder={}", message.reference),
            ));
        }
        let request = self
            .client
            .post(&self.url)
            .basic_auth(&self.account, Some(&self.token))
            .header("Idempotency-Key", message.reference)
            .form(&form)
            .send();
        let response = self.runtime.block_on(request).map_err(|error| {
            if error.is_timeout() {
                SmsError::TimedOut
            } else {
                SmsError::Unreachable
            }
        })?;
        let status = response.status().as_u16();
        match status {
            200..=299 => Ok(()),
            401 | 403 | 408 | 409 | 429 | 500..=599 => Err(SmsError::Busy(status)),
            _ => Err(SmsError::Refused(status)),
        }
    }
}

/// One text reminder to write. PHI: never log it.
pub struct TextReminder<'a> {
    pub first_name: &'a str,
    pub language: Language,
    pub kind: ReminderKind,
    pub day: Date,
    pub starts_at: Time,
    pub code: &'a ShortCode,
    /// The code page's link, when the hub has a `public_url`.
    pub link: Option<&'a str>,
}

/// What a text says about the place.
pub struct TextClinic<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub phone: &'a str,
}

/// The text, in the patient's language.
pub fn text(reminder: &TextReminder<'_>, clinic: &TextClinic<'_>) -> String {
    let language = reminder.language;
    let w = match language {
        Language::English => &ENGLISH,
        Language::Spanish => &SPANISH,
    };
    let when = match reminder.kind {
        ReminderKind::DaysBefore => w
            .on_day
            .replace("{date}", &long_date(reminder.day, language)),
        ReminderKind::Morning => w.today.to_owned(),
    };
    w.body
        .replace("{when}", &when)
        .replace("{name}", reminder.first_name)
        .replace("{clinic}", clinic.name)
        .replace("{time}", &clock_time(reminder.starts_at, language))
        .replace("{address}", clinic.address)
        .replace("{phone}", clinic.phone)
        .replace("{code}", &reminder.code.grouped())
        .replace(
            "{link}",
            &reminder
                .link
                .map(|link| w.link.replace("{url}", link))
                .unwrap_or_default(),
        )
}

/// A text's sentences per language; `{…}` are filled in.
struct Words {
    body: &'static str,
    on_day: &'static str,
    today: &'static str,
    /// Added after the code when there is a code page; `{url}` is its link.
    link: &'static str,
}

// The button named here is the kiosk's welcome button ("Code from my text" /
// "Código del mensaje"), so the patient finds it by the same words.
const ENGLISH: Words = Words {
    body: "Hello {name}, your visit to {clinic} is {when} at {time}, {address}. \
           To check in, tap \"Code from my text\" on the screen in the lobby and type {code}.{link} \
           To cancel, call {phone}. Reply STOP to end reminders.",
    on_day: "on {date}",
    today: "today",
    link: " Or scan your code from {url}",
};

const SPANISH: Words = Words {
    body: "Hola, {name}: su cita en {clinic} es {when} a las {time}, {address}. \
           Para registrarse, toque «Código del mensaje» en la pantalla de la sala de espera \
           y escriba {code}.{link} Para cancelar, llame al {phone}. Responda ALTO para no recibir \
           más recordatorios.",
    on_day: "el {date}",
    today: "hoy",
    link: " O escanee su código desde {url}",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AppointmentId;
    use jiff::civil::date;

    fn clinic() -> TextClinic<'static> {
        TextClinic {
            name: "Demo Family Practice",
            address: "100 Example St, Exampleville",
            phone: "(217) 555-0100",
        }
    }

    #[test]
    fn the_text_says_the_minimum_in_the_patients_language() {
        let code = ShortCode::derive(&[1; 32], AppointmentId::new(5));
        let mut reminder = TextReminder {
            first_name: "Ada",
            language: Language::English,
            kind: ReminderKind::DaysBefore,
            day: date(2026, 11, 23),
            starts_at: Time::constant(14, 30, 0, 0),
            code: &code,
            link: None,
        };
        let en = text(&reminder, &clinic());
        assert!(!en.contains("http"), "{en}");
        assert!(
            en.starts_with(
                "Hello Ada, your visit to Demo Family Practice is on Monday, November 23 at \
                 2:30 PM, 100 Example St, Exampleville."
            ),
            "{en}"
        );
        assert!(en.contains(&format!("type {}.", code.grouped())), "{en}");
        assert!(en.contains("Reply STOP"));
        reminder.language = Language::Spanish;
        reminder.kind = ReminderKind::Morning;
        let es = text(&reminder, &clinic());
        assert!(
            es.starts_with("Hola, Ada: su cita en Demo Family Practice es hoy a las 14:30"),
            "{es}"
        );
        assert!(es.contains(&code.grouped()));
        assert!(es.contains("Responda ALTO"));
        assert_ne!(ENGLISH.body, SPANISH.body);
        assert_ne!(ENGLISH.link, SPANISH.link);
        reminder.link = Some("https://checkin.example.test/r/TOKEN");
        let linked = text(&reminder, &clinic());
        assert!(
            linked.contains(&format!(
                "escriba {}. O escanee su código desde https://checkin.example.test/r/TOKEN Para cancelar",
                code.grouped()
            )),
            "{linked}"
        );
    }

    #[test]
    fn refusals_are_permanent_and_trouble_is_not() {
        assert!(SmsError::Refused(400).is_permanent());
        assert!(!SmsError::Busy(503).is_permanent());
        assert!(!SmsError::Unreachable.is_permanent());
        assert_eq!(
            e164(&PhoneNumber::parse("(217) 555-0123").unwrap()),
            "+12175550123"
        );
    }
}
