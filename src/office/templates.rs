//! The hub's server-made pages (the payments report, a patient's answers, the page that
//! says a role may not open a page, the pages a reminder's links open): templates under `views/`, filled from plain data
//! with MiniJinja, every value escaped on output. No HTML is made in Rust.
//!
//! Why these are made on the server when the views fill themselves from the JSON APIs:
//! they are printable documents a member of staff opens, prints or saves, and they read
//! the same with scripts off. Their stylesheet is the hashed `print.css` (see `views`),
//! so their Content-Security-Policy needs no `'unsafe-inline'` either.

use super::error::ApiError;
use minijinja::{Environment, Error, State, Value};
use serde::Serialize;
use std::sync::LazyLock;

/// A server-made page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// `/staff/reports/payments`: what each kiosk took on a day.
    PaymentsReport,
    /// `/staff/answers/...`: a patient's answers, every questionnaire.
    Answers,
    /// The answers page once they were removed under the retention policy (410).
    AnswersRemoved,
    /// A page the signed-in role may not open (403).
    Forbidden,
    /// `/r/{token}`: a patient's check-in code from a reminder's link.
    ReminderCode,
    /// A reminder's link that is unknown, expired or whose visit is gone (404/410).
    ReminderLinkGone,
    /// `/u/{token}`: stopping reminders, asked and done.
    Unsubscribe,
}

impl Page {
    const ALL: [Page; 7] = [
        Page::PaymentsReport,
        Page::Answers,
        Page::AnswersRemoved,
        Page::Forbidden,
        Page::ReminderCode,
        Page::ReminderLinkGone,
        Page::Unsubscribe,
    ];

    fn name(self) -> &'static str {
        match self {
            Page::PaymentsReport => "payments_report.html",
            Page::Answers => "answers.html",
            Page::AnswersRemoved => "answers_removed.html",
            Page::Forbidden => "forbidden.html",
            Page::ReminderCode => "reminder_code.html",
            Page::ReminderLinkGone => "reminder_link_gone.html",
            Page::Unsubscribe => "unsubscribe.html",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Page::PaymentsReport => include_str!("views/payments_report.html"),
            Page::Answers => include_str!("views/answers.html"),
            Page::AnswersRemoved => include_str!("views/answers_removed.html"),
            Page::Forbidden => include_str!("views/forbidden.html"),
            Page::ReminderCode => include_str!("views/reminder_code.html"),
            Page::ReminderLinkGone => include_str!("views/reminder_link_gone.html"),
            Page::Unsubscribe => include_str!("views/unsubscribe.html"),
        }
    }
}

static PAGES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // Our own escaping: MiniJinja's also turns `/` into `&#x2f;`, which is safe but
    // makes "PHQ-2 4/6" unreadable in the page's source and in what tests compare.
    env.set_formatter(escape_value);
    for page in Page::ALL {
        // A template that does not parse is a build mistake the unit tests catch; here
        // it is left out, and rendering it answers 500.
        if let Err(error) = env.add_template(page.name(), page.source()) {
            tracing::error!(template = page.name(), %error, "template does not parse");
        }
    }
    env
});

fn escape_value(out: &mut minijinja::Output, _: &mut State, value: &Value) -> Result<(), Error> {
    let written = if value.is_undefined() || value.is_none() {
        Ok(())
    } else if value.is_safe() {
        write!(out, "{value}")
    } else {
        out.write_str(&escape(&value.to_string()))
    };
    written.map_err(|_| Error::new(minijinja::ErrorKind::WriteFailure, "page output"))
}

/// Text for HTML text and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `page` filled from `context` (with `print_css`, the stylesheet's path, added).
pub fn render(page: Page, context: impl Serialize) -> Result<String, ApiError> {
    let template = PAGES
        .get_template(page.name())
        .map_err(ApiError::internal)?;
    template
        .render(minijinja::context! {
            print_css => &*super::views::PRINT_CSS_PATH,
            ..Value::from(minijinja::value::Serde(context))
        })
        .map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_parses_and_keeps_no_inline_script_or_style() {
        for page in Page::ALL {
            let env = &*PAGES;
            assert!(env.get_template(page.name()).is_ok(), "{}", page.name());
            for inline in ["<style", "<script", " style=", " onclick=", " onload="] {
                assert!(
                    !page.source().contains(inline),
                    "{inline} in {}",
                    page.name()
                );
            }
            assert!(page.source().contains("{{ print_css }}"), "{}", page.name());
        }
    }

    #[test]
    fn values_are_escaped_and_slashes_kept() {
        #[derive(Serialize)]
        struct Removed {
            removed: &'static str,
        }
        let html = render(
            Page::AnswersRemoved,
            Removed {
                removed: "<b>gone</b> & 4/6 \"quoted\" 'single'",
            },
        )
        .unwrap();
        assert!(
            html.contains("&lt;b&gt;gone&lt;/b&gt; &amp; 4/6 &quot;quoted&quot; &#39;single&#39;"),
            "{html}"
        );
    }
}
