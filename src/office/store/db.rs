//! One connection API over the two databases the office store runs on: SQLite
//! (`rusqlite`, the default, one file) and PostgreSQL (`postgres`, the blocking client of
//! `tokio-postgres`, for a group of practices sharing hubs).
//!
//! The store's SQL is written once, in the subset both understand: `?N` placeholders
//! (rewritten to `$N` for PostgreSQL), `ON CONFLICT`, `RETURNING`, and the few SQLite
//! functions the PostgreSQL schema defines alike (`iif`, `instr`). Rows are read into
//! owned [`Value`]s, so mapping code is the same for both; SQLite's dynamic types are the
//! model (integers for flags, text for instants).
//!
//! Written here rather than taken from a crate: the database-agnostic crates either pull
//! a second SQLite library beside rusqlite (sqlx) or bring an ORM; this is only the
//! narrow API the store already used, kept source-compatible with rusqlite's.

use std::collections::HashMap;

/// A value bound to or read from a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL's error, said by its SQLSTATE and message only: its detail line can
    /// quote row values (a unique key, a failing row), which may be PHI.
    #[error("{0}")]
    Postgres(PgError),
    #[error("query returned no rows")]
    NoRows,
    #[error("column {index}: cannot read {found} as {wanted}")]
    Type {
        index: usize,
        found: &'static str,
        wanted: &'static str,
    },
    #[error("no column {0} in the row")]
    NoColumn(usize),
    #[error("no free database connection: {0}")]
    Pool(String),
    #[error("cannot use the database's schema: {0}")]
    Schema(&'static str),
}

/// A PostgreSQL error without its detail (see [`Error::Postgres`]).
#[derive(Debug)]
pub struct PgError {
    code: Option<String>,
    message: String,
}

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "postgres {code}: {}", self.message),
            None => write!(f, "postgres: {}", self.message),
        }
    }
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        let (code, message) = match e.as_db_error() {
            Some(db) => (Some(db.code().code().to_owned()), db.message().to_owned()),
            // Connection, TLS and protocol errors carry no row data; their causes say
            // why (refused, a certificate not trusted), which is what IT needs to read.
            None => {
                let mut message = e.to_string();
                let mut cause = std::error::Error::source(&e);
                while let Some(inner) = cause {
                    message = format!("{message}: {inner}");
                    cause = inner.source();
                }
                (e.code().map(|c| c.code().to_owned()), message)
            }
        };
        Error::Postgres(PgError { code, message })
    }
}

impl Error {
    /// A UNIQUE (or primary key) constraint refused the write.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            Error::Postgres(e) => e.code.as_deref() == Some("23505"),
            _ => false,
        }
    }

    /// Two transactions crossed and one must be run again (PostgreSQL only).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Postgres(e) if matches!(e.code.as_deref(), Some("40001" | "40P01")))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Turns a value into what a statement binds.
pub trait ToSql {
    fn to_value(&self) -> Value;
}

/// Reads a column's value.
pub trait FromSql: Sized {
    fn from_value(value: &Value, index: usize) -> Result<Self>;
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Integer(_) => "integer",
        Value::Real(_) => "real",
        Value::Text(_) => "text",
        Value::Blob(_) => "blob",
    }
}

fn wrong(value: &Value, index: usize, wanted: &'static str) -> Error {
    Error::Type {
        index,
        found: type_name(value),
        wanted,
    }
}

impl<T: ToSql + ?Sized> ToSql for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToSql> ToSql for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToSql::to_value)
    }
}

impl ToSql for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl ToSql for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl ToSql for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToSql for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl ToSql for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}

impl<const N: usize> ToSql for [u8; N] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl ToSql for bool {
    fn to_value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}

impl ToSql for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}

macro_rules! integer_to_sql {
    ($($t:ty),*) => {$(
        impl ToSql for $t {
            fn to_value(&self) -> Value {
                Value::Integer(i64::from(*self))
            }
        }
    )*};
}
integer_to_sql!(i8, i16, i32, i64, u8, u16, u32);

impl ToSql for usize {
    fn to_value(&self) -> Value {
        // Counts and limits: far below i64::MAX wherever the store binds one.
        Value::Integer(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl<T: FromSql> FromSql for Option<T> {
    fn from_value(value: &Value, index: usize) -> Result<Self> {
        match value {
            Value::Null => Ok(None),
            _ => T::from_value(value, index).map(Some),
        }
    }
}

impl FromSql for Value {
    fn from_value(value: &Value, _: usize) -> Result<Self> {
        Ok(value.clone())
    }
}

impl FromSql for String {
    fn from_value(value: &Value, index: usize) -> Result<Self> {
        match value {
            Value::Text(text) => Ok(text.clone()),
            _ => Err(wrong(value, index, "text")),
        }
    }
}

impl FromSql for Vec<u8> {
    fn from_value(value: &Value, index: usize) -> Result<Self> {
        match value {
            Value::Blob(bytes) => Ok(bytes.clone()),
            _ => Err(wrong(value, index, "blob")),
        }
    }
}

impl<const N: usize> FromSql for [u8; N] {
    fn from_value(value: &Value, index: usize) -> Result<Self> {
        match value {
            Value::Blob(bytes) => bytes
                .as_slice()
                .try_into()
                .map_err(|_| wrong(value, index, "fixed-size blob")),
            _ => Err(wrong(value, index, "blob")),
        }
    }
}

impl FromSql for f64 {
    fn from_value(value: &Value, index: usize) -> Result<Self> {
        match value {
            Value::Real(x) => Ok(*x),
            #[allow(clippy::cast_precision_loss)]
            Value::Integer(i) => Ok(*i as f64),
            _ => Err(wrong(value, index, "real")),
        }
    }
}

impl FromSql for bool {
    fn from_value(value: &Value, index: usize) -> Result<Self> {
        match value {
            Value::Integer(i) => Ok(*i != 0),
            _ => Err(wrong(value, index, "boolean")),
        }
    }
}

macro_rules! integer_from_sql {
    ($($t:ty),*) => {$(
        impl FromSql for $t {
            fn from_value(value: &Value, index: usize) -> Result<Self> {
                match value {
                    Value::Integer(i) => {
                        <$t>::try_from(*i).map_err(|_| wrong(value, index, stringify!($t)))
                    }
                    _ => Err(wrong(value, index, stringify!($t))),
                }
            }
        }
    )*};
}
integer_from_sql!(i8, i16, i32, i64, u8, u16, u32, u64, usize);

/// Where a column is, in [`Row::get`] (by position only; kept generic so calls read as
/// they did with rusqlite: `row.get::<_, T>(0)`).
pub trait RowIndex {
    fn index(&self) -> usize;
}

impl RowIndex for usize {
    fn index(&self) -> usize {
        *self
    }
}

/// One result row, read.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    values: &'a [Value],
}

impl Row<'_> {
    pub fn get<I: RowIndex, T: FromSql>(&self, index: I) -> Result<T> {
        let index = index.index();
        let value = self.values.get(index).ok_or(Error::NoColumn(index))?;
        T::from_value(value, index)
    }
}

/// All rows of a query, read (see [`Statement::query`]).
pub struct Rows {
    rows: Vec<Vec<Value>>,
    next: usize,
}

impl Rows {
    #[allow(clippy::should_implement_trait)] // rusqlite's shape: fallible, lending
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        let row = self.rows.get(self.next);
        self.next += 1;
        Ok(row.map(|values| Row { values }))
    }
}

/// What a statement binds.
pub trait Params {
    fn values(&self) -> Vec<Value>;
}

impl Params for &[&dyn ToSql] {
    fn values(&self) -> Vec<Value> {
        self.iter().map(|p| p.to_value()).collect()
    }
}

impl Params for [&dyn ToSql; 0] {
    fn values(&self) -> Vec<Value> {
        Vec::new()
    }
}

/// Arrays of one to 32 values of a type, as rusqlite takes them (`[id]`); sized one by
/// one so `[]` alone still infers.
macro_rules! array_params {
    ($($n:literal)*) => {$(
        impl<T: ToSql> Params for [T; $n] {
            fn values(&self) -> Vec<Value> {
                self.iter().map(ToSql::to_value).collect()
            }
        }
    )*};
}
array_params!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32);

/// Rows read straight into tuples, as rusqlite allows (`<(A, B)>::try_from(row)`).
macro_rules! tuple_from_row {
    ($($name:ident $index:tt),+) => {
        impl<$($name: FromSql),+> TryFrom<&Row<'_>> for ($($name,)+) {
            type Error = Error;

            fn try_from(row: &Row<'_>) -> Result<Self> {
                Ok(($(row.get::<_, $name>($index)?,)+))
            }
        }
    };
}
tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);

impl Params for Vec<Value> {
    fn values(&self) -> Vec<Value> {
        self.clone()
    }
}

/// Binds a list of values, like rusqlite's macro of the same name (exported for the
/// benchmarks; reached as `db::params!`).
#[doc(hidden)]
#[macro_export]
macro_rules! __office_sql_params {
    () => { [] as [&dyn $crate::office::store::db::ToSql; 0] };
    ($($param:expr),+ $(,)?) => {
        [$(&$param as &dyn $crate::office::store::db::ToSql),+]
    };
}
pub use crate::__office_sql_params as params;

/// `Result<T>` of a query for one row, with "no row" as `None`.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// How a transaction begins. With SQLite, `Immediate` takes the write lock at once;
/// with PostgreSQL every transaction takes the hub's write lock (see [`Connection`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionBehavior {
    Deferred,
    Immediate,
}

/// A PostgreSQL connection, owned by a thread of its own that runs what is asked of it.
/// The blocking client drives its own async runtime, which cannot start on a thread
/// already driving one (an axum handler, a test's async block); a call here only waits
/// on a channel, like waiting on the SQLite lock, wherever it is made from.
pub struct PgConnection {
    jobs: std::sync::mpsc::Sender<PgJob>,
}

type PgJob = Box<dyn FnOnce(&mut PgSession) + Send>;

/// A bound parameter as the client takes it.
type PgParam<'a> = &'a (dyn postgres::types::ToSql + Sync);

/// What the connection's thread holds: the client and its prepared statements.
pub struct PgSession {
    pub client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl PgConnection {
    /// Connects (on the new thread) to `server`.
    pub fn connect(server: &super::pg_server::PgServer) -> Result<Self> {
        let (jobs, inbox) = std::sync::mpsc::channel::<PgJob>();
        let (ready, connected) = std::sync::mpsc::sync_channel::<Result<()>>(1);
        let server = server.clone();
        std::thread::Builder::new()
            .name("postgres".into())
            .spawn(move || match server.connect() {
                Ok(client) => {
                    let _ = ready.send(Ok(()));
                    let mut session = PgSession {
                        client,
                        statements: HashMap::new(),
                    };
                    while let Ok(job) = inbox.recv() {
                        job(&mut session);
                    }
                }
                Err(e) => {
                    let _ = ready.send(Err(e.into()));
                }
            })
            .map_err(|e| Error::Pool(e.to_string()))?;
        connected.recv().map_err(|_| gone())??;
        Ok(Self { jobs })
    }

    /// Runs `f` on the connection's thread and waits for its answer.
    pub fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut PgSession) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (answer, answered) = std::sync::mpsc::sync_channel(1);
        self.jobs
            .send(Box::new(move |session| {
                let _ = answer.send(f(session));
            }))
            .map_err(|_| gone())?;
        answered.recv().map_err(|_| gone())?
    }

    /// Runs `call` on the connection's thread with `sql` prepared and `values` bound.
    fn with_bound<T: Send + 'static>(
        &self,
        sql: &str,
        values: &[Value],
        call: impl FnOnce(&mut postgres::Client, &postgres::Statement, &[PgParam<'_>]) -> Result<T>
        + Send
        + 'static,
    ) -> Result<T> {
        let (sql, values) = (sql.to_owned(), values.to_vec());
        self.run(move |session| {
            let statement = session.statement(&sql)?;
            let bound: Vec<pg::Bound<'_>> = values.iter().map(pg::Bound).collect();
            let refs: Vec<PgParam<'_>> = bound.iter().map(|b| b as PgParam<'_>).collect();
            call(&mut session.client, &statement, &refs)
        })
    }

    fn query(&self, sql: &str, values: &[Value]) -> Result<Vec<Vec<Value>>> {
        self.with_bound(sql, values, |client, statement, params| {
            client
                .query(statement, params)?
                .iter()
                .map(pg::read_row)
                .collect()
        })
    }

    fn execute(&self, sql: &str, values: &[Value]) -> Result<usize> {
        self.with_bound(sql, values, |client, statement, params| {
            let count = client.execute(statement, params)?;
            Ok(usize::try_from(count).unwrap_or(usize::MAX))
        })
    }

    /// Runs statements without parameters.
    pub fn batch_execute(&self, sql: &str) -> Result<()> {
        let sql = sql.to_owned();
        self.run(move |session| Ok(session.client.batch_execute(&sql)?))
    }

    /// Whether the server closed the connection.
    pub fn is_closed(&self) -> bool {
        self.run(|session| Ok(session.client.is_closed()))
            .unwrap_or(true)
    }
}

fn gone() -> Error {
    Error::Pool("the database connection's thread has ended".into())
}

impl PgSession {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(&postgres_sql(sql))?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

/// Rewrites `?N` and `?` placeholders to PostgreSQL's `$N` and puts the practice's
/// column first in `ON CONFLICT (…)` targets, leaving string literals, quoted names and
/// comments alone.
pub fn postgres_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut next_bare = 1;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                out.push('$');
                if digits.is_empty() {
                    out.push_str(&next_bare.to_string());
                    next_bare += 1;
                } else {
                    out.push_str(&digits);
                }
            }
            // Every unique key of the shared schema is per practice (see
            // schema_postgres_clinics.sql), so every conflict target is too.
            '(' if ends_with_keywords(&out, "ON CONFLICT") => out.push_str("(clinic_id, "),
            _ => out.push(c),
        }
    }
    out
}

/// Whether `sql` ends with `keywords` (any case, any spacing between them).
fn ends_with_keywords(sql: &str, keywords: &str) -> bool {
    let mut words = sql.split_whitespace().rev();
    keywords.split(' ').rev().all(|keyword| {
        words
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case(keyword))
    })
}

/// The PostgreSQL side of binding and reading values.
mod pg {
    use super::{Error, Result, Value};
    use postgres::types::{IsNull, ToSql, Type, to_sql_checked};

    /// A [`Value`] bound to a parameter of whatever type PostgreSQL inferred for it,
    /// converted the way SQLite's dynamic typing would take it.
    #[derive(Debug)]
    pub struct Bound<'a>(pub &'a Value);

    type BoxError = Box<dyn std::error::Error + Sync + Send>;

    impl ToSql for Bound<'_> {
        fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
            let mismatch = || -> BoxError {
                format!(
                    "cannot bind {} to a {ty} parameter",
                    super::type_name(self.0)
                )
                .into()
            };
            match self.0 {
                Value::Null => Ok(IsNull::Yes),
                Value::Integer(i) => match *ty {
                    Type::INT8 => i.to_sql(ty, out),
                    Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                    Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                    Type::BOOL => (*i != 0).to_sql(ty, out),
                    #[allow(clippy::cast_precision_loss)]
                    Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                    Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                        i.to_string().to_sql(&Type::TEXT, out)
                    }
                    Type::NUMERIC => Ok(super::numeric::write(*i, out)),
                    _ => Err(mismatch()),
                },
                Value::Real(x) => match *ty {
                    Type::FLOAT8 => x.to_sql(ty, out),
                    _ => Err(mismatch()),
                },
                Value::Text(text) => match *ty {
                    Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                        text.as_str().to_sql(&Type::TEXT, out)
                    }
                    _ => Err(mismatch()),
                },
                Value::Blob(bytes) => match *ty {
                    Type::BYTEA => bytes.as_slice().to_sql(ty, out),
                    _ => Err(mismatch()),
                },
            }
        }

        fn accepts(_: &Type) -> bool {
            true
        }

        to_sql_checked!();
    }

    pub fn read_row(row: &postgres::Row) -> Result<Vec<Value>> {
        (0..row.len()).map(|i| read(row, i)).collect()
    }

    fn read(row: &postgres::Row, i: usize) -> Result<Value> {
        let ty = row.columns()[i].type_().clone();
        let value = match ty {
            Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Integer),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(i)?
                .map(|v| Value::Integer(v.into())),
            Type::INT2 => row
                .try_get::<_, Option<i16>>(i)?
                .map(|v| Value::Integer(v.into())),
            Type::BOOL => row
                .try_get::<_, Option<bool>>(i)?
                .map(|v| Value::Integer(v.into())),
            Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map(Value::Real),
            Type::FLOAT4 => row
                .try_get::<_, Option<f32>>(i)?
                .map(|v| Value::Real(v.into())),
            Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
            Type::NUMERIC => row
                .try_get::<_, Option<super::numeric::Numeric>>(i)?
                .map(|n| n.0),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                row.try_get::<_, Option<String>>(i)?.map(Value::Text)
            }
            _ => {
                return Err(Error::Type {
                    index: i,
                    found: "unsupported postgres type",
                    wanted: "integer, real, text or blob",
                });
            }
        };
        Ok(value.unwrap_or(Value::Null))
    }
}

/// PostgreSQL's NUMERIC wire format (what `SUM` over integers returns), written by hand:
/// the store only meets whole numbers and the odd average, so the decimal crates'
/// generality is not needed.
mod numeric {
    use super::Value;
    use postgres::types::{FromSql, IsNull, Type};

    pub struct Numeric(pub Value);

    type BoxError = Box<dyn std::error::Error + Sync + Send>;

    impl<'a> FromSql<'a> for Numeric {
        fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
            let word = |at: usize| -> Result<i16, BoxError> {
                let bytes = raw.get(at..at + 2).ok_or("short numeric")?;
                Ok(i16::from_be_bytes([bytes[0], bytes[1]]))
            };
            let ndigits = usize::try_from(word(0)?).map_err(|_| "bad numeric")?;
            let weight = i32::from(word(2)?);
            let sign = word(4)?.cast_unsigned();
            if sign == 0xC000 {
                return Ok(Numeric(Value::Real(f64::NAN)));
            }
            let mut whole: i128 = 0;
            let mut fraction = 0f64;
            for k in 0..ndigits {
                let digit = i128::from(word(8 + 2 * k)?);
                let power = weight - i32::try_from(k).map_err(|_| "bad numeric")?;
                if power >= 0 {
                    whole = whole
                        .checked_mul(10_000)
                        .and_then(|w| w.checked_add(digit))
                        .ok_or("numeric too large")?;
                } else {
                    #[allow(clippy::cast_precision_loss)]
                    let part = digit as f64 * 10_000f64.powi(power);
                    fraction += part;
                }
            }
            // Digits stop at the last non-zero group: scale up what the weight implies.
            let last_power = weight - i32::try_from(ndigits).map_err(|_| "bad numeric")? + 1;
            for _ in 0..last_power.max(0) {
                whole = whole.checked_mul(10_000).ok_or("numeric too large")?;
            }
            let negative = sign == 0x4000;
            if fraction == 0.0 {
                let whole = i64::try_from(whole).map_err(|_| "numeric too large")?;
                return Ok(Numeric(Value::Integer(if negative {
                    -whole
                } else {
                    whole
                })));
            }
            #[allow(clippy::cast_precision_loss)]
            let real = whole as f64 + fraction;
            Ok(Numeric(Value::Real(if negative { -real } else { real })))
        }

        fn accepts(ty: &Type) -> bool {
            *ty == Type::NUMERIC
        }
    }

    /// Writes a whole number as NUMERIC.
    pub fn write(value: i64, out: &mut bytes::BytesMut) -> IsNull {
        let mut groups = Vec::new();
        let mut rest = value.unsigned_abs();
        while rest > 0 {
            groups.push(u16::try_from(rest % 10_000).unwrap_or(0));
            rest /= 10_000;
        }
        groups.reverse();
        let ndigits = i16::try_from(groups.len()).unwrap_or(0);
        out.extend_from_slice(&ndigits.to_be_bytes());
        out.extend_from_slice(&(ndigits - 1).max(0).to_be_bytes());
        out.extend_from_slice(&(if value < 0 { 0x4000u16 } else { 0 }).to_be_bytes());
        out.extend_from_slice(&0u16.to_be_bytes());
        for group in groups {
            out.extend_from_slice(&group.to_be_bytes());
        }
        IsNull::No
    }
}

enum Backend {
    Sqlite(rusqlite::Connection),
    Postgres(Box<dyn PgHandle>),
}

/// A PostgreSQL connection as the store holds it: owned, or lent by the hub's pool.
pub trait PgHandle: Send {
    fn connection(&self) -> &PgConnection;
}

impl PgHandle for PgConnection {
    fn connection(&self) -> &PgConnection {
        self
    }
}

/// A connection to the office database.
pub struct Connection {
    backend: Backend,
}

/// The PostgreSQL advisory lock every transaction takes: writes are serialized across
/// the hubs of one practice, the single-writer model SQLite gives and the store's logic
/// assumes (e.g. the audit chain's next link). Keyed by schema and practice
/// (`frontdesk.clinic`), so practices sharing a schema, or kept in separate schemas of
/// one server, do not wait on each other: they share no rows.
pub const LOCK_WRITES: &str = "SELECT pg_advisory_xact_lock(1718775406, \
     hashtext(current_schema() || '/' || current_setting('frontdesk.clinic')))";

/// The same lock, held by a hub's store call from start to end (see `handle`): the
/// store's methods were written against one SQLite connection behind a lock, some
/// reading then writing outside a transaction, so on PostgreSQL each call runs alone
/// too. (Re-entrant: a call's own transactions take it again at once.)
pub const LOCK_CALL: &str = "SELECT pg_advisory_lock(1718775406, \
     hashtext(current_schema() || '/' || current_setting('frontdesk.clinic')))";

/// Ends [`LOCK_CALL`].
pub const UNLOCK_CALL: &str = "SELECT pg_advisory_unlock(1718775406, \
     hashtext(current_schema() || '/' || current_setting('frontdesk.clinic')))";

/// The schema's own lock, for changing it: every practice's hubs starting together apply
/// a migration step once.
pub const LOCK_SCHEMA: &str =
    "SELECT pg_advisory_xact_lock(1718775407, hashtext(current_schema()))";

impl Connection {
    pub fn sqlite(conn: rusqlite::Connection) -> Self {
        Self {
            backend: Backend::Sqlite(conn),
        }
    }

    pub fn postgres(conn: Box<dyn PgHandle>) -> Self {
        Self {
            backend: Backend::Postgres(conn),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// The SQLite connection, for what only SQLite has (backup, migrations).
    pub fn as_sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.backend {
            Backend::Sqlite(conn) => Some(conn),
            Backend::Postgres(_) => None,
        }
    }

    fn run_query(&self, sql: &str, values: &[Value]) -> Result<Vec<Vec<Value>>> {
        match &self.backend {
            Backend::Sqlite(conn) => {
                let mut statement = conn.prepare_cached(sql)?;
                let columns = statement.column_count();
                let mut rows = statement.query(rusqlite::params_from_iter(values.iter()))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    let mut values = Vec::with_capacity(columns);
                    for i in 0..columns {
                        values.push(sqlite_value(row.get_ref(i)?));
                    }
                    out.push(values);
                }
                Ok(out)
            }
            Backend::Postgres(conn) => conn.connection().query(sql, values),
        }
    }

    fn run_execute(&self, sql: &str, values: &[Value]) -> Result<usize> {
        match &self.backend {
            Backend::Sqlite(conn) => Ok(conn
                .prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(values.iter()))?),
            Backend::Postgres(conn) => conn.connection().execute(sql, values),
        }
    }

    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.run_execute(sql, &params.values())
    }

    pub fn query_row<T, P: Params, F: FnOnce(&Row<'_>) -> Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> Result<T> {
        let rows = self.run_query(sql, &params.values())?;
        let values = rows.first().ok_or(Error::NoRows)?;
        f(&Row { values })
    }

    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement {
            conn: self,
            sql: sql.to_owned(),
        })
    }

    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        self.prepare_cached(sql)
    }

    /// Runs statements without parameters.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Backend::Postgres(conn) => conn.connection().batch_execute(sql),
        }
    }

    /// Runs `f` inside a savepoint, undone if `f` fails, so the enclosing transaction can
    /// go on (PostgreSQL otherwise refuses every statement after a failed one).
    pub fn attempt<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.execute_batch("SAVEPOINT attempt")?;
        match f() {
            Ok(value) => {
                self.execute_batch("RELEASE SAVEPOINT attempt")?;
                Ok(value)
            }
            Err(e) => {
                self.execute_batch("ROLLBACK TO SAVEPOINT attempt; RELEASE SAVEPOINT attempt")?;
                Err(e)
            }
        }
    }

    pub fn transaction(&mut self) -> Result<Transaction<'_>> {
        self.transaction_with_behavior(TransactionBehavior::Deferred)
    }

    pub fn transaction_with_behavior(
        &mut self,
        behavior: TransactionBehavior,
    ) -> Result<Transaction<'_>> {
        match &self.backend {
            Backend::Sqlite(conn) => conn.execute_batch(match behavior {
                TransactionBehavior::Deferred => "BEGIN DEFERRED",
                TransactionBehavior::Immediate => "BEGIN IMMEDIATE",
            })?,
            Backend::Postgres(conn) => {
                let conn = conn.connection();
                conn.batch_execute("BEGIN")?;
                if let Err(e) = conn.batch_execute(LOCK_WRITES) {
                    let _ = conn.batch_execute("ROLLBACK");
                    return Err(e);
                }
            }
        }
        Ok(Transaction {
            conn: self,
            done: false,
        })
    }
}

fn sqlite_value(value: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(x) => Value::Real(x),
        ValueRef::Text(bytes) => Value::Text(String::from_utf8_lossy(bytes).into_owned()),
        ValueRef::Blob(bytes) => Value::Blob(bytes.to_vec()),
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(x) => ValueRef::Real(*x),
            Value::Text(text) => ValueRef::Text(text.as_bytes()),
            Value::Blob(bytes) => ValueRef::Blob(bytes),
        }))
    }
}

/// A statement to run, possibly many times (the backends cache the prepared form).
pub struct Statement<'c> {
    conn: &'c Connection,
    sql: String,
}

impl Statement<'_> {
    pub fn query_map<T, P: Params, F: FnMut(&Row<'_>) -> Result<T>>(
        &mut self,
        params: P,
        mut f: F,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let rows = self.conn.run_query(&self.sql, &params.values())?;
        let mapped: Vec<Result<T>> = rows.iter().map(|values| f(&Row { values })).collect();
        Ok(mapped.into_iter())
    }

    pub fn query_row<T, P: Params, F: FnOnce(&Row<'_>) -> Result<T>>(
        &mut self,
        params: P,
        f: F,
    ) -> Result<T> {
        self.conn.query_row(&self.sql, params, f)
    }

    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows> {
        Ok(Rows {
            rows: self.conn.run_query(&self.sql, &params.values())?,
            next: 0,
        })
    }

    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        self.conn.run_execute(&self.sql, &params.values())
    }
}

/// A transaction: committed by [`Transaction::commit`], rolled back when dropped.
pub struct Transaction<'c> {
    conn: &'c mut Connection,
    done: bool,
}

impl Transaction<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        self.conn.execute_batch("COMMIT")
    }

    pub fn rollback(mut self) -> Result<()> {
        self.done = true;
        self.conn.execute_batch("ROLLBACK")
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Nothing to report to: the error that ended the transaction early is the
            // caller's, and a failed rollback leaves the connection to be discarded.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_numbered_dollars_outside_literals() {
        assert_eq!(
            postgres_sql("SELECT a FROM t WHERE b = ?2 AND c = '?1' AND d = ?1 -- ?3\n"),
            "SELECT a FROM t WHERE b = $2 AND c = '?1' AND d = $1 -- ?3\n"
        );
        assert_eq!(postgres_sql("VALUES (?, ?)"), "VALUES ($1, $2)");
    }

    #[test]
    fn conflict_targets_are_per_practice_on_postgres() {
        assert_eq!(
            postgres_sql(
                "INSERT INTO t (k, v) VALUES (?1, ?2) ON CONFLICT (k) DO UPDATE SET v = ?2"
            ),
            "INSERT INTO t (k, v) VALUES ($1, $2) ON CONFLICT (clinic_id, k) DO UPDATE SET v = $2"
        );
        assert_eq!(
            postgres_sql("INSERT INTO t (a) VALUES (1)\n on   conflict\n(a, b) DO NOTHING"),
            "INSERT INTO t (a) VALUES (1)\n on   conflict\n(clinic_id, a, b) DO NOTHING"
        );
        // Untargeted, quoted or commented: left alone.
        for sql in [
            "INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING",
            "SELECT 'ON CONFLICT (a)'",
            "SELECT 1 -- ON CONFLICT (a)\n",
            "SELECT f(x) FROM t WHERE NOT CONFLICT (a)",
        ] {
            assert_eq!(postgres_sql(sql), sql);
        }
    }

    #[test]
    fn sqlite_rows_read_as_values() {
        let conn = Connection::sqlite(rusqlite::Connection::open_in_memory().unwrap());
        conn.execute_batch("CREATE TABLE t (a INTEGER, b TEXT, c BLOB)")
            .unwrap();
        conn.execute(
            "INSERT INTO t VALUES (?1, ?2, ?3)",
            params![7, "x", vec![1u8, 2]],
        )
        .unwrap();
        let (a, b, c): (i64, String, Vec<u8>) = conn
            .query_row("SELECT a, b, c FROM t", [], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .unwrap();
        assert_eq!((a, b.as_str(), c), (7, "x", vec![1, 2]));
        let none = conn
            .query_row("SELECT a FROM t WHERE a = ?1", params![8], |row| {
                row.get::<_, i64>(0)
            })
            .optional()
            .unwrap();
        assert_eq!(none, None);
    }

    #[test]
    fn a_dropped_transaction_rolls_back() {
        let mut conn = Connection::sqlite(rusqlite::Connection::open_in_memory().unwrap());
        conn.execute_batch("CREATE TABLE t (a INTEGER)").unwrap();
        {
            let tx = conn.transaction().unwrap();
            tx.execute("INSERT INTO t VALUES (1)", []).unwrap();
        }
        let count: i64 = conn
            .query_row("SELECT COUNT(*) FROM t", [], |row| row.get(0))
            .unwrap();
        assert_eq!(count, 0);
    }
}
