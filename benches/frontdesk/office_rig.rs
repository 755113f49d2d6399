//! An office hub on loopback for the benchmarks: its own runtime thread, a fresh database,
//! `kiosks` registered kiosks and `appointments` synthetic appointments for today.

use anyhow::Context as _;
use frontdesk::domain::{Cents, KioskId};
use frontdesk::office::config::KioskEntry;
use frontdesk::office::server::{AppState, BackgroundOffice};
use frontdesk::office::store::NewAppointment;
use frontdesk::office::{Office, OfficeConfig};
use jiff::Timestamp;
use jiff::civil::Time;
use std::net::SocketAddr;
use std::path::Path;

pub struct OfficeRig {
    pub base: String,
    pub addr: SocketAddr,
    pub state: AppState,
    /// (kiosk id, bearer token) of each registered kiosk.
    pub kiosks: Vec<(String, String)>,
    server: BackgroundOffice,
}

/// The bearer token of kiosk `n`.
pub fn kiosk_token(n: usize) -> String {
    format!("bench-kiosk-token-{n:04}-0123456789")
}

/// `count` appointments for `day`, spread over the working day, with the demo set's
/// synthetic patients in turn.
pub fn appointments(day: jiff::civil::Date, count: usize) -> Vec<NewAppointment> {
    let demo = frontdesk::office::appointments::demo_set(day);
    (0..count)
        .map(|i| {
            let minute = 8 * 60 + (i % 600) as i32;
            NewAppointment {
                external_id: format!("BENCH-{i:06}"),
                day,
                starts_at: Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0)
                    .expect("within the day"),
                patient: demo[i % demo.len()].patient.clone(),
                provider: "Dr. Bench Able".into(),
                copay: Cents::new(2500),
                balance: Cents::ZERO,
                date_of_birth: demo[i % demo.len()].date_of_birth,
                contact: None,
                patient_id: None,
                reminders: Default::default(),
            }
        })
        .collect()
}

impl OfficeRig {
    /// Opens a fresh office in `data_dir` and serves it on `addr` (port 0: any free port).
    pub fn start(
        data_dir: &Path,
        addr: SocketAddr,
        kiosks: usize,
        appointments_today: usize,
    ) -> anyhow::Result<Self> {
        Self::start_with(data_dir, addr, kiosks, appointments_today, |_| {})
    }

    /// [`Self::start`] with the configuration changed by `configure` first.
    pub fn start_with(
        data_dir: &Path,
        addr: SocketAddr,
        kiosks: usize,
        appointments_today: usize,
        configure: impl FnOnce(&mut OfficeConfig),
    ) -> anyhow::Result<Self> {
        let entries: Vec<KioskEntry> = (0..kiosks)
            .map(|n| {
                Ok(KioskEntry {
                    id: KioskId::new(&format!("bench-{n}"))?,
                    token: kiosk_token(n),
                })
            })
            .collect::<anyhow::Result<_>>()?;
        let mut config = OfficeConfig {
            listen: addr,
            data_dir: data_dir.to_owned(),
            timezone: "UTC".into(),
            clinic_name: "Demo Family Practice".into(),
            kiosks: entries,
            ..OfficeConfig::default()
        };
        configure(&mut config);
        let office = Office::open(config)?;
        let state = office.state().clone();
        let today = state.today(Timestamp::now());
        if appointments_today > 0 {
            state
                .store
                .get()
                .map_err(anyhow::Error::from)?
                .import_appointments(&appointments(today, appointments_today))?;
        }
        let server = office
            .serve_in_background(std::net::TcpListener::bind(addr).context("bind office")?)?;
        let addr = server.addr();
        Ok(Self {
            base: format!("http://{addr}"),
            addr,
            state,
            kiosks: (0..kiosks)
                .map(|n| (format!("bench-{n}"), kiosk_token(n)))
                .collect(),
            server,
        })
    }

    /// Every reminder code for today's appointments, in appointment order.
    pub fn tokens(&self) -> anyhow::Result<Vec<String>> {
        let today = self.state.today(Timestamp::now());
        let list = self
            .state
            .store
            .get()
            .map_err(anyhow::Error::from)?
            .appointments_on(today)?;
        list.iter()
            .map(|a| {
                frontdesk::office::staff::token_for(&self.state, a)
                    .context("no token for today's appointment")
            })
            .collect()
    }

    /// Today's appointment ids, in order.
    pub fn appointment_ids(&self) -> anyhow::Result<Vec<frontdesk::domain::AppointmentId>> {
        let today = self.state.today(Timestamp::now());
        Ok(self
            .state
            .store
            .get()
            .map_err(anyhow::Error::from)?
            .appointments_on(today)?
            .into_iter()
            .map(|a| a.id)
            .collect())
    }

    /// Counts in the office database: (check-ins, distinct ids, distinct appointments,
    /// "check_in.create" audit rows). Equal numbers prove nothing was stored twice.
    pub fn check_in_counts(&self) -> anyhow::Result<(u64, u64, u64, u64)> {
        let path = self.state.config.data_dir.join("office.db");
        let conn = rusqlite::Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        let counts: (i64, i64, i64, i64) = conn.query_row(
            "SELECT count(*), count(DISTINCT id), count(DISTINCT appointment),
                    (SELECT count(*) FROM audit_log WHERE action = 'check_in.create')
             FROM checkins",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok((
            count(counts.0),
            count(counts.1),
            count(counts.2),
            count(counts.3),
        ))
    }

    /// Adds a synthetic front-desk user and signs it in; the session cookie
    /// (`fd_session=…`) for the staff routes.
    pub fn staff_cookie(&self) -> anyhow::Result<String> {
        use frontdesk::office::signin::{self, Password, Role, Username};
        const PASSWORD: &str = "bench-staff-password-0123";
        {
            let mut store = self.state.store.get().map_err(anyhow::Error::from)?;
            signin::add_user(
                &mut store,
                &Username::new("bench-desk")?,
                Role::FrontDesk,
                &Password::new(PASSWORD.into())?,
                Timestamp::now(),
            )?;
        }
        let response = reqwest::blocking::Client::new()
            .post(format!("{}/login", self.base))
            .json(&serde_json::json!({ "username": "bench-desk", "password": PASSWORD }))
            .send()?
            .error_for_status()?;
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .context("no session cookie")?;
        Ok(cookie.to_owned())
    }

    pub fn stop(self) {
        self.server.stop();
    }
}
