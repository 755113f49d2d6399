//! The staff web app's views: the queue, interfaces, audit log, kiosks and users, each a
//! page of its own under `views/`, put into the shared layout (header, navigation, the
//! live stream) and served by the hub. The data comes from the JSON APIs; no HTML is
//! made in Rust.
//!
//! Each view sits in the router of the role it needs (see `server::Office::router`), so a
//! role below it gets 403 (audited by the sign-in gate), and the layout hides its link
//! for that role. The pages' `<style>` and `<script>` blocks are lifted out into static
//! files named by a hash of their content, so the pages' Content-Security-Policy needs no
//! `'unsafe-inline'`.

use super::error::ApiError;
use super::server::AppState;
use super::signin::{Role, STRICT_CSP, StaffSession};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use std::sync::LazyLock;

const LAYOUT: &str = include_str!("views/layout.html");

/// One page of the staff web app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The live check-in list with each check-in's details and actions.
    Queue,
    /// The EHR links (HL7, FHIR) and reminders.
    Interfaces,
    /// The audit log: browse, filter, export.
    Audit,
    /// Kiosk health, pairing and management, and the certificate kiosks pin.
    Kiosks,
    /// Staff accounts.
    Users,
}

impl View {
    pub const ALL: [View; 5] = [
        View::Queue,
        View::Interfaces,
        View::Audit,
        View::Kiosks,
        View::Users,
    ];

    /// As the layout's `data-view` and the navigation name it.
    pub fn name(self) -> &'static str {
        match self {
            View::Queue => "queue",
            View::Interfaces => "interfaces",
            View::Audit => "audit",
            View::Kiosks => "kiosks",
            View::Users => "users",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            View::Queue => "/",
            View::Interfaces => "/interfaces",
            View::Audit => "/audit",
            View::Kiosks => "/kiosks",
            View::Users => "/users",
        }
    }

    /// The least role that may open it.
    pub fn needs(self) -> Role {
        match self {
            View::Queue | View::Interfaces => Role::FrontDesk,
            View::Audit => Role::Manager,
            View::Kiosks | View::Users => Role::Admin,
        }
    }

    fn title(self) -> &'static str {
        match self {
            View::Queue => "Check-in queue",
            View::Interfaces => "Interfaces",
            View::Audit => "Audit log",
            View::Kiosks => "Kiosks",
            View::Users => "Users",
        }
    }

    fn body(self) -> &'static str {
        match self {
            View::Queue => include_str!("views/queue.html"),
            View::Interfaces => include_str!("views/interfaces.html"),
            View::Audit => include_str!("views/audit.html"),
            View::Kiosks => include_str!("views/kiosks.html"),
            View::Users => include_str!("views/users.html"),
        }
    }

    /// The view's page, stylesheet and script, made once.
    pub fn assets(self) -> &'static PageAssets {
        &ASSETS[View::ALL.iter().position(|v| *v == self).unwrap_or(0)]
    }
}

/// The views front desk staff and everyone above may open. (Paths written out, not
/// taken from [`View::path`], so the route matrix test reads them from the source;
/// `each_route_serves_its_view` holds the two together.)
pub fn desk_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/",
            get(|st: State<AppState>, s: StaffSession| page(View::Queue, st, s)),
        )
        .route(
            "/interfaces",
            get(|st: State<AppState>, s: StaffSession| page(View::Interfaces, st, s)),
        )
}

/// The views for managers and administrators.
pub fn manager_routes() -> Router<AppState> {
    Router::new().route(
        "/audit",
        get(|st: State<AppState>, s: StaffSession| page(View::Audit, st, s)),
    )
}

/// The views for administrators.
pub fn admin_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/kiosks",
            get(|st: State<AppState>, s: StaffSession| page(View::Kiosks, st, s)),
        )
        .route(
            "/users",
            get(|st: State<AppState>, s: StaffSession| page(View::Users, st, s)),
        )
}

/// A view, with the session's role (which links the navigation shows), CSRF token (for
/// its scripts to send back) and the clinic's time zone (times show as the clinic's,
/// wherever the browser is).
async fn page(view: View, State(state): State<AppState>, session: StaffSession) -> Response {
    // All are known words: the token is URL-safe base64, the role a fixed name, the zone
    // an IANA name the configuration checked.
    let html = view
        .assets()
        .html
        .replace("{{csrf_token}}", session.csrf.as_str())
        .replace("{{role}}", session.role.as_str())
        .replace("{{zone}}", &state.config.time_zone_name());
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, STRICT_CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(html),
    )
        .into_response()
}

/// A page split into its HTML, one stylesheet and one script.
///
/// Each view's file keeps its `<style>` and `<script>` blocks beside its markup (which
/// keeps parallel edits apart); the hub lifts them out once, at first use, and serves
/// them as static files named by a hash of their content (cached for good: a new build
/// is a new name). Why not `ServeDir`: nothing to deploy beside the binary, and the name
/// changes with the content by itself.
pub struct PageAssets {
    pub html: String,
    pub css: String,
    pub js: String,
    pub css_path: String,
    pub js_path: String,
}

static ASSETS: LazyLock<Vec<PageAssets>> = LazyLock::new(|| {
    View::ALL
        .iter()
        .map(|view| {
            let page = LAYOUT
                .replace("<!--view-->", view.body())
                .replace("{{title}}", view.title())
                .replace("{{view}}", view.name());
            PageAssets::split(&page, view.name())
        })
        .collect()
});

impl PageAssets {
    /// Moves every `<style>` block into the stylesheet (linked where the first one was)
    /// and every `<script>` block into the script (loaded, deferred, where the first one
    /// was), each in page order. `name` starts the files' names.
    pub fn split(page: &str, name: &str) -> Self {
        let (page, css) = lift(page, "<style>", "</style>", "<!--staff-css-->");
        let (page, js) = lift(&page, "<script>", "</script>", "<!--staff-js-->");
        let css_path = format!("/static/staff/{name}.{}.css", short_hash(&css));
        let js_path = format!("/static/staff/{name}.{}.js", short_hash(&js));
        let html = page
            .replace(
                "<!--staff-css-->",
                &format!("<link rel=\"stylesheet\" href=\"{css_path}\">"),
            )
            .replace(
                "<!--staff-js-->",
                &format!("<script src=\"{js_path}\" defer></script>"),
            );
        Self {
            html,
            css,
            js,
            css_path,
            js_path,
        }
    }
}

/// `page` without its `open`…`close` blocks (the first replaced by `marker`), and their
/// contents joined.
fn lift(page: &str, open: &str, close: &str, marker: &str) -> (String, String) {
    let mut html = String::with_capacity(page.len());
    let mut lifted = String::new();
    let mut rest = page;
    let mut first = true;
    while let Some(start) = rest.find(open) {
        let Some(len) = rest[start..].find(close) else {
            break;
        };
        html.push_str(&rest[..start]);
        if first {
            html.push_str(marker);
            first = false;
        }
        lifted.push_str(&rest[start + open.len()..start + len]);
        lifted.push('\n');
        rest = &rest[start + len + close.len()..];
    }
    html.push_str(rest);
    (html, lifted)
}

pub(crate) fn short_hash(text: &str) -> String {
    use sha2::Digest as _;
    data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(text.as_bytes())[..8])
}

/// The stylesheet of the hub's printable pages (payments report, answers), served like
/// the views' so those pages' policy needs no `'unsafe-inline'` either.
const PRINT_CSS: &str = include_str!("views/print.css");

/// Where [`PRINT_CSS`] is served.
pub static PRINT_CSS_PATH: LazyLock<String> =
    LazyLock::new(|| format!("/static/staff/print.{}.css", short_hash(PRINT_CSS)));

/// The views' stylesheets and scripts; public (they hold no data), cached for good.
pub fn asset_routes() -> Router<AppState> {
    Router::new().route("/static/staff/{file}", get(asset))
}

async fn asset(Path(file): Path<String>) -> Response {
    let path = format!("/static/staff/{file}");
    let found = ASSETS.iter().find_map(|assets| {
        if path == assets.css_path {
            Some((assets.css.as_str(), "text/css; charset=utf-8"))
        } else if path == assets.js_path {
            Some((assets.js.as_str(), "text/javascript; charset=utf-8"))
        } else {
            None
        }
    });
    let found = found
        .or_else(|| (path == *PRINT_CSS_PATH).then_some((PRINT_CSS, "text/css; charset=utf-8")));
    let Some((body, kind)) = found else {
        return ApiError::NotFound.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_view_keeps_an_inline_script_or_style() {
        for view in View::ALL {
            let assets = view.assets();
            for inline in ["<style>", "<script>", "</style>", " style=", " onclick="] {
                assert!(
                    !assets.html.contains(inline),
                    "{inline} left in {}",
                    view.name()
                );
            }
            assert_eq!(assets.html.matches(assets.js_path.as_str()).count(), 1);
            assert!(assets.html.contains(&assets.css_path));
            assert!(assets.js.contains("X-CSRF-Token") && assets.css.contains("nav#views"));
            assert!(assets.html.contains("{{csrf_token}}") && assets.html.contains("{{role}}"));
            assert!(!assets.html.contains("{{title}}") && !assets.html.contains("{{view}}"));
        }
    }

    #[test]
    fn each_route_serves_its_view() {
        // rustfmt may break a route over lines (adding a trailing comma): compare
        // without white space or trailing commas.
        let source: String = include_str!("views.rs")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .replace(",)", ")");
        for view in View::ALL {
            let route = format!(
                ".route(\"{}\",get(|st:State<AppState>,s:StaffSession|page(View::{view:?},st,s)))",
                view.path()
            );
            let at = source.find(&route).unwrap_or_else(|| panic!("{route}"));
            let router = match view.needs() {
                Role::FrontDesk => "pubfndesk_routes()",
                Role::Manager => "pubfnmanager_routes()",
                Role::Admin => "pubfnadmin_routes()",
            };
            let owner = source[..at].rfind("pubfn").unwrap();
            assert!(
                source[owner..].starts_with(router),
                "{route} under {router}"
            );
        }
    }

    #[test]
    fn each_view_is_linked_in_the_navigation_with_the_role_it_needs() {
        let html = &View::Queue.assets().html;
        for view in View::ALL {
            let link = format!("<a href=\"{}\" data-view=\"{}\"", view.path(), view.name());
            let at = html.find(&link).unwrap_or_else(|| panic!("{link}"));
            let tag = &html[at..at + html[at..].find('>').unwrap()];
            match view.needs() {
                Role::FrontDesk => assert!(!tag.contains("data-needs"), "{tag}"),
                role => assert!(
                    tag.contains(&format!("data-needs=\"{}\"", role.as_str())),
                    "{tag}"
                ),
            }
        }
    }
}
