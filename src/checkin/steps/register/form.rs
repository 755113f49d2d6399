//! The registration form's questions and the answers given so far: which fields there
//! are, in which order, how each is entered, and how the answers are checked with the
//! domain's types. PHI: `Debug` of the answers shows no answer.

use super::keys::{FormText, Keyboard};
use crate::domain::{
    DateOfBirth, EmailAddress, EmailError, EmergencyContact, FieldSource, Language,
    NewPatientRegistration, PersonName, PhoneError, PhoneNumber, PostalAddress, PreferredName,
    Relationship, SexCode, Sourced, UsState, ZipCode,
};
use crate::scan::aamva::{Country, LicenceData, Sex};
use std::fmt;

/// The questions of the form, as the progress line counts them ("Step 3 of 9"). Some
/// take more than one screen (the address asks line by line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    Name,
    PreferredName,
    BirthDate,
    Sex,
    Address,
    Phone,
    Email,
    Language,
    EmergencyContact,
}

impl Question {
    pub const ALL: [Question; 9] = [
        Question::Name,
        Question::PreferredName,
        Question::BirthDate,
        Question::Sex,
        Question::Address,
        Question::Phone,
        Question::Email,
        Question::Language,
        Question::EmergencyContact,
    ];

    /// 1-based position, for the progress line.
    pub fn number(self) -> u8 {
        Self::ALL
            .iter()
            .position(|q| *q == self)
            .map_or(0, |i| i as u8 + 1)
    }

    /// The first screen of this question.
    pub fn first_field(self) -> Field {
        Field::ALL
            .into_iter()
            .find(|f| f.question() == self)
            .unwrap_or(Field::FirstName)
    }
}

/// One screen of the form: one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    FirstName,
    LastName,
    PreferredName,
    BirthDate,
    Sex,
    AddressLine1,
    AddressLine2,
    City,
    State,
    Zip,
    Phone,
    Email,
    Language,
    ContactFirstName,
    ContactLastName,
    Relationship,
    ContactPhone,
}

/// How a field is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Typed on `keyboard`, at most `max` characters.
    Text { keyboard: Keyboard, max: usize },
    /// The date-of-birth entry (year, month, day).
    Date,
    /// One of a list of buttons.
    Choice,
}

impl Field {
    pub const ALL: [Field; 17] = [
        Field::FirstName,
        Field::LastName,
        Field::PreferredName,
        Field::BirthDate,
        Field::Sex,
        Field::AddressLine1,
        Field::AddressLine2,
        Field::City,
        Field::State,
        Field::Zip,
        Field::Phone,
        Field::Email,
        Field::Language,
        Field::ContactFirstName,
        Field::ContactLastName,
        Field::Relationship,
        Field::ContactPhone,
    ];

    pub fn question(self) -> Question {
        match self {
            Field::FirstName | Field::LastName => Question::Name,
            Field::PreferredName => Question::PreferredName,
            Field::BirthDate => Question::BirthDate,
            Field::Sex => Question::Sex,
            Field::AddressLine1 | Field::AddressLine2 | Field::City | Field::State | Field::Zip => {
                Question::Address
            }
            Field::Phone => Question::Phone,
            Field::Email => Question::Email,
            Field::Language => Question::Language,
            Field::ContactFirstName
            | Field::ContactLastName
            | Field::Relationship
            | Field::ContactPhone => Question::EmergencyContact,
        }
    }

    pub fn kind(self) -> FieldKind {
        let text = |keyboard, max| FieldKind::Text { keyboard, max };
        match self {
            Field::FirstName
            | Field::LastName
            | Field::ContactFirstName
            | Field::ContactLastName => text(Keyboard::Name, PersonName::MAX_PART),
            Field::PreferredName => text(Keyboard::Name, PreferredName::MAX),
            Field::AddressLine1 | Field::AddressLine2 => {
                text(Keyboard::Address, PostalAddress::MAX_LINE)
            }
            Field::City => text(Keyboard::Address, PostalAddress::MAX_CITY),
            Field::State => text(Keyboard::Letters, 2),
            // The kiosk asks for the five digits; ZIP+4 is the office's business.
            Field::Zip => text(Keyboard::Digits, 5),
            // Ten digits: area code and number (the keypad has no +1).
            Field::Phone | Field::ContactPhone => text(Keyboard::Digits, 10),
            Field::Email => text(Keyboard::Email, EmailAddress::MAX),
            Field::BirthDate => FieldKind::Date,
            Field::Sex | Field::Language | Field::Relationship => FieldKind::Choice,
        }
    }

    /// Whether the patient may leave it out ("Skip"). Skipping the emergency contact's
    /// first name skips the whole contact.
    pub fn optional(self) -> bool {
        matches!(
            self,
            Field::PreferredName
                | Field::Sex
                | Field::AddressLine2
                | Field::Email
                | Field::ContactFirstName
        )
    }

    pub fn next(self) -> Option<Field> {
        let at = Self::ALL.iter().position(|f| *f == self)?;
        Self::ALL.get(at + 1).copied()
    }

    pub fn previous(self) -> Option<Field> {
        let at = Self::ALL.iter().position(|f| *f == self)?;
        at.checked_sub(1).map(|i| Self::ALL[i])
    }

    /// Whether this is the last screen of its question.
    pub fn ends_question(self) -> bool {
        self.next()
            .is_none_or(|next| next.question() != self.question())
    }
}

/// Why an answer was not taken, in words the page says in the patient's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormError {
    /// Nothing entered where something is needed.
    Required,
    /// "A ZIP code has 5 digits".
    ZipDigits,
    /// "Please check the phone number: it needs 10 digits".
    PhoneDigits,
    /// Ten digits, but no US number starts that way.
    PhoneNotReal,
    /// "This does not look like an email address".
    Email,
    /// Not a US state or territory code.
    State,
    /// No button was chosen.
    ChooseOne,
}

/// What the form starts with: a last name and date of birth already typed to look up an
/// appointment, or what a licence says. Empty strings are absent. PHI: `Debug` shows
/// only where it came from.
#[derive(Clone, PartialEq, Eq)]
pub struct Prefill {
    pub source: FieldSource,
    pub first_name: String,
    pub last_name: String,
    pub date_of_birth: Option<DateOfBirth>,
    pub street: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    /// The licence's sex, as an office option code ("female", "male") when it is one.
    pub sex: Option<SexCode>,
}

impl Prefill {
    /// The last name and date of birth typed on the kiosk to find an appointment.
    pub fn typed(last_name: &str, date_of_birth: DateOfBirth) -> Self {
        Self {
            source: FieldSource::TypedAtKiosk,
            first_name: String::new(),
            last_name: last_name.to_owned(),
            date_of_birth: Some(date_of_birth),
            street: String::new(),
            city: String::new(),
            state: String::new(),
            zip: String::new(),
            sex: None,
        }
    }

    /// What a licence says: names, date of birth, a US address, sex. Never its number
    /// (the parsed licence does not hold one).
    pub fn from_licence(licence: &LicenceData) -> Self {
        let address = licence
            .address
            .as_ref()
            .filter(|a| a.country == Country::Us);
        let sex = match licence.sex {
            Some(Sex::Female) => SexCode::new("female").ok(),
            Some(Sex::Male) => SexCode::new("male").ok(),
            Some(Sex::NotSpecified) | None => None,
        };
        Self {
            source: FieldSource::FromLicence,
            first_name: licence.given_name.clone(),
            last_name: licence.family_name.clone(),
            date_of_birth: Some(licence.date_of_birth),
            street: address.map(|a| a.street.clone()).unwrap_or_default(),
            city: address.map(|a| a.city.clone()).unwrap_or_default(),
            state: address
                .map(|a| a.state_or_province.clone())
                .unwrap_or_default(),
            zip: address
                .map(|a| a.postal_code.chars().take(5).collect())
                .unwrap_or_default(),
            sex,
        }
    }
}

impl fmt::Debug for Prefill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prefill")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// One typed answer and where it came from (a pre-filled answer the patient edits
/// becomes typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextAnswer {
    pub text: FormText,
    pub source: FieldSource,
}

impl Default for TextAnswer {
    fn default() -> Self {
        Self {
            text: FormText::default(),
            source: FieldSource::TypedAtKiosk,
        }
    }
}

/// Every answer of the form so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    texts: [TextAnswer; 17],
    pub date_of_birth: Option<Sourced<DateOfBirth>>,
    pub sex: Option<Sourced<SexCode>>,
    pub language: Language,
    pub relationship: Option<Relationship>,
}

impl Answers {
    pub fn new(language: Language) -> Self {
        Self {
            texts: Default::default(),
            date_of_birth: None,
            sex: None,
            language,
            relationship: None,
        }
    }

    fn index(field: Field) -> usize {
        Field::ALL.iter().position(|f| *f == field).unwrap_or(0)
    }

    pub fn text(&self, field: Field) -> &TextAnswer {
        &self.texts[Self::index(field)]
    }

    pub fn text_mut(&mut self, field: Field) -> &mut TextAnswer {
        &mut self.texts[Self::index(field)]
    }

    /// Fills what `prefill` has into the fields the patient has not typed in.
    pub fn prefill(&mut self, prefill: &Prefill) {
        let (line1, line2) = match prefill.street.split_once(", ") {
            Some((one, two)) => (one, two),
            None => (prefill.street.as_str(), ""),
        };
        for (field, text) in [
            (Field::FirstName, prefill.first_name.as_str()),
            (Field::LastName, &prefill.last_name),
            (Field::AddressLine1, line1),
            (Field::AddressLine2, line2),
            (Field::City, &prefill.city),
            (Field::State, &prefill.state),
            (Field::Zip, &prefill.zip),
        ] {
            let FieldKind::Text { keyboard, max } = field.kind() else {
                continue;
            };
            let answer = self.text_mut(field);
            let typed_here = answer.source == FieldSource::TypedAtKiosk && !answer.text.is_empty();
            let value = FormText::from_text(text, keyboard, max);
            if !typed_here && !value.is_empty() {
                *answer = TextAnswer {
                    text: value,
                    source: prefill.source,
                };
            }
        }
        let dob_typed = self.date_of_birth.as_ref().is_some_and(|d| {
            d.source == FieldSource::TypedAtKiosk && prefill.source != FieldSource::TypedAtKiosk
        });
        if let (Some(dob), false) = (prefill.date_of_birth, dob_typed) {
            self.date_of_birth = Some(Sourced {
                value: dob,
                source: prefill.source,
            });
        }
        if let (Some(sex), None) = (&prefill.sex, &self.sex) {
            self.sex = Some(Sourced {
                value: sex.clone(),
                source: prefill.source,
            });
        }
    }

    /// Whether the field's answer came from elsewhere and has not been changed.
    pub fn prefilled(&self, field: Field) -> bool {
        let source = match field.kind() {
            FieldKind::Text { .. } => {
                let answer = self.text(field);
                (!answer.text.is_empty()).then_some(answer.source)
            }
            FieldKind::Date => self.date_of_birth.as_ref().map(|d| d.source),
            FieldKind::Choice if field == Field::Sex => self.sex.as_ref().map(|s| s.source),
            FieldKind::Choice => None,
        };
        source.is_some_and(|s| s != FieldSource::TypedAtKiosk)
    }

    /// Checks one field's answer, as "Next" does.
    pub fn check(&self, field: Field) -> Result<(), FormError> {
        let text = self.text(field).text.as_str().trim();
        let required = |ok: bool| if ok { Ok(()) } else { Err(FormError::Required) };
        match field {
            Field::FirstName | Field::LastName | Field::AddressLine1 | Field::City => {
                required(!text.is_empty())
            }
            Field::ContactLastName | Field::ContactPhone if self.skipped_contact() => Ok(()),
            Field::ContactLastName => required(!text.is_empty()),
            Field::PreferredName | Field::AddressLine2 | Field::ContactFirstName => Ok(()),
            Field::State => UsState::parse(text).map(drop).map_err(|_| FormError::State),
            Field::Zip => ZipCode::parse(text)
                .ok()
                .filter(|_| text.len() == 5)
                .map(drop)
                .ok_or(FormError::ZipDigits),
            Field::Phone | Field::ContactPhone => {
                PhoneNumber::parse(text).map(drop).map_err(|e| match e {
                    PhoneError::BadAreaCode | PhoneError::BadExchange => FormError::PhoneNotReal,
                    _ => FormError::PhoneDigits,
                })
            }
            Field::Email if text.is_empty() => Ok(()),
            Field::Email => EmailAddress::parse(text).map(drop).map_err(|e| match e {
                EmailError::Empty => FormError::Required,
                _ => FormError::Email,
            }),
            Field::BirthDate => required(self.date_of_birth.is_some()),
            Field::Sex | Field::Language => Ok(()),
            Field::Relationship if self.skipped_contact() => Ok(()),
            Field::Relationship => self.relationship.map(drop).ok_or(FormError::ChooseOne),
        }
    }

    /// No emergency contact was given.
    pub fn skipped_contact(&self) -> bool {
        self.text(Field::ContactFirstName).text.is_empty()
    }

    /// Forgets the emergency contact (the patient skipped it).
    pub fn clear_contact(&mut self) {
        for field in [
            Field::ContactFirstName,
            Field::ContactLastName,
            Field::ContactPhone,
        ] {
            *self.text_mut(field) = TextAnswer::default();
        }
        self.relationship = None;
    }

    /// The registration, or the first field whose answer is missing or wrong.
    pub fn build(&self) -> Result<NewPatientRegistration, (Field, FormError)> {
        for field in Field::ALL {
            self.check(field).map_err(|error| (field, error))?;
        }
        let value = |field| self.text(field).text.as_str();
        let source = |field| self.text(field).source;
        // A combined value counts as from the licence only when all of its parts are.
        let combined = |fields: &[Field]| {
            if fields
                .iter()
                .filter(|f| !self.text(**f).text.is_empty())
                .all(|f| source(*f) == FieldSource::FromLicence)
            {
                FieldSource::FromLicence
            } else {
                FieldSource::TypedAtKiosk
            }
        };
        fn invalid<E>(field: Field) -> impl Fn(E) -> (Field, FormError) {
            move |_| (field, FormError::Required)
        }
        let legal_name = PersonName::new(value(Field::FirstName), value(Field::LastName))
            .map_err(invalid(Field::FirstName))?;
        let preferred_name = match value(Field::PreferredName).trim() {
            "" => None,
            text => Some(Sourced::typed(
                PreferredName::new(text).map_err(invalid(Field::PreferredName))?,
            )),
        };
        let date_of_birth = self
            .date_of_birth
            .clone()
            .ok_or((Field::BirthDate, FormError::Required))?;
        let state =
            UsState::parse(value(Field::State)).map_err(|_| (Field::State, FormError::State))?;
        let zip =
            ZipCode::parse(value(Field::Zip)).map_err(|_| (Field::Zip, FormError::ZipDigits))?;
        let address = PostalAddress::new(
            value(Field::AddressLine1),
            value(Field::AddressLine2),
            value(Field::City),
            state,
            zip,
        )
        .map_err(invalid(Field::AddressLine1))?;
        let phone = PhoneNumber::parse(value(Field::Phone))
            .map_err(|_| (Field::Phone, FormError::PhoneDigits))?;
        let email = match value(Field::Email).trim() {
            "" => None,
            text => Some(Sourced::typed(
                EmailAddress::parse(text).map_err(|_| (Field::Email, FormError::Email))?,
            )),
        };
        let emergency_contact = if self.skipped_contact() {
            None
        } else {
            Some(Sourced::typed(EmergencyContact {
                name: PersonName::new(
                    value(Field::ContactFirstName),
                    value(Field::ContactLastName),
                )
                .map_err(invalid(Field::ContactFirstName))?,
                relationship: self
                    .relationship
                    .ok_or((Field::Relationship, FormError::ChooseOne))?,
                phone: PhoneNumber::parse(value(Field::ContactPhone))
                    .map_err(|_| (Field::ContactPhone, FormError::PhoneDigits))?,
            }))
        };
        Ok(NewPatientRegistration {
            legal_name: Sourced {
                value: legal_name,
                source: combined(&[Field::FirstName, Field::LastName]),
            },
            preferred_name,
            date_of_birth,
            sex: self.sex.clone(),
            address: Sourced {
                value: address,
                source: combined(&[
                    Field::AddressLine1,
                    Field::AddressLine2,
                    Field::City,
                    Field::State,
                    Field::Zip,
                ]),
            },
            phone: Sourced::typed(phone),
            email,
            language: self.language,
            emergency_contact,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Language;

    #[test]
    fn every_question_has_screens_in_order() {
        for question in Question::ALL {
            let first = question.first_field();
            assert_eq!(first.question(), question);
            assert_eq!(
                question.number() as usize,
                Question::ALL.iter().position(|q| *q == question).unwrap() + 1
            );
        }
        assert!(Field::LastName.ends_question() && !Field::FirstName.ends_question());
        assert_eq!(Field::ContactPhone.next(), None);
        assert_eq!(Field::FirstName.previous(), None);
    }

    #[test]
    fn a_licence_street_splits_into_two_lines_and_prefill_debug_names_nothing() {
        let prefill = Prefill {
            street: "123 EXAMPLE ST, APT 4".into(),
            city: "TESTVILLE".into(),
            ..Prefill::typed(
                "TESTPATIENT",
                DateOfBirth::new(
                    jiff::civil::date(1950, 1, 2),
                    jiff::civil::date(2026, 11, 23),
                )
                .unwrap(),
            )
        };
        let mut answers = Answers::new(Language::English);
        answers.prefill(&prefill);
        assert_eq!(
            answers.text(Field::AddressLine1).text.as_str(),
            "123 EXAMPLE ST"
        );
        assert_eq!(answers.text(Field::AddressLine2).text.as_str(), "APT 4");
        assert_eq!(answers.text(Field::LastName).text.as_str(), "TESTPATIENT");
        let debug = format!("{prefill:?} {answers:?}");
        for secret in ["EXAMPLE", "APT", "TESTVILLE", "TESTPATIENT", "1950"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }
}
