//! How the hub reaches its store: one SQLite file behind a lock, or a pool of PostgreSQL
//! connections (`[database] url`), which several hubs may share. Callers ask for a
//! [`StoreGuard`] and never hold a connection themselves.

use super::db::{self, Connection, PgConnection, PgHandle};
use super::pg_server::{PgServer, PgServerError};
use super::{FhirWrites, OfficeStore, StoreError};
use crate::domain::ClinicId;
use crate::tls::{Fingerprint, ServerTrust};
use serde::Deserialize;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// `[database]`: where the hub keeps its data.
#[derive(Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// A PostgreSQL connection string (`postgresql://user:password@host/db` or
    /// `host=/run/postgresql user=frontdesk dbname=frontdesk`); unset: SQLite in the
    /// data directory.
    pub url: Option<String>,
    /// Connections the hub keeps open to PostgreSQL (default 8).
    pub pool_size: Option<u32>,
    /// PEM file of the CA certificate(s) that issue the server's certificate, which must
    /// also name the host in `url`. Setting it (or `server_fingerprint`) makes TLS
    /// required; `sslmode=require` alone trusts the public web CAs.
    pub ca_file: Option<std::path::PathBuf>,
    /// The SHA-256 fingerprint of the server's own certificate (`AB:CD:…`, as
    /// `openssl x509 -fingerprint -sha256` prints it): exactly that certificate is
    /// trusted, e.g. the self-signed one Debian's PostgreSQL makes.
    pub server_fingerprint: Option<Fingerprint>,
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password.
        f.debug_struct("DatabaseConfig")
            .field("url", &self.url.as_ref().map(|_| "<set>"))
            .field("pool_size", &self.pool_size)
            .field("ca_file", &self.ca_file)
            .field("server_fingerprint", &self.server_fingerprint)
            .finish()
    }
}

impl DatabaseConfig {
    /// Checks the connection string and the TLS settings (the server is not tried until
    /// the hub opens).
    pub fn validate(&self) -> Result<(), String> {
        self.server().map_err(|e| e.to_string())?;
        if self.pool_size == Some(0) {
            return Err("[database] pool_size must be at least 1".into());
        }
        Ok(())
    }

    /// The PostgreSQL server `url` names, reached as the TLS settings say; `None` for
    /// SQLite.
    pub fn server(&self) -> Result<Option<PgServer>, PgServerError> {
        let Some(url) = &self.url else {
            if self.ca_file.is_some() || self.server_fingerprint.is_some() {
                return Err(PgServerError::TrustWithoutUrl);
            }
            return Ok(None);
        };
        let trust = match (&self.ca_file, self.server_fingerprint) {
            (Some(_), Some(_)) => return Err(PgServerError::TwoTrusts),
            (Some(path), None) => Some(ServerTrust::CaFile(path.clone())),
            (None, Some(pin)) => Some(ServerTrust::Pinned(pin)),
            (None, None) => None,
        };
        PgServer::new(url, trust.as_ref()).map(Some)
    }

    /// The same server in a new, empty schema of its own (tests and benchmarks: each run
    /// gets a store of its own on one server).
    pub fn in_fresh_schema(&self) -> Result<DatabaseConfig, StoreError> {
        let (Some(url), Some(server)) = (&self.url, self.server()?) else {
            return Err(StoreError::Corrupt("a fresh schema needs [database] url"));
        };
        let name = format!("t{:016x}", getrandom::u64().map_err(StoreError::Random)?);
        PgConnection::connect(&server)?.batch_execute(&format!("CREATE SCHEMA {name}"))?;
        Ok(DatabaseConfig {
            url: Some(format!("{url} options='-c search_path={name}'")),
            ..self.clone()
        })
    }
}

const DEFAULT_POOL: u32 = 8;

/// The PostgreSQL schema, step by step; a step is never edited once released (add one).
/// Every SQLite migration that changes the schema needs its twin here; a test compares
/// the two schemas' tables and columns. A table added after the practices' step needs
/// its `clinic_id` column, forced row-level security and `clinic_rows` policy (as in
/// schema_postgres_clinics.sql); a test checks every table has them.
const POSTGRES_MIGRATIONS: &[&str] = &[
    include_str!("schema_postgres.sql"),
    super::reminder_links::POSTGRES_MIGRATION,
    include_str!("schema_postgres_clinics.sql"),
    super::pairing::POSTGRES_MIGRATION,
];

/// Opens pooled PostgreSQL connections.
struct PgManager {
    server: PgServer,
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgConnection;
    type Error = db::Error;

    fn connect(&self) -> Result<PgConnection, db::Error> {
        PgConnection::connect(&self.server)
    }

    fn is_valid(&self, conn: &mut PgConnection) -> Result<(), db::Error> {
        conn.batch_execute("")
    }

    fn has_broken(&self, conn: &mut PgConnection) -> bool {
        conn.is_closed()
    }
}

impl PgHandle for r2d2::PooledConnection<PgManager> {
    fn connection(&self) -> &PgConnection {
        self
    }
}

/// Settings every [`OfficeStore`] the handle gives out carries.
#[derive(Clone, Copy, Default)]
struct Flags {
    hl7_outbound: bool,
    fhir_writes: FhirWrites,
}

#[derive(Clone)]
enum Backend {
    Sqlite(Arc<Mutex<OfficeStore>>),
    Postgres {
        pool: r2d2::Pool<PgManager>,
        server: Arc<PgServer>,
        flags: Arc<Mutex<Flags>>,
    },
}

/// The hub's store, shared by every handler and worker; cheap to clone.
#[derive(Clone)]
pub struct StoreHandle {
    backend: Backend,
}

/// The store, borrowed for one piece of work.
pub enum StoreGuard<'a> {
    Sqlite(MutexGuard<'a, OfficeStore>),
    Postgres(LockedStore),
}

/// A store on a pooled PostgreSQL connection holding the call lock ([`db::LOCK_CALL`])
/// until dropped.
pub struct LockedStore(OfficeStore);

impl Drop for LockedStore {
    fn drop(&mut self) {
        if let Err(error) = self.0.conn.execute_batch(db::UNLOCK_CALL) {
            // The lock ends with the session anyway; a broken connection is dropped by
            // the pool's next check.
            tracing::warn!(%error, "cannot release the store's call lock");
        }
    }
}

impl std::ops::Deref for StoreGuard<'_> {
    type Target = OfficeStore;

    fn deref(&self) -> &OfficeStore {
        match self {
            StoreGuard::Sqlite(guard) => guard,
            StoreGuard::Postgres(store) => &store.0,
        }
    }
}

impl std::ops::DerefMut for StoreGuard<'_> {
    fn deref_mut(&mut self) -> &mut OfficeStore {
        match self {
            StoreGuard::Sqlite(guard) => guard,
            StoreGuard::Postgres(store) => &mut store.0,
        }
    }
}

impl StoreHandle {
    /// The store `config` names: PostgreSQL at `url`, where the hub sees practice
    /// `clinic`'s rows only, else SQLite in `data_dir` (one practice's file).
    pub fn open(
        config: &DatabaseConfig,
        clinic: ClinicId,
        data_dir: &Path,
    ) -> Result<Self, StoreError> {
        match config.server()? {
            None => Ok(Self::sqlite(OfficeStore::open(
                &data_dir.join("office.db"),
            )?)),
            Some(server) => Self::postgres(
                server.for_clinic(clinic),
                config.pool_size.unwrap_or(DEFAULT_POOL),
            ),
        }
    }

    pub fn sqlite(store: OfficeStore) -> Self {
        Self {
            backend: Backend::Sqlite(Arc::new(Mutex::new(store))),
        }
    }

    /// Connects to PostgreSQL as the practice `server` was given (see
    /// [`PgServer::for_clinic`]) and brings its schema up to date (one hub at a time).
    /// Refuses a role that row-level security does not bind: it would see every
    /// practice's rows.
    pub fn postgres(server: PgServer, pool_size: u32) -> Result<Self, StoreError> {
        PgConnection::connect(&server)?.run(|session| {
            refuse_unbound_role(&mut session.client)?;
            migrate(&mut session.client)
        })?;
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(1))
            .build(PgManager {
                server: server.clone(),
            })
            .map_err(|e| db::Error::Pool(e.to_string()))?;
        Ok(Self {
            backend: Backend::Postgres {
                pool,
                server: Arc::new(server),
                flags: Arc::default(),
            },
        })
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres { .. })
    }

    /// For tests: the store on PostgreSQL in a fresh schema when
    /// `FRONTDESK_TEST_POSTGRES` names a server (key=value form), else SQLite in `dir`.
    pub fn for_tests(dir: &Path) -> Result<Self, StoreError> {
        match std::env::var("FRONTDESK_TEST_POSTGRES") {
            Ok(base) if !base.is_empty() => {
                let database = DatabaseConfig {
                    url: Some(fresh_postgres_schema(&base)?),
                    pool_size: Some(2),
                    ..DatabaseConfig::default()
                };
                Self::open(
                    &database,
                    crate::office::OfficeConfig::default().clinic_id,
                    dir,
                )
            }
            _ => Ok(Self::sqlite(OfficeStore::open(&dir.join("office.db"))?)),
        }
    }

    /// The one store of a test handle (see [`Self::for_tests`]), owned.
    pub fn into_store(self) -> Result<OfficeStore, StoreError> {
        match self.backend {
            Backend::Sqlite(store) => Ok(Arc::try_unwrap(store)
                .map_err(|_| StoreError::Corrupt("store still shared"))?
                .into_inner()
                .unwrap_or_else(|p| p.into_inner())),
            Backend::Postgres { pool, .. } => {
                let conn = pool.get().map_err(|e| db::Error::Pool(e.to_string()))?;
                Ok(OfficeStore::with_connection(Connection::postgres(
                    Box::new(conn),
                )))
            }
        }
    }

    /// The store for one piece of work: waits for the SQLite lock or a pooled connection.
    pub fn get(&self) -> Result<StoreGuard<'_>, StoreError> {
        match &self.backend {
            Backend::Sqlite(store) => Ok(StoreGuard::Sqlite(
                store
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
            )),
            Backend::Postgres { pool, flags, .. } => {
                let conn = pool.get().map_err(|e| db::Error::Pool(e.to_string()))?;
                let flags = *flags.lock().unwrap_or_else(|p| p.into_inner());
                conn.batch_execute(db::LOCK_CALL)?;
                let mut store = OfficeStore::with_connection(Connection::postgres(Box::new(conn)));
                store.set_hl7_outbound(flags.hl7_outbound);
                store.set_fhir_writes(flags.fhir_writes);
                Ok(StoreGuard::Postgres(LockedStore(store)))
            }
        }
    }

    /// What check-ins queue for the EHR: HL7 messages (see
    /// [`OfficeStore::set_hl7_outbound`]) and FHIR writes ([`OfficeStore::set_fhir_writes`]).
    pub fn set_outbound(&self, hl7: bool, fhir: FhirWrites) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(_) => {
                let mut store = self.get()?;
                store.set_hl7_outbound(hl7);
                store.set_fhir_writes(fhir);
            }
            Backend::Postgres { flags, .. } => {
                *flags.lock().unwrap_or_else(|p| p.into_inner()) = Flags {
                    hl7_outbound: hl7,
                    fhir_writes: fhir,
                };
            }
        }
        Ok(())
    }

    /// A connection of its own, outside the pool, for listening to other hubs.
    pub fn postgres_listener(&self) -> Option<Result<postgres::Client, StoreError>> {
        match &self.backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres { server, .. } => Some(
                server
                    .connect()
                    .map_err(|e| StoreError::from(db::Error::from(e))),
            ),
        }
    }
}

/// Makes a new, empty schema on the server `base` names (a connection string) and returns
/// a connection string whose sessions use it (see [`DatabaseConfig::in_fresh_schema`]).
pub fn fresh_postgres_schema(base: &str) -> Result<String, StoreError> {
    let database = DatabaseConfig {
        url: Some(base.to_owned()),
        ..DatabaseConfig::default()
    };
    Ok(database.in_fresh_schema()?.url.unwrap_or_default())
}

/// Fails when the session's role is a superuser or has BYPASSRLS: row-level security
/// would not keep the other practices' rows from it.
pub(super) fn refuse_unbound_role(client: &mut postgres::Client) -> Result<(), db::Error> {
    let unbound: bool = client
        .query_one(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user",
            &[],
        )?
        .get(0);
    if unbound {
        return Err(db::Error::Schema(
            "the hub's role is a superuser or bypasses row-level security, so it would see \
             every practice's rows: connect as a role of its own (createuser frontdesk; \
             createdb -O frontdesk frontdesk)",
        ));
    }
    Ok(())
}

/// Applies the PostgreSQL steps not applied yet, under the schema's lock so hubs starting
/// together (of one practice or several) do not both apply one.
fn migrate(client: &mut postgres::Client) -> Result<(), db::Error> {
    let mut tx = client.transaction()?;
    tx.execute(db::LOCK_SCHEMA, &[])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS frontdesk_schema (version BIGINT NOT NULL)")?;
    let version: i64 = tx
        .query_opt("SELECT version FROM frontdesk_schema", &[])?
        .map_or(0, |row| row.get(0));
    let done =
        usize::try_from(version).map_err(|_| db::Error::Schema("its version is unreadable"))?;
    if done > POSTGRES_MIGRATIONS.len() {
        return Err(db::Error::Schema("it is newer than this hub"));
    }
    for sql in &POSTGRES_MIGRATIONS[done..] {
        tx.batch_execute(sql)?;
    }
    let now = i64::try_from(POSTGRES_MIGRATIONS.len()).unwrap_or(i64::MAX);
    if version == 0 {
        tx.execute(
            "INSERT INTO frontdesk_schema (version) VALUES ($1)",
            &[&now],
        )
    } else {
        tx.execute("UPDATE frontdesk_schema SET version = $1", &[&now])
    }?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_section_says_what_is_wrong_with_it() {
        let read = |toml: &str| toml::from_str::<DatabaseConfig>(toml).unwrap().validate();
        assert_eq!(read(""), Ok(()));
        assert_eq!(read("url = \"host=/run/postgresql dbname=fd\""), Ok(()));
        let pin = "AB:".repeat(31) + "CD";
        assert_eq!(
            read(&format!(
                "url = \"host=db.example dbname=fd\"\nserver_fingerprint = \"{pin}\""
            )),
            Ok(())
        );
        let refused = |toml: &str, says: &str| {
            let error = read(toml).unwrap_err();
            assert!(error.contains(says), "{toml}: {error}");
        };
        refused("url = \"host=db.example password=hunter2-x\"", "plain TCP");
        refused("ca_file = \"/etc/ca.pem\"", "none is set");
        refused(
            &format!(
                "url = \"host=db.example\"\nca_file = \"/etc/ca.pem\"\nserver_fingerprint = \"{pin}\""
            ),
            "set one",
        );
        refused(
            "url = \"host=db.example\"\nca_file = \"/nonexistent/ca.pem\"",
            "/nonexistent/ca.pem",
        );
        refused("pool_size = 0", "pool_size");
        assert!(
            !read("url = \"host=db.example password=hunter2-x\"")
                .unwrap_err()
                .contains("hunter2")
        );
    }

    /// Practice 1's store in a fresh schema on the server `base` names.
    fn postgres_store(base: &str) -> OfficeStore {
        let url = fresh_postgres_schema(base).unwrap();
        let server = PgServer::new(&url, None).unwrap();
        StoreHandle::postgres(server.for_clinic(ClinicId::new(1).unwrap()), 1)
            .unwrap()
            .into_store()
            .unwrap()
    }

    type Columns = Vec<(String, Vec<String>)>;

    fn columns(store: &OfficeStore, tables: &str, of_table: &str) -> Columns {
        let mut names: Vec<String> = store
            .conn
            .prepare(tables)
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        names.sort();
        names
            .into_iter()
            .filter(|t| !matches!(t.as_str(), "frontdesk_schema" | "sqlite_sequence"))
            .map(|table| {
                let cols: Vec<String> = store
                    .conn
                    .prepare(of_table)
                    .unwrap()
                    .query_map(db::params![table], |row| row.get(0))
                    .unwrap()
                    .collect::<Result<Vec<String>, _>>()
                    .unwrap()
                    .into_iter()
                    // rowid: SQLite's own; clinic_id: the shared schema's practice
                    // (a SQLite file holds one practice).
                    .filter(|c| c != "rowid" && c != "clinic_id")
                    .collect();
                (table, cols)
            })
            .collect()
    }

    /// The PostgreSQL schema is the SQLite one's twin: same tables, same columns in the
    /// same order (a migration added to one only fails here). Runs in the PostgreSQL pass.
    #[test]
    fn both_schemas_have_the_same_tables_and_columns() {
        let Ok(base) = std::env::var("FRONTDESK_TEST_POSTGRES") else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let sqlite = OfficeStore::open(&dir.path().join("office.db")).unwrap();
        let postgres = postgres_store(&base);
        let on_sqlite = columns(
            &sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
            "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
        );
        let on_postgres = columns(
            &postgres,
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() ORDER BY table_name",
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ?1
             ORDER BY ordinal_position",
        );
        assert_eq!(on_sqlite, on_postgres);
        assert!(on_sqlite.len() > 20, "{on_sqlite:?}");
    }

    /// Every table of the shared schema holds its practice's rows only: a `clinic_id`
    /// column, row-level security forced (its owner, the hub's role, bound too) and the
    /// `clinic_rows` policy. A table added without them fails here. PostgreSQL pass.
    #[test]
    fn every_postgres_table_is_kept_per_practice() {
        let Ok(base) = std::env::var("FRONTDESK_TEST_POSTGRES") else {
            return;
        };
        let store = postgres_store(&base);
        let unguarded: Vec<(String, i64, i64, i64)> = store
            .conn
            .prepare(
                "SELECT c.relname::text,
                        (SELECT count(*) FROM information_schema.columns i
                          WHERE i.table_schema = current_schema() AND i.table_name = c.relname
                            AND i.column_name = 'clinic_id'),
                        iif(c.relrowsecurity AND c.relforcerowsecurity, 1::bigint, 0::bigint),
                        (SELECT count(*) FROM pg_policies p
                          WHERE p.schemaname = current_schema() AND p.tablename = c.relname
                            AND p.policyname = 'clinic_rows')
                 FROM pg_class c
                 WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
                   AND c.relname <> 'frontdesk_schema'
                 ORDER BY 1",
            )
            .unwrap()
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        assert!(unguarded.len() > 20, "{unguarded:?}");
        let missing: Vec<_> = unguarded
            .iter()
            .filter(|(_, column, forced, policy)| (*column, *forced, *policy) != (1, 1, 1))
            .collect();
        assert!(missing.is_empty(), "not kept per practice: {missing:?}");
    }
}
