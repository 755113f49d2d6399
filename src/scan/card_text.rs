//! What the text on an insurance card seems to say: the OCR's lines in, a [`CardReading`]
//! out (payer name, member id, group number, member name), each field only where a label
//! or the layout makes it likely. A pure function, no I/O, fuzzed (`fuzz/card_text`).
//!
//! Guessing is safe here because nothing is used unconfirmed: the insurance step shows
//! every pre-filled field to the patient, so a wrong guess costs one correction. Guessing
//! too little is the cheaper error, so a value is taken only after its label ("Member ID",
//! "ID #", "Member #", "Subscriber ID", "Group", "GRP"...), and every value must pass the
//! same validation as a typed one.

use crate::domain::{CardReading, GroupNumber, MemberId, PayerName, PersonName};

/// Longest OCR text looked at: a card holds a few hundred characters; anything longer is
/// noise from the background and only slows the parse.
pub const MAX_TEXT: usize = 8 * 1024;

/// Which field a label introduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    MemberId,
    Group,
    MemberName,
}

/// Reads the fields from OCR text (lines as the OCR found them, top to bottom).
pub fn parse_card_text(text: &str) -> CardReading {
    let text = truncate(text, MAX_TEXT);
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|words| !words.is_empty())
        .collect();
    let mut reading = CardReading::default();
    for (index, words) in lines.iter().enumerate() {
        let mut at = 0;
        while at < words.len() {
            let Some((field, label_len)) = label_at(&words[at..]) else {
                at += 1;
                continue;
            };
            if field == Field::MemberId && at > 0 && other_id(words.get(at - 1)) {
                at += label_len;
                continue;
            }
            let start = at + label_len;
            let end = (start..words.len())
                .find(|&i| label_at(&words[i..]).is_some())
                .unwrap_or(words.len());
            // A label ending its line: the value is printed under it.
            let value: &[&str] = if start == words.len() {
                lines
                    .get(index + 1)
                    .filter(|next| label_at(next).is_none())
                    .map_or(&[], |next| next.as_slice())
            } else {
                &words[start..end]
            };
            take(&mut reading, field, value);
            at = end.max(at + 1);
        }
    }
    reading.payer_name = payer_line(&lines);
    reading
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A word with the punctuation OCR leaves around it removed, in lower case.
fn bare(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

/// Whether `words` starts with a field label; the label's field and its length in words.
/// "#", "No.", "Number" and ":" after a label belong to it. A word that merely begins with
/// a label's letters ("GRP-100") is a value, not a label.
fn label_at(words: &[&str]) -> Option<(Field, usize)> {
    let first = *words.first()?;
    let head = bare(first);
    let second = words.get(1).map(|w| bare(w)).unwrap_or_default();
    let (field, mut len) = match head.as_str() {
        "member" | "subscriber" | "enrollee" | "insured" => match second.as_str() {
            _ if first.contains('#') => (Field::MemberId, 1),
            "id" | "identification" => (Field::MemberId, 2),
            "" if words.get(1).is_some_and(|w| w.contains('#')) => (Field::MemberId, 2),
            "name" => (Field::MemberName, 2),
            _ if first.ends_with(':') => (Field::MemberName, 1),
            _ => return None,
        },
        "id" | "memberid" | "subscriberid" => (Field::MemberId, 1),
        "group" | "grp" => (Field::Group, 1),
        "name" if first.ends_with(':') => (Field::MemberName, 1),
        _ => return None,
    };
    while words
        .get(len)
        .is_some_and(|w| matches!(bare(w).as_str(), "" | "no" | "number" | "num"))
    {
        len += 1;
    }
    Some((field, len))
}

/// Ids on a card that are not the member's: "Payer ID 87726", "Rx ID", "Provider ID".
fn other_id(previous: Option<&&str>) -> bool {
    previous.is_some_and(|word| {
        matches!(
            bare(word).as_str(),
            "payer" | "provider" | "rx" | "plan" | "bin" | "pcn" | "npi" | "tax" | "card"
        )
    })
}

/// Stores the value after a label, if it validates and the field is still empty (the
/// first, topmost occurrence wins: the front of the card lists the member first).
fn take(reading: &mut CardReading, field: Field, value: &[&str]) {
    match field {
        Field::MemberId if reading.member_id.is_none() => {
            reading.member_id = id_value(value).and_then(|v| MemberId::new(&v).ok());
        }
        Field::Group if reading.group.is_none() => {
            reading.group = id_value(value).and_then(|v| GroupNumber::new(&v).ok());
        }
        Field::MemberName if reading.member_name.is_none() => {
            reading.member_name = name_value(value);
        }
        _ => {}
    }
}

/// An id as printed: the first word with a digit or a hyphen (letters and digits), then
/// any groups of digits printed apart from it ("W123 456 789"), joined.
fn id_value(words: &[&str]) -> Option<String> {
    let mut words = words.iter().map(|w| {
        w.trim_matches(|c: char| !c.is_ascii_alphanumeric())
            .to_ascii_uppercase()
    });
    let first = words.next()?;
    let plausible = first.len() >= 2
        && first.chars().any(|c| c.is_ascii_digit())
        && first.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !plausible {
        return None;
    }
    let mut id = first;
    for word in words {
        if word.is_empty() || !word.chars().all(|c| c.is_ascii_digit()) {
            break;
        }
        id.push_str(&word);
    }
    Some(id)
}

/// A person's name: "Ada Testpatient", "ADA B TESTPATIENT" or "TESTPATIENT, ADA"; words
/// of letters, apostrophes and hyphens only, two to four of them.
fn name_value(words: &[&str]) -> Option<PersonName> {
    let comma = words.first().is_some_and(|w| w.ends_with(','));
    let cleaned: Vec<String> = words
        .iter()
        .map(|w| w.trim_matches(|c: char| !c.is_alphabetic()))
        .take_while(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_alphabetic() || c == '\'' || c == '-')
        })
        .take(4)
        .map(title_case)
        .collect();
    if cleaned.len() < 2 {
        return None;
    }
    let (first, last) = if comma {
        (cleaned[1..].join(" "), cleaned[0].clone())
    } else {
        let (last, first) = cleaned.split_last()?;
        (first.join(" "), last.clone())
    };
    PersonName::new(&first, &last).ok()
}

/// Cards often print names in capitals; the patient confirms "Ada", not "ADA".
fn title_case(word: &str) -> String {
    if word.chars().any(char::is_lowercase) {
        return word.to_string();
    }
    let mut out = String::with_capacity(word.len());
    let mut start = true;
    for c in word.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = c == '-' || c == '\'';
    }
    out
}

/// Words that suggest a line names the plan.
const PAYER_WORDS: [&str; 16] = [
    "health",
    "healthcare",
    "plan",
    "insurance",
    "care",
    "medical",
    "medicaid",
    "medicare",
    "hmo",
    "ppo",
    "epo",
    "assurance",
    "benefits",
    "mutual",
    "cross",
    "shield",
];

/// The payer's name: the topmost line with a plan word that carries no field label, is
/// mostly letters and no phone number; else nothing (the patient picks it from the list).
fn payer_line(lines: &[Vec<&str>]) -> Option<String> {
    lines.iter().find_map(|words| {
        let has_label = (0..words.len()).any(|i| label_at(&words[i..]).is_some());
        let text = words.join(" ");
        let letters = text.chars().filter(|c| c.is_alphabetic()).count();
        let digits = text.chars().filter(char::is_ascii_digit).count();
        let plan_word = words
            .iter()
            .any(|w| PAYER_WORDS.contains(&bare(w).as_str()));
        let looks_like_name = words.len() >= 2 && letters * 10 >= text.len() * 7 && digits == 0;
        if has_label || !plan_word || !looks_like_name {
            return None;
        }
        let cleaned: Vec<&str> = words
            .iter()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '&' && c != ')'))
            .filter(|w| !w.is_empty())
            .collect();
        PayerName::new(&cleaned.join(" "))
            .ok()
            .map(|name| name.as_str().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(reading: &CardReading) -> Option<&str> {
        reading.member_id.as_ref().map(MemberId::as_str)
    }

    fn group(reading: &CardReading) -> Option<&str> {
        reading.group.as_ref().map(GroupNumber::as_str)
    }

    fn name(reading: &CardReading) -> Option<(String, String)> {
        reading
            .member_name
            .as_ref()
            .map(|n| (n.first().to_string(), n.last().to_string()))
    }

    #[test]
    fn reads_the_synthetic_front() {
        let reading = parse_card_text(
            "Testpayer Health Plan\n\
             Member: Ada Testpatient\n\
             Member ID TST-000042\n\
             Group GRP-100\n\
             PCP $25  Specialist $40  ER $150\n",
        );
        assert_eq!(reading.payer_name.as_deref(), Some("Testpayer Health Plan"));
        assert_eq!(id(&reading), Some("TST-000042"));
        assert_eq!(group(&reading), Some("GRP-100"));
        assert_eq!(name(&reading), Some(("Ada".into(), "Testpatient".into())));
    }

    #[test]
    fn label_variants_and_values_on_the_next_line() {
        let reading = parse_card_text(
            "ACME MUTUAL INSURANCE PPO\n\
             Member Name\n\
             TESTPATIENT, ADA\n\
             ID #: w123 456 789\n\
             Grp No. 00417\n",
        );
        assert_eq!(
            reading.payer_name.as_deref(),
            Some("ACME MUTUAL INSURANCE PPO")
        );
        assert_eq!(id(&reading), Some("W123456789"));
        assert_eq!(group(&reading), Some("00417"));
        assert_eq!(name(&reading), Some(("Ada".into(), "Testpatient".into())));

        let reading = parse_card_text("Member # XK9-0001 Group # 12 34\nSubscriber ID\nZZ77");
        assert_eq!(id(&reading), Some("XK9-0001"));
        assert_eq!(group(&reading), Some("1234"));
    }

    #[test]
    fn two_fields_on_one_line_do_not_run_together() {
        let reading = parse_card_text("Member ID: TST-000042   Group: GRP-100");
        assert_eq!(id(&reading), Some("TST-000042"));
        assert_eq!(group(&reading), Some("GRP-100"));
    }

    #[test]
    fn nothing_is_guessed_without_a_label() {
        let reading = parse_card_text(
            "Members: call 1-800-555-0100\n\
             Providers: submit claims to PO Box 0000, Testville\n\
             TST-000042 GRP-100",
        );
        assert!(reading.member_id.is_none() && reading.group.is_none());
        assert!(reading.payer_name.is_none(), "{:?}", reading.payer_name);
        assert!(parse_card_text("").is_empty());
        assert!(parse_card_text("\u{0}\u{7f}#:::##").is_empty());
    }

    #[test]
    fn values_that_would_not_validate_are_dropped() {
        // An id must have a digit; a name needs two words of letters.
        let reading = parse_card_text("Member ID: pending\nMember: Ada\nGroup: ---");
        assert!(reading.is_empty(), "{reading:?}");
        let long = format!("Member ID {}", "9".repeat(200));
        assert!(parse_card_text(&long).member_id.is_none());
    }

    #[test]
    fn the_first_occurrence_wins_and_long_text_is_cut() {
        let reading = parse_card_text("Payer ID 87726\nMember ID A1\nMember ID B2");
        assert_eq!(id(&reading), Some("A1"));
        let noise = "é".repeat(MAX_TEXT);
        assert!(parse_card_text(&format!("{noise}\nMember ID A1")).is_empty());
    }
}
