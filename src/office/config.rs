//! `office.toml`: every setting has a default that works on a laptop.

use crate::domain::{ClinicId, KioskId, SexOptions};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    File(#[from] crate::config_file::FileError),
    #[error("unknown time zone {0:?}")]
    TimeZone(String),
    #[error("kiosk {0} has a token shorter than 16 characters")]
    WeakKioskToken(KioskId),
    #[error("two kiosks share the id {0}")]
    DuplicateKiosk(KioskId),
    #[error("{0}")]
    Database(String),
    #[error("[forms] canonical_base: {0}")]
    CanonicalBase(#[from] crate::questionnaire::fhir::FhirError),
    #[error("[hl7] {0}")]
    Hl7(&'static str),
    #[error("[fhir] {0}")]
    Fhir(&'static str),
    #[error("[pairing] code_lifetime_secs must be 1-3600")]
    Pairing,
    #[error("[eligibility] {key}: {reason}")]
    Eligibility { key: &'static str, reason: String },
    #[error(
        "listen = {0} is not a loopback address: add a [tls] section so the hub serves HTTPS (plain HTTP stays on this machine)"
    )]
    PlainHttpNotLoopback(SocketAddr),
    #[error("[tls] needs both cert and key, or neither (a self-signed certificate is made)")]
    TlsHalfConfigured,
    #[error("[reminders] {0}")]
    Reminders(&'static str),
    #[error("[retention] {0}")]
    Retention(#[from] super::retention::RetentionConfigError),
}

/// `[forms]`: the consent documents and questionnaires published to kiosks.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FormsConfig {
    /// A folder with `consent/*.md` and `questionnaires/*.toml`. Absent, or a subfolder
    /// missing or empty: the shipped files for that subfolder.
    pub dir: Option<PathBuf>,
    /// The questionnaire ids patients answer at check-in, in the order asked.
    pub ask: Vec<String>,
    /// Where the published FHIR Questionnaires live (`{base}/Questionnaire/{id}`).
    pub canonical_base: String,
}

impl Default for FormsConfig {
    fn default() -> Self {
        Self {
            dir: None,
            ask: vec!["reason-for-visit".into(), "phq-9".into()],
            canonical_base: super::forms::DEFAULT_CANONICAL_BASE.into(),
        }
    }
}

/// `[insurance]`: what kiosks need to take insurance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InsuranceConfig {
    /// The payer list, a CSV file `payer_id,name` (a header line, then one payer a line).
    /// Absent: the shipped synthetic payers the clearinghouse simulator knows.
    pub payers: Option<PathBuf>,
    /// A folder of trusted SMART Health Card issuers: one `*.json` file each, a JWKS
    /// document (`{"keys": [...]}`) with the issuer's URL added as `"iss"`. Absent: none.
    pub shc_issuers_dir: Option<PathBuf>,
}

/// `[eligibility]`: the clearinghouse the office asks, and who it says it is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EligibilityConfig {
    /// Where 270s are POSTed. Absent: no checks, every coverage is "not verified".
    pub clearinghouse_url: Option<String>,
    /// The longest a check may take, connection to last byte (100-60000).
    pub timeout_ms: u64,
    /// The practice's National Provider Identifier (10 digits with its check digit).
    pub practice_npi: String,
    /// The practice's name as the payer knows it.
    pub practice_name: String,
    /// The X12 service type code asked about for a visit (98: office visit).
    pub service_type: String,
    /// ISA06 / GS02: the office's interchange sender id.
    pub sender_id: String,
    /// ISA08 / GS03: the clearinghouse's receiver id.
    pub receiver_id: String,
    /// ISA15: `true` marks interchanges as production data, `false` as test data.
    pub production: bool,
}

impl Default for EligibilityConfig {
    fn default() -> Self {
        Self {
            clearinghouse_url: None,
            timeout_ms: 5000,
            // A synthetic NPI with a valid check digit (the CMS documentation's example).
            practice_npi: "1234567893".into(),
            practice_name: "Demo Family Practice".into(),
            service_type: "98".into(),
            sender_id: "FRONTDESK".into(),
            receiver_id: "TESTCLEARING".into(),
            production: false,
        }
    }
}

/// `[hl7]`: the EHR interface over HL7 v2 / MLLP (issue 14). Off unless `listen` or
/// `peer` is set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Hl7Config {
    /// Where SIU^S12–S15 arrive (e.g. `127.0.0.1:2575`). Absent: no listener. Loopback
    /// only: MLLP has neither encryption nor authentication, so an EHR on another machine
    /// reaches it through a TLS tunnel (stunnel, or the interface engine's own) that ends
    /// here.
    pub listen: Option<SocketAddr>,
    /// Where ADT^A04 / A08 go, `host:port`. Absent: nothing is queued or sent.
    pub peer: Option<String>,
    /// MLLP over TLS to `peer` (TLS 1.2 or 1.3), trusting `peer_ca_file` or
    /// `peer_fingerprint`; one of them is required.
    pub tls: bool,
    /// PEM file of the CA certificate(s) that issue the peer's certificate; the
    /// certificate must name `peer_server_name` (or the peer's host).
    pub peer_ca_file: Option<std::path::PathBuf>,
    /// The SHA-256 fingerprint of the peer's own certificate (`AB:CD:…`): exactly that
    /// certificate is trusted, whoever issued it and whatever names it carries.
    pub peer_fingerprint: Option<crate::tls::Fingerprint>,
    /// The name the peer's certificate is checked against (and sent as SNI), when it is
    /// not `peer`'s host.
    pub peer_server_name: Option<String>,
    /// MSH-3 / MSH-4 of what we send.
    pub sending_application: String,
    pub sending_facility: String,
    /// MSH-5 / MSH-6 of what we send.
    pub receiving_application: String,
    pub receiving_facility: String,
    /// How long the peer has to connect and to acknowledge a message (100-120000).
    pub ack_timeout_ms: u64,
    /// The longest wait between tries of a message or a connection (100-3600000).
    pub max_backoff_ms: u64,
}

impl Default for Hl7Config {
    fn default() -> Self {
        Self {
            listen: None,
            peer: None,
            tls: false,
            peer_ca_file: None,
            peer_fingerprint: None,
            peer_server_name: None,
            sending_application: "FRONTDESK".into(),
            sending_facility: "FRONTDESK".into(),
            receiving_application: "EHR".into(),
            receiving_facility: "EHR".into(),
            ack_timeout_ms: 10_000,
            max_backoff_ms: 60_000,
        }
    }
}

/// What the hub writes to the FHIR server on arrival (`[fhir] write`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FhirWrite {
    /// `Appointment.status = arrived` (appointments pulled from the server only).
    Appointment,
    /// The patient's `Patient`: updated with the contact details on file, or created for
    /// a new patient.
    Patient,
    /// A new `Encounter` (status arrived) for the visit.
    Encounter,
    /// The patient's answers to each intake questionnaire, as `QuestionnaireResponse`.
    QuestionnaireResponse,
    /// The patient's insurance plans, one `Coverage` each, as they gave them at this visit.
    Coverage,
    /// Each document the patient signed at this visit, as a `Consent`.
    Consent,
}

/// `[fhir]`: the EHR interface over FHIR R4 (issue 14). Off unless `base_url` is set.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FhirConfig {
    /// The server's base URL (`https://ehr.example/fhir/R4`). `http://` only to a loopback
    /// host (a local interface engine): the token and patient data cross the wire.
    pub base_url: Option<String>,
    /// Sent as `Authorization: Bearer …` with every request. Absent: none.
    pub bearer_token: Option<String>,
    /// How often today's appointments are pulled, in seconds (1-86400); 0: never (the
    /// schedule comes another way, and only arrivals are written).
    pub pull_every_secs: u64,
    /// What is written on arrival.
    pub write: Vec<FhirWrite>,
    /// The system of the practice's patient numbers in `Patient.identifier`.
    pub patient_identifier_system: String,
    /// The system of payer ids in `Coverage.payor.identifier`.
    pub payer_identifier_system: String,
    /// `Consent.scope` of each consent document, by document id; a document not named is
    /// `treatment`.
    pub consent_scopes: std::collections::BTreeMap<String, crate::fhir::write::ConsentScope>,
    /// How long one request may take, connection to last byte (100-120000).
    pub timeout_ms: u64,
    /// The longest wait between tries of a write (100-3600000).
    pub max_backoff_ms: u64,
}

impl Default for FhirConfig {
    fn default() -> Self {
        Self {
            base_url: None,
            bearer_token: None,
            pull_every_secs: 300,
            write: vec![
                FhirWrite::Appointment,
                FhirWrite::Patient,
                FhirWrite::QuestionnaireResponse,
                FhirWrite::Coverage,
                FhirWrite::Consent,
            ],
            patient_identifier_system: "urn:frontdesk:patient-number".into(),
            payer_identifier_system: "urn:frontdesk:payer-id".into(),
            // The shipped privacy notice; the practice names its own documents.
            consent_scopes: [(
                "privacy-notice".to_owned(),
                crate::fhir::write::ConsentScope::PatientPrivacy,
            )]
            .into(),
            timeout_ms: 10_000,
            max_backoff_ms: 60_000,
        }
    }
}

impl std::fmt::Debug for FhirConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FhirConfig")
            .field("base_url", &self.base_url)
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| "<secret>"),
            )
            .field("pull_every_secs", &self.pull_every_secs)
            .field("write", &self.write)
            .finish_non_exhaustive()
    }
}

impl FhirConfig {
    pub fn writes(&self, what: FhirWrite) -> bool {
        self.base_url.is_some() && self.write.contains(&what)
    }

    /// The `Consent.scope` of consent document `document`.
    pub fn consent_scope(&self, document: &str) -> crate::fhir::write::ConsentScope {
        self.consent_scopes
            .get(document)
            .copied()
            .unwrap_or(crate::fhir::write::ConsentScope::Treatment)
    }
}

/// How the hub talks to its mail server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only to a mail server on this machine (a local relay).
    None,
}

/// `[reminders]`: appointment reminders by email (issue 16). Off unless `smtp_host` is set.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemindersConfig {
    /// The mail server. Absent: no reminders are queued or sent.
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    pub smtp_security: SmtpSecurity,
    /// Sign-in at the mail server; both or neither.
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    /// The sender, e.g. `Demo Family Practice <reminders@clinic.example>`.
    pub from: String,
    /// Where replies go (a patient cancelling by email), if not to `from`.
    pub reply_to: Option<String>,
    /// The first reminder goes this many days before the visit (0-30; 0: none).
    pub days_before: u8,
    /// At this time of day (clinic time).
    pub days_before_at: jiff::civil::Time,
    /// Whether a second reminder goes on the morning of the visit.
    pub morning: bool,
    /// At this time of day (clinic time).
    pub morning_at: jiff::civil::Time,
    /// At most this many emails a minute (1-6000), kept to the mail provider's limits.
    pub per_minute: u32,
    /// Tries of one reminder before it is marked failed (1-20).
    pub max_attempts: u32,
    /// The longest wait between tries of a reminder (100-86400000).
    pub max_backoff_ms: u64,
    /// How long the mail server has for each step of the conversation (100-120000).
    pub timeout_ms: u64,
    /// What the reminder names as the place: the clinic's street address.
    pub clinic_address: String,
    /// The clinic's phone, for questions and cancelling.
    pub clinic_phone: String,
    /// The hub's address as patients' phones reach it (e.g. behind a reverse proxy).
    /// Set: each email carries a link to a page with the check-in QR and an unsubscribe
    /// link, each text the page's link. Absent: no links.
    pub public_url: Option<PublicUrl>,
    /// At most this many requests a minute to the public link pages, from everyone
    /// together (1-6000; a burst of as many is allowed): more get "try again in a minute".
    pub public_pages_per_minute: u32,
    /// `[reminders.sms]`: text-message reminders through an SMS gateway.
    pub sms: SmsConfig,
}

/// The hub's public base URL: `https://` with a host (or `http://` to this machine, for
/// tests), no query or fragment; kept without a trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        if !web_url_ok(url) || url.contains(['?', '#']) {
            return Err(ConfigError::Reminders(
                "public_url must be an https URL without query (plain http only to this machine)",
            ));
        }
        Ok(Self(url.trim_end_matches('/').to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PublicUrl {
    type Error = ConfigError;

    fn try_from(url: String) -> Result<Self, Self::Error> {
        Self::parse(&url)
    }
}

/// `[reminders.sms]`: text-message reminders through an HTTP SMS gateway speaking the
/// widely copied Messages API shape (form POST to
/// `{base_url}/2010-04-01/Accounts/{account}/Messages.json`, HTTP basic auth
/// `account:token`). Off unless `base_url` is set.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsConfig {
    /// The gateway, e.g. `https://api.twilio.com`; plain `http` only to this machine.
    pub base_url: Option<String>,
    /// The account id at the gateway (letters and digits).
    pub account: String,
    /// The account's secret token.
    pub token: Option<String>,
    /// The number texts come from, e.g. `+12175550100`.
    pub from: String,
    /// A shared secret a relay in front of the hub may present
    /// (`Authorization: Bearer …`) on `POST /api/sms/v1/inbound` and `/status`, beside
    /// the gateway's own request signature (keyed with `token`, over `public_url`'s reply
    /// path or `status_callback`). At least 16 characters.
    pub reply_secret: Option<String>,
    /// Where the gateway reports delivery (`POST /api/sms/v1/status` as the gateway
    /// reaches it, e.g. `https://hub.clinic.example/api/sms/v1/status`): sent with each
    /// text as `StatusCallback` (with `?reminder=<id>` added); the report is
    /// authenticated like replies. Absent: no delivery reports are asked for.
    pub status_callback: Option<String>,
}

impl Default for SmsConfig {
    fn default() -> Self {
        Self {
            base_url: None,
            account: String::new(),
            token: None,
            from: "+12175550100".into(),
            reply_secret: None,
            status_callback: None,
        }
    }
}

impl std::fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsConfig")
            .field("base_url", &self.base_url)
            .field("account", &self.account)
            .field("token", &self.token.as_ref().map(|_| "<secret>"))
            .field("from", &self.from)
            .field(
                "reply_secret",
                &self.reply_secret.as_ref().map(|_| "<secret>"),
            )
            .field("status_callback", &self.status_callback)
            .finish()
    }
}

impl SmsConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |reason| Err(ConfigError::Reminders(reason));
        if self
            .reply_secret
            .as_ref()
            .is_some_and(|s| s.chars().count() < 16)
        {
            return bad("sms.reply_secret must be at least 16 characters");
        }
        if let Some(url) = &self.status_callback {
            if self.reply_secret.is_none() && self.token.is_none() {
                return bad(
                    "sms.status_callback needs sms.token or sms.reply_secret (reports are authenticated by the gateway's signature or the secret)",
                );
            }
            if !web_url_ok(url) || url.contains(['?', '#']) {
                return bad(
                    "sms.status_callback must be an https URL without query (plain http only to this machine)",
                );
            }
        }
        let Some(base) = &self.base_url else {
            return Ok(());
        };
        let host = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .map(|rest| rest.split(['/', ':']).next().unwrap_or_default());
        match host {
            None | Some("") => return bad("sms.base_url must be an http(s) URL"),
            Some(host) if base.starts_with("http://") && !is_loopback_host(host) => {
                return bad("sms.base_url must use https (plain http only to this machine)");
            }
            Some(_) => {}
        }
        if self.account.is_empty()
            || self.account.len() > 64
            || !self.account.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return bad("sms.account must be 1-64 letters and digits");
        }
        if self.token.as_deref().is_none_or(str::is_empty) {
            return bad("sms.token is needed with sms.base_url");
        }
        if crate::domain::PhoneNumber::parse(&self.from).is_err() {
            return bad("sms.from must be a phone number, e.g. +12175550100");
        }
        Ok(())
    }
}

impl Default for RemindersConfig {
    fn default() -> Self {
        Self {
            smtp_host: None,
            smtp_port: 587,
            smtp_security: SmtpSecurity::Starttls,
            smtp_username: None,
            smtp_password: None,
            from: "Demo Family Practice <reminders@example.invalid>".into(),
            reply_to: None,
            days_before: 2,
            days_before_at: jiff::civil::Time::constant(10, 0, 0, 0),
            morning: true,
            morning_at: jiff::civil::Time::constant(7, 0, 0, 0),
            per_minute: 30,
            max_attempts: 6,
            max_backoff_ms: 15 * 60 * 1000,
            timeout_ms: 30_000,
            clinic_address: "100 Example St, Exampleville, TX 75001".into(),
            clinic_phone: "(217) 555-0100".into(),
            public_url: None,
            public_pages_per_minute: 120,
            sms: SmsConfig::default(),
        }
    }
}

impl std::fmt::Debug for RemindersConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemindersConfig")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_security", &self.smtp_security)
            .field("smtp_username", &self.smtp_username)
            .field(
                "smtp_password",
                &self.smtp_password.as_ref().map(|_| "<secret>"),
            )
            .field("from", &self.from)
            .field("days_before", &self.days_before)
            .field("morning", &self.morning)
            .field("per_minute", &self.per_minute)
            .field("public_url", &self.public_url)
            .field("public_pages_per_minute", &self.public_pages_per_minute)
            .field("sms", &self.sms)
            .finish_non_exhaustive()
    }
}

impl RemindersConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |reason| Err(ConfigError::Reminders(reason));
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            return bad(
                "from must be an email address, optionally with a name: Name <a@b.example>",
            );
        }
        if self
            .reply_to
            .as_deref()
            .is_some_and(|r| r.parse::<lettre::message::Mailbox>().is_err())
        {
            return bad("reply_to must be an email address");
        }
        if self.smtp_username.is_some() != self.smtp_password.is_some() {
            return bad("smtp_username and smtp_password go together");
        }
        if let Some(host) = &self.smtp_host {
            if host.is_empty() || host.contains(char::is_whitespace) {
                return bad("smtp_host must be a host name or address");
            }
            if self.smtp_security == SmtpSecurity::None && !is_loopback_host(host) {
                return bad(
                    "smtp_security = \"none\" only for a mail server on this machine (reminders carry patient data)",
                );
            }
        }
        if self.days_before > 30 {
            return bad("days_before must be 0-30");
        }
        if !(1..=6000).contains(&self.per_minute) {
            return bad("per_minute must be 1-6000");
        }
        if !(1..=6000).contains(&self.public_pages_per_minute) {
            return bad("public_pages_per_minute must be 1-6000");
        }
        if !(1..=20).contains(&self.max_attempts) {
            return bad("max_attempts must be 1-20");
        }
        if !(100..=86_400_000).contains(&self.max_backoff_ms) {
            return bad("max_backoff_ms must be 100-86400000");
        }
        if !(100..=120_000).contains(&self.timeout_ms) {
            return bad("timeout_ms must be 100-120000");
        }
        let line_ok = |text: &str| {
            !text.is_empty() && text.chars().count() <= 200 && !text.chars().any(char::is_control)
        };
        if !line_ok(&self.clinic_address) || !line_ok(&self.clinic_phone) {
            return bad("clinic_address and clinic_phone must be 1-200 characters on one line");
        }
        self.sms.validate()
    }
}

/// An `https://` URL with a host, or `http://` to this machine.
fn web_url_ok(url: &str) -> bool {
    let host = |rest: &str| {
        rest.split(['/', ':', '?', '#'])
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => !host(rest).is_empty(),
        (None, Some(rest)) => is_loopback_host(&host(rest)),
        (None, None) => false,
    }
}

fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A kiosk allowed to call the API, with its secret.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskEntry {
    pub id: KioskId,
    pub token: String,
}

impl std::fmt::Debug for KioskEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KioskEntry")
            .field("id", &self.id)
            .field("token", &"<secret>")
            .finish()
    }
}

/// The whole office configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OfficeConfig {
    /// Address to listen on; loopback unless the office opens it up on purpose.
    pub listen: SocketAddr,
    /// Database, signing key.
    pub data_dir: PathBuf,
    pub clinic_id: ClinicId,
    pub clinic_name: String,
    /// IANA zone of the clinic; empty means the system's.
    pub timezone: String,
    pub kiosks: Vec<KioskEntry>,
    /// The sex / gender choices of the registration form, each `{ code, english,
    /// spanish }` (`[[sex_options]]` tables), in the order kiosks show them.
    pub sex_options: SexOptions,
    /// Consent documents and questionnaires (`[forms]`).
    pub forms: FormsConfig,
    /// Payer list and trusted SMART Health Card issuers (`[insurance]`).
    pub insurance: InsuranceConfig,
    /// The clearinghouse for eligibility checks (`[eligibility]`).
    pub eligibility: EligibilityConfig,
    /// Staff sessions and failed-login lockout (`[staff]`).
    pub staff: super::signin::StaffConfig,
    /// HTTPS (`[tls]`); absent: plain HTTP, allowed on a loopback `listen` only.
    pub tls: Option<super::tls::TlsConfig>,
    /// The EHR interface over HL7 v2 (`[hl7]`).
    pub hl7: Hl7Config,
    /// The EHR interface over FHIR R4 (`[fhir]`).
    pub fhir: FhirConfig,
    /// Appointment reminders by email (`[reminders]`).
    pub reminders: RemindersConfig,
    /// Pairing kiosks from the staff page (`[pairing]`).
    pub pairing: super::pairing::PairingConfig,
    /// How long check-in PHI stays on the hub (`[retention]`).
    pub retention: super::retention::RetentionConfig,
    /// PostgreSQL instead of the SQLite file (`[database]`).
    pub database: super::store::DatabaseConfig,
}

impl Default for OfficeConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8480)),
            data_dir: PathBuf::from("/var/lib/frontdesk/office"),
            clinic_id: ClinicId::new(1).expect("1 is a valid clinic id"),
            clinic_name: "Demo Family Practice".into(),
            timezone: String::new(),
            kiosks: Vec::new(),
            sex_options: SexOptions::default(),
            forms: FormsConfig::default(),
            insurance: InsuranceConfig::default(),
            eligibility: EligibilityConfig::default(),
            staff: super::signin::StaffConfig::default(),
            tls: None,
            hl7: Hl7Config::default(),
            fhir: FhirConfig::default(),
            reminders: RemindersConfig::default(),
            pairing: super::pairing::PairingConfig::default(),
            retention: super::retention::RetentionConfig::default(),
            database: super::store::DatabaseConfig::default(),
        }
    }
}

impl OfficeConfig {
    /// Reads a TOML file; a missing file at the default path means defaults.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let config: Self = crate::config_file::load_toml(path)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what serde cannot: zone names, token strength, unique kiosks.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.time_zone()?;
        crate::questionnaire::fhir::CanonicalBase::new(&self.forms.canonical_base)?;
        crate::office::coverage::EligibilitySettings::from_config(&self.eligibility)?;
        self.check_transport()?;
        self.validate_hl7()?;
        self.reminders.validate()?;
        self.validate_fhir()?;
        if !self.pairing.is_valid() {
            return Err(ConfigError::Pairing);
        }
        self.retention.validate()?;
        self.database.validate().map_err(ConfigError::Database)?;
        let mut seen = std::collections::HashSet::new();
        for kiosk in &self.kiosks {
            if kiosk.token.len() < 16 {
                return Err(ConfigError::WeakKioskToken(kiosk.id.clone()));
            }
            if !seen.insert(&kiosk.id) {
                return Err(ConfigError::DuplicateKiosk(kiosk.id.clone()));
            }
        }
        Ok(())
    }

    /// Plain HTTP carries patient data in the clear: only on this machine.
    fn check_transport(&self) -> Result<(), ConfigError> {
        match &self.tls {
            Some(tls) if !tls.is_consistent() => Err(ConfigError::TlsHalfConfigured),
            Some(_) => Ok(()),
            None if self.listen.ip().is_loopback() => Ok(()),
            None => Err(ConfigError::PlainHttpNotLoopback(self.listen)),
        }
    }

    fn validate_hl7(&self) -> Result<(), ConfigError> {
        let hl7 = &self.hl7;
        if hl7.listen.is_some_and(|listen| !listen.ip().is_loopback()) {
            return Err(ConfigError::Hl7(
                "listen must be a loopback address: MLLP is neither encrypted nor authenticated (put a TLS tunnel in front)",
            ));
        }
        if !(100..=120_000).contains(&hl7.ack_timeout_ms) {
            return Err(ConfigError::Hl7("ack_timeout_ms must be 100-120000"));
        }
        if !(100..=3_600_000).contains(&hl7.max_backoff_ms) {
            return Err(ConfigError::Hl7("max_backoff_ms must be 100-3600000"));
        }
        if hl7
            .peer
            .as_deref()
            .is_some_and(|p| p.rsplit_once(':').is_none())
        {
            return Err(ConfigError::Hl7("peer must be host:port"));
        }
        let trusts = hl7.peer_ca_file.is_some() || hl7.peer_fingerprint.is_some();
        if hl7.tls && !trusts {
            return Err(ConfigError::Hl7(
                "tls = true needs peer_ca_file or peer_fingerprint (what to trust)",
            ));
        }
        if !hl7.tls && (trusts || hl7.peer_server_name.is_some()) {
            return Err(ConfigError::Hl7(
                "peer_ca_file, peer_fingerprint and peer_server_name need tls = true",
            ));
        }
        let names = [
            &hl7.sending_application,
            &hl7.sending_facility,
            &hl7.receiving_application,
            &hl7.receiving_facility,
        ];
        if names.iter().any(|n| {
            n.is_empty()
                || n.len() > 40
                || n.chars().any(|c| c.is_control() || "|^~\\&".contains(c))
        }) {
            return Err(ConfigError::Hl7(
                "application and facility names must be 1-40 characters without | ^ ~ \\ &",
            ));
        }
        Ok(())
    }

    fn validate_fhir(&self) -> Result<(), ConfigError> {
        let fhir = &self.fhir;
        if let Some(base) = &fhir.base_url {
            let Ok(url) = reqwest::Url::parse(base) else {
                return Err(ConfigError::Fhir("base_url is not a URL"));
            };
            let loopback = url.host_str().is_some_and(|host| {
                host == "localhost"
                    || host
                        .trim_matches(['[', ']'])
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            });
            match url.scheme() {
                "https" => {}
                "http" if loopback => {}
                _ => {
                    return Err(ConfigError::Fhir(
                        "base_url must be https:// (http:// only to a loopback host)",
                    ));
                }
            }
            if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
                return Err(ConfigError::Fhir(
                    "base_url must have no query, fragment or user name",
                ));
            }
        }
        if fhir
            .bearer_token
            .as_deref()
            .is_some_and(|t| t.is_empty() || t.chars().any(|c| c.is_control() || c == ' '))
        {
            return Err(ConfigError::Fhir(
                "bearer_token must be non-empty without spaces or control characters",
            ));
        }
        if fhir.pull_every_secs > 86_400 {
            return Err(ConfigError::Fhir("pull_every_secs must be 0-86400"));
        }
        if !(100..=120_000).contains(&fhir.timeout_ms) {
            return Err(ConfigError::Fhir("timeout_ms must be 100-120000"));
        }
        if !(100..=3_600_000).contains(&fhir.max_backoff_ms) {
            return Err(ConfigError::Fhir("max_backoff_ms must be 100-3600000"));
        }
        let system = &fhir.patient_identifier_system;
        if system.is_empty()
            || system.len() > 200
            || !system.bytes().all(|b| b.is_ascii_graphic())
            || reqwest::Url::parse(system).is_err()
        {
            return Err(ConfigError::Fhir(
                "patient_identifier_system must be a URI (urn:…, https://…)",
            ));
        }
        Ok(())
    }

    /// The clinic's time zone.
    pub fn time_zone(&self) -> Result<jiff::tz::TimeZone, ConfigError> {
        if self.timezone.is_empty() {
            return Ok(jiff::tz::TimeZone::system());
        }
        jiff::tz::TimeZone::get(&self.timezone)
            .map_err(|_| ConfigError::TimeZone(self.timezone.clone()))
    }

    /// The zone's IANA name, for kiosks (`UTC` when the system's zone has no name).
    pub fn time_zone_name(&self) -> String {
        if !self.timezone.is_empty() {
            return self.timezone.clone();
        }
        jiff::tz::TimeZone::system()
            .iana_name()
            .unwrap_or("UTC")
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_file_and_rejects_weak_tokens() {
        let config: OfficeConfig = toml::from_str(
            r#"
            listen = "127.0.0.1:9000"
            data_dir = "/tmp/x"
            clinic_id = 3
            clinic_name = "Testville Clinic"
            timezone = "America/Chicago"
            [[kiosks]]
            id = "lobby-1"
            token = "0123456789abcdef0123"
            "#,
        )
        .unwrap();
        config.validate().unwrap();
        assert_eq!(config.clinic_id.get(), 3);
        assert!(!format!("{config:?}").contains("0123456789abcdef"));

        let weak: OfficeConfig =
            toml::from_str("[[kiosks]]\nid = \"lobby-1\"\ntoken = \"short\"\n").unwrap();
        assert!(matches!(
            weak.validate(),
            Err(ConfigError::WeakKioskToken(_))
        ));
        assert!(toml::from_str::<OfficeConfig>("bogus = 1").is_err());
    }

    #[test]
    fn the_hl7_listener_is_loopback_only() {
        let at = |listen: &str| OfficeConfig {
            hl7: Hl7Config {
                listen: Some(listen.parse().unwrap()),
                ..Hl7Config::default()
            },
            ..OfficeConfig::default()
        };
        assert!(at("127.0.0.1:2575").validate().is_ok());
        assert!(matches!(
            at("0.0.0.0:2575").validate(),
            Err(ConfigError::Hl7(_))
        ));
    }

    #[test]
    fn hl7_tls_needs_something_to_trust_and_trust_needs_tls() {
        let check = |text: &str| toml::from_str::<OfficeConfig>(text).unwrap().validate();
        let pin = format!("{}CD", "AB:".repeat(31));
        for good in [
            "[hl7]\npeer = \"ehr.example:2575\"\ntls = true\npeer_ca_file = \"/etc/ca.pem\"\n"
                .to_owned(),
            format!(
                "[hl7]\npeer = \"10.0.0.5:2575\"\ntls = true\npeer_fingerprint = \"{pin}\"\npeer_server_name = \"ehr.example\"\n"
            ),
        ] {
            assert!(check(&good).is_ok(), "{good}");
        }
        for bad in [
            "[hl7]\npeer = \"ehr.example:2575\"\ntls = true\n".to_owned(),
            "[hl7]\npeer = \"ehr.example:2575\"\npeer_ca_file = \"/etc/ca.pem\"\n".to_owned(),
        ] {
            assert!(matches!(check(&bad), Err(ConfigError::Hl7(_))), "{bad}");
        }
        assert!(toml::from_str::<OfficeConfig>("[hl7]\npeer_fingerprint = \"AB\"\n").is_err());
    }

    #[test]
    fn the_fhir_server_is_https_unless_on_loopback_and_its_token_stays_hidden() {
        let check = |text: &str| toml::from_str::<OfficeConfig>(text).unwrap().validate();
        check(
            "[fhir]\nbase_url = \"https://ehr.example/fhir/R4\"\nbearer_token = \"s3cret-token\"\n",
        )
        .unwrap();
        check("[fhir]\nbase_url = \"http://127.0.0.1:8080/fhir\"\n").unwrap();
        check("[fhir]\nbase_url = \"http://localhost/fhir\"\nwrite = [\"appointment\", \"encounter\"]\n")
            .unwrap();
        for bad in [
            "[fhir]\nbase_url = \"http://ehr.example/fhir\"\n",
            "[fhir]\nbase_url = \"ftp://127.0.0.1/fhir\"\n",
            "[fhir]\nbase_url = \"https://ehr.example/fhir?x=1\"\n",
            "[fhir]\nbearer_token = \"two words\"\n",
            "[fhir]\npull_every_secs = 100000\n",
            "[fhir]\ntimeout_ms = 1\n",
        ] {
            assert!(matches!(check(bad), Err(ConfigError::Fhir(_))), "{bad}");
        }
        assert!(toml::from_str::<OfficeConfig>("[fhir]\nwrite = [\"billing\"]\n").is_err());
        let scoped: OfficeConfig = toml::from_str(
            "[fhir]\nwrite = [\"coverage\", \"consent\"]\n\
             consent_scopes = { \"hipaa-2026\" = \"patient-privacy\" }\n",
        )
        .unwrap();
        use crate::fhir::write::ConsentScope;
        assert_eq!(
            scoped.fhir.consent_scope("hipaa-2026"),
            ConsentScope::PatientPrivacy
        );
        assert_eq!(
            scoped.fhir.consent_scope("privacy-notice"),
            ConsentScope::Treatment,
            "a practice's own table replaces the default"
        );
        assert!(
            toml::from_str::<OfficeConfig>("[fhir]\nconsent_scopes = { a = \"research\" }\n")
                .is_err()
        );
        let config: OfficeConfig =
            toml::from_str("[fhir]\nbearer_token = \"s3cret-token\"\n").unwrap();
        assert!(!format!("{config:?}").contains("s3cret"));
    }

    #[test]
    fn plain_http_only_on_loopback_and_tls_needs_both_files_or_none() {
        let check = |text: &str| toml::from_str::<OfficeConfig>(text).unwrap().validate();
        check("listen = \"127.0.0.1:8480\"").unwrap();
        check("listen = \"[::1]:8480\"").unwrap();
        for open in ["0.0.0.0:8480", "192.0.2.7:8480", "[::]:8480"] {
            assert!(
                matches!(
                    check(&format!("listen = \"{open}\"")),
                    Err(ConfigError::PlainHttpNotLoopback(addr)) if addr.to_string() == open
                ),
                "{open}"
            );
            check(&format!("listen = \"{open}\"\n[tls]\n")).unwrap();
        }
        check("listen = \"0.0.0.0:8443\"\n[tls]\ncert = \"/c.pem\"\nkey = \"/k.pem\"\nhosts = [\"office.example.test\"]\n")
            .unwrap();
        assert!(matches!(
            check("listen = \"0.0.0.0:8443\"\n[tls]\ncert = \"/c.pem\"\n"),
            Err(ConfigError::TlsHalfConfigured)
        ));
        assert!(toml::from_str::<OfficeConfig>("[tls]\nport = 1\n").is_err());
    }

    #[test]
    fn reminders_are_checked_and_never_in_the_clear_off_this_machine() {
        let check = |text: &str| toml::from_str::<OfficeConfig>(text).unwrap().validate();
        let config: OfficeConfig = toml::from_str(
            "[reminders]\nsmtp_host = \"mail.example.test\"\nsmtp_username = \"u\"\n\
             smtp_password = \"hunter2-secret\"\ndays_before = 3\nmorning_at = \"06:30\"\n",
        )
        .unwrap();
        config.validate().unwrap();
        assert_eq!(config.reminders.days_before, 3);
        assert_eq!(
            config.reminders.morning_at,
            jiff::civil::Time::constant(6, 30, 0, 0)
        );
        assert!(!format!("{config:?}").contains("hunter2"));
        check("[reminders]\nsmtp_host = \"127.0.0.1\"\nsmtp_security = \"none\"\n").unwrap();
        check("[reminders]\nsmtp_host = \"localhost\"\nsmtp_security = \"none\"\n").unwrap();
        for bad in [
            "[reminders]\nsmtp_host = \"mail.example.test\"\nsmtp_security = \"none\"\n",
            "[reminders]\nsmtp_username = \"u\"\n",
            "[reminders]\nfrom = \"not an address\"\n",
            "[reminders]\nper_minute = 0\n",
            "[reminders]\npublic_pages_per_minute = 0\n",
            "[reminders]\ndays_before = 31\n",
            "[reminders]\nclinic_phone = \"\"\n",
            "[reminders.sms]\nstatus_callback = \"https://hub.example.test/api/sms/v1/status\"\n",
            "[reminders.sms]\nreply_secret = \"0123456789abcdef\"\nstatus_callback = \"http://hub.example.test/s\"\n",
            "[reminders.sms]\nreply_secret = \"0123456789abcdef\"\nstatus_callback = \"https://hub.example.test/s?x=1\"\n",
        ] {
            assert!(
                matches!(check(bad), Err(ConfigError::Reminders(_))),
                "{bad}"
            );
        }
        assert!(toml::from_str::<OfficeConfig>("[reminders]\nsmtp_security = \"ssl\"\n").is_err());
        for bad in [
            "http://checkin.example-clinic.test",
            "https://",
            "https://checkin.example-clinic.test/?x=1",
            "ftp://checkin.example-clinic.test",
            "https://check in.example",
        ] {
            let text = format!("[reminders]\npublic_url = \"{bad}\"\n");
            assert!(toml::from_str::<OfficeConfig>(&text).is_err(), "{bad}");
        }
        let text = "[reminders]\npublic_url = \"https://checkin.example-clinic.test/\"\n";
        let config: OfficeConfig = toml::from_str(text).unwrap();
        assert_eq!(
            config.reminders.public_url.unwrap().as_str(),
            "https://checkin.example-clinic.test"
        );
        assert!(PublicUrl::parse("http://127.0.0.1:8480").is_ok());
        for good in [
            "https://hub.example.test/api/sms/v1/status",
            "http://127.0.0.1:8480/api/sms/v1/status",
        ] {
            let text = format!(
                "[reminders.sms]\nreply_secret = \"0123456789abcdef\"\nstatus_callback = \"{good}\"\n"
            );
            assert!(check(&text).is_ok(), "{good}");
        }
    }

    #[test]
    fn sex_options_have_a_default_and_can_be_configured() {
        let default: OfficeConfig = toml::from_str("clinic_id = 2").unwrap();
        assert_eq!(default.sex_options, SexOptions::default());
        let own: OfficeConfig = toml::from_str(
            r#"
            [[sex_options]]
            code = "f"
            english = "Woman"
            spanish = "Mujer"
            [[sex_options]]
            code = "m"
            english = "Man"
            spanish = "Hombre"
            "#,
        )
        .unwrap();
        let codes: Vec<_> = own
            .sex_options
            .options()
            .iter()
            .map(|o| o.code().as_str())
            .collect();
        assert_eq!(codes, ["f", "m"]);
        assert_eq!(
            own.sex_options.options()[1].label(crate::domain::Language::Spanish),
            "Hombre"
        );
        for bad in [
            "sex_options = []",
            "[[sex_options]]\ncode = \"f\"\nenglish = \"Woman\"\n",
            "[[sex_options]]\ncode = \"F\"\nenglish = \"W\"\nspanish = \"M\"\n",
        ] {
            assert!(toml::from_str::<OfficeConfig>(bad).is_err(), "{bad}");
        }
    }
}
