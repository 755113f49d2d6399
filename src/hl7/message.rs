//! HL7 v2 messages: reading with the `hl7-parser` crate (structure only), our own escape
//! decoding and a small builder for what we send (ACK, ADT).
//!
//! Errors never carry message content (it is PHI): only segment names, field numbers,
//! positions and short codes from MSH.

use hl7_parser::Message;

/// The HL7 v2 versions we read (2.3 onwards: SCH/AIS/AIP as we use them exist from 2.3).
pub const SUPPORTED_VERSIONS: &[&str] = &[
    "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2",
];

/// The version of what we send.
pub const OUR_VERSION: &str = "2.5.1";

/// Repetitions of one field read at most (phone numbers, say): more are ignored.
pub const MAX_REPEATS: usize = 16;

/// MSH-9 codes, MSH-12 versions and the like are echoed in errors cut to this length.
const CODE_CHARS: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Hl7Error {
    #[error("HL7: message is not UTF-8 text")]
    NotText,
    #[error("HL7: message does not begin with an MSH segment")]
    MissingMsh,
    #[error("HL7: malformed message near byte {0}")]
    Malformed(usize),
    #[error("HL7: segment {0} has a malformed name")]
    BadSegmentName(usize),
    #[error("HL7: version {0:?} is not supported")]
    WrongVersion(String),
    #[error("HL7: message type {0:?} is not handled here")]
    UnknownMessageType(String),
    #[error("HL7: {segment}-{field} is required")]
    MissingField { segment: &'static str, field: usize },
    #[error("HL7: {segment}-{field}: {reason}")]
    InvalidField {
        segment: &'static str,
        field: usize,
        reason: &'static str,
    },
    #[error("HL7: required segment {0} is missing")]
    MissingSegment(&'static str),
    /// Not the message's fault: it could not be stored just now; send it again.
    #[error("HL7: could not be stored now, send again")]
    Unavailable,
}

impl Hl7Error {
    /// How the message is answered: `AR` (rejected: we cannot or will not process this
    /// kind of message at all) or `AE` (its content is wrong).
    pub fn ack_code(&self) -> AckCode {
        match self {
            Hl7Error::NotText
            | Hl7Error::MissingMsh
            | Hl7Error::Malformed(_)
            | Hl7Error::BadSegmentName(_)
            | Hl7Error::WrongVersion(_)
            | Hl7Error::UnknownMessageType(_)
            | Hl7Error::Unavailable => AckCode::Reject,
            Hl7Error::MissingField { .. }
            | Hl7Error::InvalidField { .. }
            | Hl7Error::MissingSegment(_) => AckCode::Error,
        }
    }

    /// The HL7 table 0357 error code for ERR-3.
    pub fn table_0357(&self) -> (&'static str, &'static str) {
        match self {
            Hl7Error::NotText | Hl7Error::Malformed(_) | Hl7Error::BadSegmentName(_) => {
                ("100", "Segment sequence error")
            }
            Hl7Error::MissingMsh | Hl7Error::MissingSegment(_) => ("100", "Segment sequence error"),
            Hl7Error::WrongVersion(_) => ("203", "Unsupported version id"),
            Hl7Error::UnknownMessageType(_) => ("200", "Unsupported message type"),
            Hl7Error::MissingField { .. } => ("101", "Required field missing"),
            Hl7Error::InvalidField { .. } => ("102", "Data type error"),
            Hl7Error::Unavailable => ("207", "Application internal error"),
        }
    }
}

fn code(text: &str) -> String {
    text.chars().take(CODE_CHARS).collect()
}

/// What MSH says, as far as we use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub sending_application: String,
    pub sending_facility: String,
    pub receiving_application: String,
    pub receiving_facility: String,
    /// MSH-9.1, e.g. `SIU`.
    pub message_type: String,
    /// MSH-9.2, e.g. `S12`.
    pub trigger: String,
    /// MSH-10.
    pub control_id: String,
    /// MSH-12.1.
    pub version: String,
}

/// A parsed message, borrowing its text.
pub struct Parsed<'m> {
    message: Message<'m>,
    pub header: Header,
}

impl std::fmt::Debug for Parsed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parsed")
            .field("header", &self.header)
            .field("segments", &self.message.segments.len())
            .finish()
    }
}

/// Reads the structure of `bytes` and its header. The version is checked; the message
/// type is left to the caller. The header is returned even when the version is wrong
/// (through [`read_header`]) so a rejection can still name the message it answers.
pub fn parse(bytes: &[u8]) -> Result<Parsed<'_>, Hl7Error> {
    let text = std::str::from_utf8(bytes).map_err(|_| Hl7Error::NotText)?;
    // Senders differ on the segment terminator: CR is the standard, some add LF.
    let text = text.trim_end_matches(['\r', '\n']);
    if !text.starts_with("MSH") || text.len() < 8 {
        return Err(Hl7Error::MissingMsh);
    }
    let message = Message::parse_with_lenient_newlines(text, true).map_err(|e| match e {
        hl7_parser::parser::ParseError::FailedToParse { position, .. } => {
            Hl7Error::Malformed(position)
        }
        hl7_parser::parser::ParseError::IncompleteInput(_) => Hl7Error::Malformed(text.len()),
    })?;
    // The parser stops quietly at the first segment it cannot read: what it left over is
    // a malformed segment, not something to ignore.
    let consumed = message.raw_value().len();
    if consumed < text.len() {
        return Err(Hl7Error::Malformed(consumed));
    }
    for (index, segment) in message.segments.iter().enumerate() {
        let name = segment.name;
        let ok = name.len() == 3
            && name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !ok {
            return Err(Hl7Error::BadSegmentName(index + 1));
        }
    }
    if message.segments.first().map(|s| s.name) != Some("MSH") {
        return Err(Hl7Error::MissingMsh);
    }
    let parsed = Parsed {
        header: Header {
            sending_application: String::new(),
            sending_facility: String::new(),
            receiving_application: String::new(),
            receiving_facility: String::new(),
            message_type: String::new(),
            trigger: String::new(),
            control_id: String::new(),
            version: String::new(),
        },
        message,
    };
    let header = Header {
        sending_application: parsed.component("MSH", 3, 1).unwrap_or_default(),
        sending_facility: parsed.component("MSH", 4, 1).unwrap_or_default(),
        receiving_application: parsed.component("MSH", 5, 1).unwrap_or_default(),
        receiving_facility: parsed.component("MSH", 6, 1).unwrap_or_default(),
        message_type: parsed.component("MSH", 9, 1).unwrap_or_default(),
        trigger: parsed.component("MSH", 9, 2).unwrap_or_default(),
        control_id: parsed.component("MSH", 10, 1).unwrap_or_default(),
        version: parsed.component("MSH", 12, 1).unwrap_or_default(),
    };
    let parsed = Parsed { header, ..parsed };
    if parsed.header.message_type.is_empty() {
        return Err(Hl7Error::MissingField {
            segment: "MSH",
            field: 9,
        });
    }
    if parsed.header.control_id.is_empty() {
        return Err(Hl7Error::MissingField {
            segment: "MSH",
            field: 10,
        });
    }
    // Echoed in MSA-2 of our answer: it must survive our own escaping unchanged
    // (found by the `hl7_message` fuzz target: control characters were dropped).
    if parsed.header.control_id.len() > 199
        || parsed.header.control_id.chars().any(char::is_control)
    {
        return Err(Hl7Error::InvalidField {
            segment: "MSH",
            field: 10,
            reason: "control id must be 1-199 printable characters",
        });
    }
    if !SUPPORTED_VERSIONS.contains(&parsed.header.version.as_str()) {
        return Err(Hl7Error::WrongVersion(code(&parsed.header.version)));
    }
    Ok(parsed)
}

/// MSH-10 of whatever `bytes` are, if it can be found, for answering a message that did
/// not parse (MSA-2 names the message answered). Plain splitting: it must work when the
/// parser refused the message.
pub fn control_id_of(bytes: &[u8]) -> String {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return String::new();
    };
    let Some(msh) = text.strip_prefix("MSH") else {
        return String::new();
    };
    let Some(separator) = msh.chars().next() else {
        return String::new();
    };
    let line = msh.split(['\r', '\n']).next().unwrap_or_default();
    // MSH-1 is the separator itself, so MSH-10 is the 10th piece after "MSH".
    let field = line.split(separator).nth(9).unwrap_or_default();
    let component = field.split('^').next().unwrap_or_default();
    code_safe(component)
}

/// Control ids go back into our ACK: keep them short and free of separators.
fn code_safe(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .take(64)
        .collect()
}

impl<'m> Parsed<'m> {
    /// Whether the message has a segment named `name`.
    pub fn has_segment(&self, name: &str) -> bool {
        self.message.segment(name).is_some()
    }

    /// The first repetition's component `component` (1-based) of field `field` of the
    /// first segment `segment`, with escapes decoded; `None` when absent or empty.
    pub fn component(&self, segment: &str, field: usize, component: usize) -> Option<String> {
        self.raw_component(segment, field, component)
            .map(|raw| unescape(raw, &self.message.separators))
            .filter(|value| !value.is_empty())
    }

    /// Every repetition (at most [`MAX_REPEATS`]) of field `field` of the first segment
    /// `segment`, each as its components with escapes decoded (`[0]` is component 1);
    /// empty repetitions are left out.
    pub fn repetitions(&self, segment: &str, field: usize) -> Vec<Vec<String>> {
        let Some(field) = self.message.segment(segment).and_then(|s| s.field(field)) else {
            return Vec::new();
        };
        let decode = |raw| unescape(raw, &self.message.separators);
        field
            .repeats
            .iter()
            .take(MAX_REPEATS)
            .map(|repeat| {
                if repeat.components.is_empty() {
                    vec![decode(repeat.raw_value())]
                } else {
                    repeat
                        .components
                        .iter()
                        .map(|c| decode(c.raw_value()))
                        .collect()
                }
            })
            .filter(|components: &Vec<String>| components.iter().any(|c| !c.is_empty()))
            .collect()
    }

    fn raw_component(&self, segment: &str, field: usize, component: usize) -> Option<&'m str> {
        let repeat = self
            .message
            .segment(segment)?
            .field(field)?
            .repeats
            .first()?;
        if component == 1 && repeat.components.is_empty() {
            return Some(repeat.raw_value());
        }
        repeat
            .components
            .get(component.checked_sub(1)?)
            .map(|c| c.raw_value())
    }
}

/// Decodes the escape sequences of a value (`\F\ \S\ \R\ \E\ \T\`, `\X0D\`-style hex,
/// `\.br\` as a line break); unknown sequences are dropped. Written here rather than
/// taken from the parser crate, whose decoder indexes by characters into byte offsets.
pub fn unescape(raw: &str, separators: &hl7_parser::message::Separators) -> String {
    let escape = separators.escape;
    if !raw.contains(escape) {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut pieces = raw.split(escape);
    if let Some(first) = pieces.next() {
        out.push_str(first);
    }
    // Pieces alternate: escape sequence, text, escape sequence, text...
    let mut inside = true;
    for piece in pieces {
        if !inside {
            out.push_str(piece);
        } else {
            match piece {
                "F" => out.push(separators.field),
                "S" => out.push(separators.component),
                "R" => out.push(separators.repetition),
                "E" => out.push(separators.escape),
                "T" => out.push(separators.subcomponent),
                ".br" => out.push('\n'),
                hex if hex.starts_with('X') && hex.len() % 2 == 1 => {
                    let digits = &hex[1..];
                    let bytes: Option<Vec<u8>> = (0..digits.len())
                        .step_by(2)
                        .map(|i| u8::from_str_radix(digits.get(i..i + 2)?, 16).ok())
                        .collect();
                    if let Some(bytes) = bytes {
                        out.push_str(&String::from_utf8_lossy(&bytes));
                    }
                }
                _ => {}
            }
        }
        inside = !inside;
    }
    out
}

/// Encodes a value for a field with the standard separators `| ^ ~ \ &`.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\E\\"),
            '|' => out.push_str("\\F\\"),
            '^' => out.push_str("\\S\\"),
            '~' => out.push_str("\\R\\"),
            '&' => out.push_str("\\T\\"),
            '\r' => out.push_str("\\X0D\\"),
            '\n' => out.push_str("\\X0A\\"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One segment being built: fields by number, each a list of components (escaped when
/// set). Trailing empty fields and components are left out.
#[derive(Debug, Clone)]
pub struct SegmentBuilder {
    name: &'static str,
    fields: Vec<String>,
}

impl SegmentBuilder {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            fields: Vec::new(),
        }
    }

    /// Sets field `number` (1-based; for MSH, 3 and up) to `components`.
    pub fn field(mut self, number: usize, components: &[&str]) -> Self {
        let mut encoded: Vec<String> = components.iter().map(|c| escape(c)).collect();
        while encoded.last().is_some_and(|c| c.is_empty()) {
            encoded.pop();
        }
        if self.fields.len() < number {
            self.fields.resize(number, String::new());
        }
        self.fields[number - 1] = encoded.join("^");
        self
    }

    /// The segment's text, without its terminator.
    pub fn build(&self) -> String {
        let mut fields = self.fields.clone();
        while fields.last().is_some_and(|f| f.is_empty()) {
            fields.pop();
        }
        let mut out = String::from(self.name);
        if self.name == "MSH" {
            // MSH-1 is the field separator itself and MSH-2 the encoding characters.
            out.push_str("|^~\\&");
            for field in fields.iter().skip(2) {
                out.push('|');
                out.push_str(field);
            }
        } else {
            for field in &fields {
                out.push('|');
                out.push_str(field);
            }
        }
        out
    }
}

/// Segments joined with the HL7 segment terminator (CR), ending with one.
pub fn join(segments: &[SegmentBuilder]) -> String {
    let mut out = String::new();
    for segment in segments {
        out.push_str(&segment.build());
        out.push('\r');
    }
    out
}

/// An HL7 timestamp (`YYYYMMDDHHMMSS+ZZZZ`) of `at` in `zone`.
pub fn timestamp(at: jiff::Timestamp, zone: &jiff::tz::TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%Y%m%d%H%M%S%z")
        .to_string()
}

/// Who sends and who receives, for MSH-3 to MSH-6.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parties {
    pub sending_application: String,
    pub sending_facility: String,
    pub receiving_application: String,
    pub receiving_facility: String,
}

/// An MSH segment of ours.
pub fn msh(
    parties: &Parties,
    at: &str,
    kind: (&str, &str, &str),
    control_id: &str,
) -> SegmentBuilder {
    SegmentBuilder::new("MSH")
        .field(3, &[&parties.sending_application])
        .field(4, &[&parties.sending_facility])
        .field(5, &[&parties.receiving_application])
        .field(6, &[&parties.receiving_facility])
        .field(7, &[at])
        .field(9, &[kind.0, kind.1, kind.2])
        .field(10, &[control_id])
        .field(11, &["P"])
        .field(12, &[OUR_VERSION])
}

/// MSA-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckCode {
    /// AA: accepted and stored.
    Accept,
    /// AE: the content is wrong; the sender should fix it, not resend it as is.
    Error,
    /// AR: rejected (not a message we take); resending will not help.
    Reject,
}

impl AckCode {
    pub fn as_str(self) -> &'static str {
        match self {
            AckCode::Accept => "AA",
            AckCode::Error => "AE",
            AckCode::Reject => "AR",
        }
    }

    /// Original (`AA`) and enhanced (`CA`) mode codes alike.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "AA" | "CA" => Some(AckCode::Accept),
            "AE" | "CE" => Some(AckCode::Error),
            "AR" | "CR" => Some(AckCode::Reject),
            _ => None,
        }
    }
}

/// The answer to an inbound message. `answered`: its header if it could be read;
/// `control_id`: MSA-2 (its MSH-10, or empty when unreadable); `error`: for AE/AR, what
/// went wrong (its text carries no message content).
pub fn ack(
    ours: &Parties,
    answered: Option<&Header>,
    control_id: &str,
    code: AckCode,
    error: Option<&Hl7Error>,
    ack_control_id: &str,
    at: &str,
) -> String {
    // Address the answer back to whoever sent the message.
    let parties = match answered {
        Some(h) => Parties {
            sending_application: ours.sending_application.clone(),
            sending_facility: ours.sending_facility.clone(),
            receiving_application: h.sending_application.clone(),
            receiving_facility: h.sending_facility.clone(),
        },
        None => ours.clone(),
    };
    let trigger = answered.map(|h| h.trigger.as_str()).unwrap_or_default();
    let mut segments = vec![
        msh(&parties, at, ("ACK", trigger, "ACK"), ack_control_id),
        SegmentBuilder::new("MSA")
            .field(1, &[code.as_str()])
            .field(2, &[control_id]),
    ];
    if let Some(error) = error {
        let (number, name) = error.table_0357();
        segments.push(
            SegmentBuilder::new("ERR")
                .field(3, &[number, name, "HL70357"])
                .field(4, &["E"])
                .field(8, &[&error.to_string()]),
        );
    }
    join(&segments)
}

/// An acknowledgement read back: MSA-1 and MSA-2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub code: AckCode,
    pub answers: String,
}

/// Reads an ACK (any message with an MSA segment).
pub fn read_ack(bytes: &[u8]) -> Result<Ack, Hl7Error> {
    let parsed = parse(bytes)?;
    if !parsed.has_segment("MSA") {
        return Err(Hl7Error::MissingSegment("MSA"));
    }
    let code = parsed
        .component("MSA", 1, 1)
        .ok_or(Hl7Error::MissingField {
            segment: "MSA",
            field: 1,
        })?;
    Ok(Ack {
        code: AckCode::parse(&code).ok_or(Hl7Error::InvalidField {
            segment: "MSA",
            field: 1,
            reason: "not an acknowledgement code",
        })?,
        answers: parsed.component("MSA", 2, 1).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_round_trips_every_separator() {
        let separators = hl7_parser::message::Separators::default();
        let value = "a|b^c~d\\e&f é\r";
        let escaped = escape(value);
        assert_eq!(escaped, "a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f é\\X0D\\");
        assert_eq!(unescape(&escaped, &separators), value);
        assert_eq!(unescape("éé\\F\\é\\Zq\\x", &separators), "éé|éx");
    }

    #[test]
    fn builds_and_reads_back_an_ack() {
        let parties = Parties {
            sending_application: "FRONTDESK".into(),
            sending_facility: "DEMO".into(),
            receiving_application: "EHR".into(),
            receiving_facility: "DEMO".into(),
        };
        let text = ack(
            &parties,
            None,
            "MSG-1",
            AckCode::Error,
            Some(&Hl7Error::MissingField {
                segment: "PID",
                field: 5,
            }),
            "ACK-1",
            "20261203101500+0000",
        );
        assert!(text.starts_with(
            "MSH|^~\\&|FRONTDESK|DEMO|EHR|DEMO|20261203101500+0000||ACK^^ACK|ACK-1|P|2.5.1\r"
        ));
        assert!(
            text.contains(
                "\rERR|||101^Required field missing^HL70357|E||||HL7: PID-5 is required\r"
            )
        );
        let read = read_ack(text.as_bytes()).unwrap();
        assert_eq!(read.code, AckCode::Error);
        assert_eq!(read.answers, "MSG-1");
    }

    #[test]
    fn bad_messages_are_typed_errors() {
        assert_eq!(parse(b"\xff\xfe").unwrap_err(), Hl7Error::NotText);
        assert_eq!(parse(b"PID|1").unwrap_err(), Hl7Error::MissingMsh);
        let old = b"MSH|^~\\&|A|B|C|D|2026||SIU^S12|1|P|2.2\r";
        assert_eq!(
            parse(old).unwrap_err(),
            Hl7Error::WrongVersion("2.2".into())
        );
        assert_eq!(control_id_of(old), "1");
        let no_id = b"MSH|^~\\&|A|B|C|D|2026||SIU^S12||P|2.5\r";
        assert!(matches!(
            parse(no_id).unwrap_err(),
            Hl7Error::MissingField { field: 10, .. }
        ));
        let bad_name = b"MSH|^~\\&|A|B|C|D|2026||SIU^S12|1|P|2.5\rp!d|1\r";
        assert_eq!(parse(bad_name).unwrap_err(), Hl7Error::Malformed(39));
        let lower = b"MSH|^~\\&|A|B|C|D|2026||SIU^S12|1|P|2.5\rpid|1\r";
        assert_eq!(parse(lower).unwrap_err(), Hl7Error::BadSegmentName(2));
    }
}
