//! Driver's licences and ID cards: the PDF417 text of the AAMVA DL/ID Card Design Standard
//! (annex D), versions 01 (2000) to 10 (2020), parsed into what the kiosk needs to identify
//! a patient or pre-fill registration.
//!
//! Hand-written rather than the `aamva` crate: that crate rejects headers whose control
//! characters a scanner dropped or altered (real scanners do) and pulls in image decoding.
//! This parser is lenient where real cards and scanners stray from the standard (header
//! control bytes, directory offsets, padding, optional elements left out) and strict about
//! dates: a missing or impossible date of birth is an error.
//!
//! The text, as the standard lays it out:
//!
//! ```text
//! header     '@' LF RS CR, file type "ANSI " ("AAMVA" in 2000), IIN (6 digits),
//!            AAMVA version (2), jurisdiction version (2, from version 02), entries (2)
//! directory  per subfile: type ("DL", "ID", "Z?"), offset (4 digits), length (4 digits)
//! subfile    type, then elements: id (3 letters) + value, LF between, CR at the end
//! ```
//!
//! Privacy: the licence number (DAQ) and the card's other identifiers (DCF, DCK) are never
//! read into [`LicenceData`]. Errors carry element ids and lengths, never scanned text;
//! `Debug` of the parsed data shows only the issuer and version.

use crate::domain::{DateOfBirth, DobError};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest text accepted: a PDF417 symbol holds at most about 1.9 KB.
pub const MAX_LEN: usize = 8 * 1024;

/// Why a scan is not a readable licence. Carries no data from the scan: element ids and
/// lengths only, so it can be logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AamvaError {
    #[error("scan of {len} bytes is too long for a licence")]
    TooLong { len: usize },
    #[error("scan does not start with an AAMVA licence header")]
    NotALicence,
    #[error("licence header field {field} is unreadable")]
    BadHeader { field: &'static str },
    #[error("licence uses AAMVA version 00, from before the 2000 standard")]
    UnsupportedVersion,
    #[error("no DL or ID subfile in a scan of {len} bytes")]
    NoLicenceSubfile { len: usize },
    #[error("licence element {element} is missing")]
    MissingElement { element: &'static str },
    #[error("licence element {element} is not a readable name")]
    UnreadableName { element: &'static str },
    #[error("licence element {element} is not a valid date")]
    InvalidDate { element: &'static str },
    #[error("licence date of birth is implausible: {0}")]
    DateOfBirth(#[from] DobError),
}

/// Issuer identification number: six digits naming the state, province or territory
/// that issued the card (636000 is the standard's sample issuer).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iin(u32);

impl Iin {
    /// Exactly six ASCII digits.
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Self(text.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0'))))
    }

    pub fn value(self) -> u32 {
        self.0
    }

    /// The issuer's country, from AAMVA's IIN list; `None` for IINs not on it.
    pub fn country(self) -> Option<Country> {
        if CANADIAN_IINS.contains(&self.0) {
            Some(Country::Canada)
        } else if (636000..=636062).contains(&self.0) && !MEXICAN_IINS.contains(&self.0)
            || (604427..=604431).contains(&self.0)
        {
            Some(Country::Us)
        } else {
            None
        }
    }

    /// Whether the issuer writes dates year first (Canada, Mexico) rather than US order.
    fn year_first(self) -> bool {
        CANADIAN_IINS.contains(&self.0) || MEXICAN_IINS.contains(&self.0)
    }
}

/// Provinces and territories (AAMVA IIN list): AB, BC, MB, NB, NL, NS, NT, NU, ON, PE,
/// QC, SK, YT.
const CANADIAN_IINS: &[u32] = &[
    604426, 604428, 604429, 604432, 604433, 604434, 636012, 636013, 636016, 636017, 636028, 636044,
    636048,
];
/// Coahuila and Hidalgo.
const MEXICAN_IINS: &[u32] = &[636056, 636057];

impl fmt::Display for Iin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl fmt::Debug for Iin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Iin({self})")
    }
}

impl TryFrom<String> for Iin {
    type Error = AamvaError;
    fn try_from(text: String) -> Result<Self, AamvaError> {
        Self::parse(&text).ok_or(AamvaError::BadHeader { field: "IIN" })
    }
}

impl From<Iin> for String {
    fn from(iin: Iin) -> String {
        iin.to_string()
    }
}

/// The countries whose addresses this parser reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Country {
    Us,
    Canada,
}

/// Sex as printed on the card (element DBC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// "1" (or "M" on older cards).
    Male,
    /// "2" (or "F").
    Female,
    /// "9" (not specified) or "X".
    NotSpecified,
}

/// The cardholder's address, trimmed, as printed (upper case). PHI: `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// First street line, and the second after ", " when the card has one.
    pub street: String,
    pub city: String,
    /// Two-letter state, province or territory code.
    pub state_or_province: String,
    /// "12345", "12345-6789" or "A1A 1A1".
    pub postal_code: String,
    pub country: Country,
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Address(<redacted>)")
    }
}

/// What a licence or ID card says about its holder that the kiosk may use. No licence
/// number or other identifier of the card, by design.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceData {
    pub issuer: Iin,
    pub aamva_version: u8,
    /// From version 02 on (and on some version 01 cards).
    pub jurisdiction_version: Option<u8>,
    /// As printed (licences print names in upper case), trimmed.
    pub family_name: String,
    pub given_name: String,
    /// Further given names, comma-separated when the card has several.
    pub middle_names: Option<String>,
    pub date_of_birth: DateOfBirth,
    /// `None` when the card leaves part of it out or it is not a US or Canadian address.
    pub address: Option<Address>,
    /// `None` when absent or marked as never expiring.
    pub expires_on: Option<Date>,
    pub sex: Option<Sex>,
}

impl LicenceData {
    /// The given name in title case ("ADA" → "Ada", "MARY-JO" → "Mary-Jo") for screens
    /// that greet the patient.
    pub fn display_given_name(&self) -> String {
        let mut out = String::with_capacity(self.given_name.len());
        let mut word_start = true;
        for c in self.given_name.chars() {
            if word_start {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            word_start = !c.is_alphabetic();
        }
        out
    }
}

/// Only the issuer and version: everything else on a licence is PHI.
impl fmt::Debug for LicenceData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LicenceData")
            .field("issuer", &self.issuer)
            .field("aamva_version", &self.aamva_version)
            .finish_non_exhaustive()
    }
}

/// Parses the text of a licence's PDF417 barcode, as `Scan::DriversLicence` carries it.
/// `today` bounds the date of birth.
pub fn parse(text: &str, today: Date) -> Result<LicenceData, AamvaError> {
    if text.len() > MAX_LEN {
        return Err(AamvaError::TooLong { len: text.len() });
    }
    // What is left of a scanner prefix: the directory's offsets count from the '@'.
    let text = text.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let header = Header::parse(text.as_bytes())?;
    let subfile = find_licence_subfile(text, &header)?;
    let elements = Elements::split(subfile);
    read_licence(&header, &elements, today)
}

// ---- header and directory ----

/// The bytes between '@' and the file type, as the standard has them.
const SEPARATORS: &[u8] = b"\n\x1e\r";
/// At most this many control or space bytes between '@' and the file type.
const MAX_HEADER_GAP: usize = 4;
/// How far from where the directory says a subfile starts it is still looked for.
const OFFSET_SLACK: usize = 8;

struct Header {
    iin: Iin,
    version: u8,
    jurisdiction_version: Option<u8>,
    /// Subfiles of type DL or ID that the directory lists: (type, offset).
    licence_entries: Vec<([u8; 2], usize)>,
    /// How many bytes longer the header is than the standard's (negative when the scanner
    /// dropped control bytes): the directory's offsets are shifted by as much.
    shift: isize,
    /// Where the directory ends (or where it became unreadable).
    body_start: usize,
}

impl Header {
    fn parse(bytes: &[u8]) -> Result<Self, AamvaError> {
        let rest = bytes.strip_prefix(b"@").ok_or(AamvaError::NotALicence)?;
        let exact = rest.starts_with(SEPARATORS);
        let gap = if exact {
            SEPARATORS.len()
        } else {
            rest.iter()
                .take_while(|b| b.is_ascii_control() || **b == b' ')
                .count()
        };
        if gap > MAX_HEADER_GAP {
            return Err(AamvaError::NotALicence);
        }
        let mut at = 1 + gap;
        let after = &bytes[at..];
        if after.starts_with(b"ANSI") {
            at += 4;
        } else if after.starts_with(b"AAMVA") {
            at += 5;
        } else if exact && after.len() >= 5 {
            // The separators are right but an issuer botched the file type.
            at += 5;
        } else {
            return Err(AamvaError::NotALicence);
        }
        if bytes.get(at) == Some(&b' ') {
            at += 1;
        }
        let iin = digits(bytes, at, 6)
            .and_then(|_| Iin::parse(std::str::from_utf8(&bytes[at..at + 6]).ok()?))
            .ok_or(AamvaError::BadHeader { field: "IIN" })?;
        at += 6;
        let version = digits(bytes, at, 2).ok_or(AamvaError::BadHeader { field: "version" })? as u8;
        at += 2;
        if version == 0 {
            return Err(AamvaError::UnsupportedVersion);
        }
        // Version 01 has no jurisdiction version, though some issuers wrote one: then a
        // digit, not a subfile type, follows the two digits after the version.
        let has_jurisdiction_version =
            version >= 2 || bytes.get(at + 2).is_some_and(u8::is_ascii_digit);
        let jurisdiction_version = if has_jurisdiction_version {
            let v = digits(bytes, at, 2).ok_or(AamvaError::BadHeader {
                field: "jurisdiction version",
            })?;
            at += 2;
            Some(v as u8)
        } else {
            None
        };
        let entries = digits(bytes, at, 2).ok_or(AamvaError::BadHeader { field: "entries" })?;
        at += 2;
        let standard_len =
            1 + SEPARATORS.len() + 5 + 6 + 2 + 2 + 2 * usize::from(has_jurisdiction_version);
        let shift = at as isize - standard_len as isize;

        let mut licence_entries = Vec::new();
        for _ in 0..entries {
            let Some(entry) = bytes.get(at..at + 10) else {
                break;
            };
            let kind = [entry[0], entry[1]];
            let (Some(offset), Some(_length)) = (digits(entry, 2, 4), digits(entry, 6, 4)) else {
                break;
            };
            if !kind.iter().all(u8::is_ascii_alphanumeric) {
                break;
            }
            if is_licence_type(&kind) {
                licence_entries.push((kind, offset));
            }
            at += 10;
        }
        Ok(Self {
            iin,
            version,
            jurisdiction_version,
            licence_entries,
            shift,
            body_start: at,
        })
    }
}

fn is_licence_type(kind: &[u8]) -> bool {
    kind == b"DL" || kind == b"ID"
}

/// The number written in `len` ASCII digits at `at`, if they are all there.
fn digits(bytes: &[u8], at: usize, len: usize) -> Option<usize> {
    let field = bytes.get(at..at.checked_add(len)?)?;
    field
        .iter()
        .all(u8::is_ascii_digit)
        .then(|| field.iter().fold(0, |n, b| n * 10 + usize::from(b - b'0')))
}

/// An element id of a DL or ID subfile: 'D' and two upper-case letters.
fn starts_with_element_id(bytes: &[u8]) -> bool {
    matches!(bytes, [b'D', b, c, ..] if b.is_ascii_uppercase() && c.is_ascii_uppercase())
}

/// The DL or ID subfile's elements (after its type, up to its end). Where the directory
/// points, give or take a few bytes; failing that, the first "DL" or "ID" followed by an
/// element id after the directory.
fn find_licence_subfile<'t>(text: &'t str, header: &Header) -> Result<&'t str, AamvaError> {
    let bytes = text.as_bytes();
    let is_subfile_at = |at: usize, kind: &[u8]| {
        bytes.get(at..at + 2) == Some(kind) && starts_with_element_id(&bytes[at + 2..])
    };
    let mut found = None;
    'entries: for (kind, offset) in &header.licence_entries {
        let Some(expected) = offset.checked_add_signed(header.shift) else {
            continue;
        };
        for distance in 0..=OFFSET_SLACK {
            for at in [
                expected.checked_sub(distance),
                expected.checked_add(distance),
            ]
            .into_iter()
            .flatten()
            {
                if is_subfile_at(at, kind) {
                    found = Some(at + 2);
                    break 'entries;
                }
            }
        }
        // Some issuers leave the type off the subfile itself.
        if starts_with_element_id(bytes.get(expected..).unwrap_or_default()) {
            found = Some(expected);
            break;
        }
    }
    let start = found
        .or_else(|| {
            (header.body_start..bytes.len().saturating_sub(2))
                .find(|&at| {
                    is_licence_type(&bytes[at..at + 2]) && starts_with_element_id(&bytes[at + 2..])
                })
                .map(|at| at + 2)
        })
        .ok_or(AamvaError::NoLicenceSubfile { len: text.len() })?;
    let end = subfile_end(bytes, start);
    // Both ends sit next to ASCII bytes, so they are character boundaries; `get` keeps
    // that from ever being a panic.
    text.get(start..end)
        .ok_or(AamvaError::NoLicenceSubfile { len: text.len() })
}

/// Where the subfile starting at `start` ends: at its CR segment terminator, or at the end
/// of the text. A CR followed by LF or by another element id is a scanner's mangled
/// separator, not the end.
fn subfile_end(bytes: &[u8], start: usize) -> usize {
    let mut at = start;
    while let Some(cr) = bytes[at..].iter().position(|b| *b == b'\r') {
        let after = &bytes[at + cr + 1..];
        if after.first() == Some(&b'\n') || starts_with_element_id(after) {
            at += cr + 1;
        } else {
            return at + cr;
        }
    }
    bytes.len()
}

// ---- elements ----

/// The elements of one subfile, borrowed from the scan: (id, value trimmed of padding).
struct Elements<'t>(Vec<(&'t str, &'t str)>);

impl<'t> Elements<'t> {
    fn split(subfile: &'t str) -> Self {
        let elements = subfile
            .split(['\n', '\r'])
            .filter_map(|element| {
                let id = element.get(..3)?;
                id.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                    .then(|| {
                        (
                            id,
                            element[3..].trim_matches(|c: char| c == ' ' || c == '\0'),
                        )
                    })
            })
            .collect();
        Self(elements)
    }

    /// The first non-empty value of `id`.
    fn get(&self, id: &str) -> Option<&'t str> {
        self.0
            .iter()
            .find(|(element, value)| *element == id && !value.is_empty())
            .map(|(_, value)| *value)
    }
}

// ---- fields ----

fn read_licence(
    header: &Header,
    elements: &Elements,
    today: Date,
) -> Result<LicenceData, AamvaError> {
    let country = match elements.get("DCG") {
        Some("USA") => Known(Country::Us),
        Some("CAN") => Known(Country::Canada),
        Some(_) => Foreign,
        None => match header.iin.country() {
            Some(country) => Known(country),
            None if header.iin.year_first() => Foreign,
            None => Unknown,
        },
    };
    let year_first = match elements.get("DCG") {
        Some("USA") => false,
        Some("CAN" | "MEX") => true,
        _ => header.iin.year_first(),
    };
    // The 2000 standard wrote dates year first everywhere; cards of that version from US
    // issuers use either order. The two cannot be confused for years 1900-2099 (a month
    // is never 19 or 20), so version 01 tries both.
    let either_order = header.version == 1;
    let date = |element: &'static str| -> Result<Option<Date>, AamvaError> {
        let Some(value) = elements.get(element) else {
            return Ok(None);
        };
        let date = parse_date(value, year_first)
            .or_else(|| {
                either_order
                    .then(|| parse_date(value, !year_first))
                    .flatten()
            })
            .ok_or(AamvaError::InvalidDate { element })?;
        Ok(Some(date))
    };

    let born = date("DBB")?.ok_or(AamvaError::MissingElement { element: "DBB" })?;
    let date_of_birth = DateOfBirth::new(born, today)?;
    let expires_on = match elements.get("DBA") {
        // Cards that never expire.
        Some("00000000" | "99999999") => None,
        _ => date("DBA")?,
    };
    let (family_name, given_name, middle_names) = read_name(header.version, elements)?;

    Ok(LicenceData {
        issuer: header.iin,
        aamva_version: header.version,
        jurisdiction_version: header.jurisdiction_version,
        family_name,
        given_name,
        middle_names,
        date_of_birth,
        address: read_address(elements, country),
        expires_on,
        sex: elements.get("DBC").and_then(|sex| match sex {
            "1" | "M" => Some(Sex::Male),
            "2" | "F" => Some(Sex::Female),
            "9" | "X" => Some(Sex::NotSpecified),
            _ => None,
        }),
    })
}

/// Eight digits, MMDDCCYY (US) or CCYYMMDD (year first); `None` unless a calendar date.
fn parse_date(value: &str, year_first: bool) -> Option<Date> {
    let bytes = value.as_bytes();
    if bytes.len() != 8 {
        return None;
    }
    let (year, month, day) = if year_first {
        (
            digits(bytes, 0, 4)?,
            digits(bytes, 4, 2)?,
            digits(bytes, 6, 2)?,
        )
    } else {
        (
            digits(bytes, 4, 4)?,
            digits(bytes, 0, 2)?,
            digits(bytes, 2, 2)?,
        )
    };
    // At most four and two digits: these fit.
    Date::new(year as i16, month as i8, day as i8).ok()
}

type Name = (String, String, Option<String>);

/// Family, given and middle names. Version 01 has the full name in DAA ("FAMILY,GIVEN,
/// MIDDLE", or "$" between parts) and sometimes the parts in DAB/DAC/DAD; versions 02 and
/// 03 have DCS and the given names together in DCT; from version 04, DCS, DAC and DAD.
/// Whatever a card has is used, whatever its version says.
fn read_name(version: u8, elements: &Elements) -> Result<Name, AamvaError> {
    let mut family = elements
        .get("DCS")
        .or_else(|| elements.get("DAB"))
        .map(str::to_owned);
    let mut given = elements.get("DAC").map(str::to_owned);
    let mut middle = elements.get("DAD").map(str::to_owned);
    if given.is_none()
        && let Some(given_names) = elements.get("DCT")
    {
        let (first, rest) = split_given_names(given_names);
        given = Some(first.to_owned());
        middle = middle.or(rest.map(str::to_owned));
    }
    if (family.is_none() || given.is_none())
        && let Some(full) = elements.get("DAA")
    {
        let separator = if full.contains('$') { '$' } else { ',' };
        if !full.contains(separator) {
            return Err(AamvaError::UnreadableName { element: "DAA" });
        }
        let mut parts = full.split(separator).map(str::trim);
        let last = parts.next().unwrap_or_default();
        let (first, rest) = split_given_names(parts.next().unwrap_or_default());
        // A fourth part is the suffix (JR, III): not a name the kiosk matches on.
        let further = parts.next().filter(|p| !p.is_empty()).or(rest);
        family = family.or(Some(last.to_owned()));
        given = given.or(Some(first.to_owned()));
        middle = middle.or(further.map(str::to_owned));
    }
    let missing = |element_v1, element| AamvaError::MissingElement {
        element: if version == 1 { element_v1 } else { element },
    };
    let family = checked_name(family, "DCS").ok_or_else(|| missing("DAA", "DCS"))??;
    let given = checked_name(given, "DAC").ok_or_else(|| missing("DAA", "DAC"))??;
    let middle = checked_name(middle.filter(|m| m != "NONE"), "DAD").transpose()?;
    Ok((family, given, middle))
}

/// First given name and the rest, split at the first comma or space.
fn split_given_names(names: &str) -> (&str, Option<&str>) {
    match names.split_once([',', ' ']) {
        Some((first, rest)) => (first.trim(), Some(rest.trim()).filter(|r| !r.is_empty())),
        None => (names.trim(), None),
    }
}

/// `None` for an absent or empty name; an error for one with control characters.
fn checked_name(name: Option<String>, element: &'static str) -> Option<Result<String, AamvaError>> {
    let name = name.filter(|n| !n.trim().is_empty())?;
    Some(if name.chars().any(char::is_control) {
        Err(AamvaError::UnreadableName { element })
    } else {
        Ok(name.trim().to_owned())
    })
}

/// Whose address a card has: from its country element (DCG), else its issuer.
#[derive(Clone, Copy)]
enum AddressCountry {
    Known(Country),
    /// Neither the US nor Canada (Mexico): not an address this parser reads.
    Foreign,
    Unknown,
}
use AddressCountry::{Foreign, Known, Unknown};

/// The mailing address (DAG-DAK), or the residence address of version 01 (DAL-DAP).
/// `None` unless street, city, state and a valid postal code are all there.
fn read_address(elements: &Elements, country: AddressCountry) -> Option<Address> {
    let either = |mailing, residence| elements.get(mailing).or_else(|| elements.get(residence));
    let street = either("DAG", "DAL")?;
    let city = either("DAI", "DAN")?;
    let state = either("DAJ", "DAO")?;
    let postal = either("DAK", "DAP")?;
    let second_line = elements.get("DAH").or_else(|| elements.get("DAM"));
    let country = match country {
        Known(country) => country,
        Foreign => return None,
        // An issuer not on the IIN list, on a card without a country: the postal code says.
        Unknown if postal.starts_with(|c: char| c.is_ascii_alphabetic()) => Country::Canada,
        Unknown => Country::Us,
    };
    let postal_code = match country {
        Country::Us => us_zip(postal)?,
        Country::Canada => canadian_postal_code(postal)?,
    };
    let state = state.to_ascii_uppercase();
    let plain = |s: &str| !s.chars().any(char::is_control);
    if state.len() != 2
        || !state.bytes().all(|b| b.is_ascii_uppercase())
        || !plain(street)
        || !plain(city)
    {
        return None;
    }
    let street = match second_line.filter(|line| plain(line)) {
        Some(line) => format!("{street}, {line}"),
        None => street.to_owned(),
    };
    Some(Address {
        street,
        city: city.to_owned(),
        state_or_province: state,
        postal_code,
        country,
    })
}

/// "12345" or "12345-6789". Cards pad an unknown ZIP+4 with zeros: that is ZIP 5.
fn us_zip(value: &str) -> Option<String> {
    let digits: String = value.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match digits.len() {
        5 => Some(digits),
        9 if digits.ends_with("0000") => Some(digits[..5].to_owned()),
        9 => Some(format!("{}-{}", &digits[..5], &digits[5..])),
        _ => None,
    }
}

/// "A1A 1A1", upper case, whatever spacing the card used.
fn canadian_postal_code(value: &str) -> Option<String> {
    let code: String = value
        .chars()
        .filter(|c| *c != ' ')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let bytes = code.as_bytes();
    let shaped = bytes.len() == 6
        && bytes.iter().enumerate().all(|(i, b)| {
            if i % 2 == 0 {
                b.is_ascii_uppercase()
            } else {
                b.is_ascii_digit()
            }
        });
    shaped.then(|| format!("{} {}", &code[..3], &code[3..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_orders() {
        assert_eq!(
            parse_date("01311950", false),
            Some(jiff::civil::date(1950, 1, 31))
        );
        assert_eq!(
            parse_date("19500131", true),
            Some(jiff::civil::date(1950, 1, 31))
        );
        assert_eq!(parse_date("19500131", false), None);
        assert_eq!(parse_date("01311950", true), None);
        for bad in [
            "02301950",
            "1950013",
            "0131195O",
            "",
            "+1311950",
            "013119500",
        ] {
            assert_eq!(parse_date(bad, false), None, "{bad}");
        }
    }

    #[test]
    fn zip_codes_are_normalised() {
        assert_eq!(us_zip("00000").as_deref(), Some("00000"));
        assert_eq!(us_zip("000000000  ").as_deref(), Some("00000"));
        assert_eq!(us_zip("000001234").as_deref(), Some("00000-1234"));
        assert_eq!(us_zip("00000-1234").as_deref(), Some("00000-1234"));
        for bad in ["0000", "0000A", "0000000", "A1A 1A1"] {
            assert_eq!(us_zip(bad), None, "{bad}");
        }
    }

    #[test]
    fn canadian_postal_codes_are_normalised() {
        assert_eq!(canadian_postal_code("x0x0x0").as_deref(), Some("X0X 0X0"));
        assert_eq!(canadian_postal_code("X0X 0X0").as_deref(), Some("X0X 0X0"));
        for bad in ["X0X0X", "00000", "X0X0X0X", "XX0X0X"] {
            assert_eq!(canadian_postal_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn iin_countries() {
        assert_eq!(Iin::parse("636000").unwrap().country(), Some(Country::Us));
        assert_eq!(
            Iin::parse("636012").unwrap().country(),
            Some(Country::Canada)
        );
        assert_eq!(
            Iin::parse("604432").unwrap().country(),
            Some(Country::Canada)
        );
        assert_eq!(Iin::parse("636056").unwrap().country(), None);
        assert_eq!(Iin::parse("999999").unwrap().country(), None);
        assert!(Iin::parse("63600").is_none());
        assert!(Iin::parse("63600X").is_none());
        assert_eq!(
            format!("{:?}", Iin::parse("000123").unwrap()),
            "Iin(000123)"
        );
    }

    #[test]
    fn given_names_split_at_comma_or_space() {
        assert_eq!(split_given_names("ADA,MARIE"), ("ADA", Some("MARIE")));
        assert_eq!(split_given_names("ADA MARIE JO"), ("ADA", Some("MARIE JO")));
        assert_eq!(split_given_names("ADA"), ("ADA", None));
        assert_eq!(split_given_names("ADA, "), ("ADA", None));
    }
}
