//! Headless Firefox driven over Marionette, the remote protocol built into Firefox (JSON
//! messages framed as `length:json` on a plain TCP socket), so the staff page's Firefox
//! test needs only Debian's `firefox-esr`: no geckodriver to build. The profile asks for
//! a port the system picks (`marionette.port` 0) and Firefox writes it to
//! `MarionetteActivePort` in the profile.

use serde_json::{Value, json};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How Marionette names an element in its answers (the WebDriver element key).
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A headless Firefox with a profile of its own; killed when dropped.
pub struct Firefox {
    child: Child,
    socket: BufReader<TcpStream>,
    next: u64,
    _profile: tempfile::TempDir,
}

impl Drop for Firefox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Firefox {
    /// Starts `firefox-esr` headless with a window of `width` × `height`.
    pub fn start(width: u32, height: u32) -> Self {
        let profile = tempfile::tempdir().unwrap();
        std::fs::write(
            profile.path().join("user.js"),
            "user_pref(\"marionette.port\", 0);\n\
             user_pref(\"browser.shell.checkDefaultBrowser\", false);\n\
             user_pref(\"datareporting.policy.dataSubmissionEnabled\", false);\n\
             user_pref(\"app.update.enabled\", false);\n\
             user_pref(\"network.captive-portal-service.enabled\", false);\n\
             user_pref(\"browser.aboutwelcome.enabled\", false);\n",
        )
        .unwrap();
        let child = Command::new("firefox-esr")
            .args(["--headless", "--marionette", "--no-remote", "--profile"])
            .arg(profile.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("firefox-esr is installed (apt-get install firefox-esr)");
        let port_file = profile.path().join("MarionetteActivePort");
        let port: u16 = crate::support::wait_until("Firefox's Marionette port", || {
            std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|text| text.trim().parse().ok())
        });
        let stream = crate::support::wait_until("Marionette", || {
            TcpStream::connect(("127.0.0.1", port)).ok()
        });
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut firefox = Self {
            child,
            socket: BufReader::new(stream),
            next: 1,
            _profile: profile,
        };
        let hello = firefox.read();
        assert_eq!(hello["marionetteProtocol"], json!(3), "{hello}");
        firefox
            .call("WebDriver:NewSession", json!({ "capabilities": {} }))
            .unwrap();
        firefox
            .call(
                "WebDriver:SetWindowRect",
                json!({ "width": width, "height": height }),
            )
            .unwrap();
        firefox
    }

    fn read(&mut self) -> Value {
        let mut length = Vec::new();
        self.socket.read_until(b':', &mut length).unwrap();
        length.pop();
        let length: usize = String::from_utf8(length).unwrap().parse().unwrap();
        let mut body = vec![0; length];
        self.socket.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    /// Sends a command; its result, or Marionette's error.
    pub fn call(&mut self, command: &str, params: Value) -> Result<Value, Value> {
        let id = self.next;
        self.next += 1;
        let body = serde_json::to_vec(&json!([0, id, command, params])).unwrap();
        let stream = self.socket.get_mut();
        stream
            .write_all(format!("{}:", body.len()).as_bytes())
            .unwrap();
        stream.write_all(&body).unwrap();
        loop {
            let answer = self.read();
            if answer[1] == json!(id) {
                return match &answer[2] {
                    Value::Null => Ok(answer[3].clone()),
                    error => Err(error.clone()),
                };
            }
        }
    }

    pub fn goto(&mut self, url: &str) {
        self.call("WebDriver:Navigate", json!({ "url": url }))
            .unwrap();
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page.
    pub fn script(&mut self, script: &str, args: Value) -> Value {
        self.call(
            "WebDriver:ExecuteScript",
            json!({ "script": script, "args": args }),
        )
        .unwrap()["value"]
            .clone()
    }

    /// The first element matching `css`, once there (the page re-renders: look again).
    pub fn find(&mut self, css: &str) -> String {
        for _ in 0..400 {
            if let Ok(found) = self.call(
                "WebDriver:FindElement",
                json!({ "using": "css selector", "value": css }),
            ) && let Some(id) = found["value"][ELEMENT].as_str()
            {
                return id.to_owned();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{css} never appeared in Firefox");
    }

    pub fn send_keys(&mut self, css: &str, text: &str) {
        let id = self.find(css);
        self.call(
            "WebDriver:ElementSendKeys",
            json!({ "id": id, "text": text }),
        )
        .unwrap();
    }

    /// Clicks the first element matching `css`, looking again if the page re-rendered.
    pub fn click(&mut self, css: &str) {
        for _ in 0..400 {
            let id = self.find(css);
            if self
                .call("WebDriver:ElementClick", json!({ "id": id }))
                .is_ok()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("could not click {css} in Firefox");
    }

    /// The text of the first element matching `css` once it contains `want`.
    pub fn text_saying(&mut self, css: &str, want: &str) -> String {
        let mut text = String::new();
        for _ in 0..400 {
            text = self
                .script(
                    "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
                    json!([css]),
                )
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if text.contains(want) {
                return text;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{css} never said {want:?} in Firefox: {text:?}");
    }

    /// Resizes the window (e.g. to a tablet's 820 × 1180).
    pub fn resize(&mut self, width: u32, height: u32) {
        self.call(
            "WebDriver:SetWindowRect",
            json!({ "width": width, "height": height }),
        )
        .unwrap();
    }

    /// Saves what Firefox shows to `CARGO_TARGET_TMPDIR/name`, to look at.
    pub fn screenshot(&mut self, name: &str) {
        let shot = self
            .call("WebDriver:TakeScreenshot", json!({ "full": false }))
            .unwrap();
        let png = data_encoding::BASE64
            .decode(shot["value"].as_str().unwrap().as_bytes())
            .unwrap();
        let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        std::fs::write(out, png).unwrap();
    }
}
