//! Helpers for tests: scratch databases on both engines, copies of a prepared template, and
//! raw SQL for tests that must break things on purpose (tamper tests). Compiled only with
//! the `testing` feature, which only dev-dependencies turn on.

use crate::{Backend, Result, Store};
use sqlx::{Connection, Executor};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// `VILLAGE_TEST_PG_URL`, when PostgreSQL tests should run too.
pub fn pg_url() -> Option<String> {
    std::env::var("VILLAGE_TEST_PG_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// The engines to run contract tests on: SQLite always, PostgreSQL when configured.
pub fn backends() -> Vec<Backend> {
    let mut out = vec![Backend::Sqlite];
    if pg_url().is_some() {
        out.push(Backend::Postgres);
    }
    out
}

static COUNTER: AtomicU64 = AtomicU64::new(0);
static SWEPT_SQLITE: AtomicBool = AtomicBool::new(false);
static SWEPT_POSTGRES: AtomicBool = AtomicBool::new(false);

/// The process id in a scratch database's name (`{prefix}_{pid}_{n}_{hex}`).
fn owner_pid(name: &str, prefix: &str) -> Option<u32> {
    name.strip_prefix(prefix)?
        .strip_prefix('_')?
        .split('_')
        .next()?
        .parse()
        .ok()
}

/// Has the test process that made a scratch database ended? Only answered where the
/// system says (Linux's `/proc`); elsewhere nothing is swept. A PostgreSQL server shared
/// by several machines or containers would see their test processes as ended: give tests
/// a server of their own.
fn ended(pid: u32) -> bool {
    let proc = std::path::Path::new("/proc");
    proc.join("self").exists() && !proc.join(pid.to_string()).exists()
}

/// Scratch databases are not dropped one by one (a test that fails leaves its database to
/// look at); instead the first request in a process removes those of test processes that
/// have ended, so repeated runs do not fill the disk.
fn sweep_sqlite(dir: &std::path::Path) {
    if SWEPT_SQLITE.swap(true, Ordering::SeqCst) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if owner_pid(&name, "t").is_some_and(ended) {
            // Another process may be sweeping too: a file already gone is fine.
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// As [`sweep_sqlite`], for the scratch databases on the PostgreSQL server.
async fn sweep_postgres(conn: &mut sqlx::PgConnection) {
    if SWEPT_POSTGRES.swap(true, Ordering::SeqCst) {
        return;
    }
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'village_t_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for name in names {
        if owner_pid(&name, "village_t").is_some_and(ended) {
            let _ = conn
                .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await;
        }
    }
}

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let r: u32 = rand_suffix();
    format!("{prefix}_{}_{n}_{r:08x}", std::process::id())
}

fn rand_suffix() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.load(Ordering::SeqCst));
    h.finish() as u32
}

fn with_db_name(url: &str, db: &str) -> String {
    match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{db}"),
        None => url.to_string(),
    }
}

/// An address for a new, empty database on `backend`.
pub async fn scratch_url(backend: Backend) -> Result<String> {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join("village-tests");
            std::fs::create_dir_all(&dir)?;
            sweep_sqlite(&dir);
            Ok(format!(
                "sqlite://{}",
                dir.join(format!("{}.db", unique("t"))).display()
            ))
        }
        Backend::Postgres => {
            let admin = pg_url().ok_or(crate::StoreError::NotFound)?;
            let name = unique("village_t");
            let mut conn = sqlx::PgConnection::connect(&admin).await?;
            sweep_postgres(&mut conn).await;
            conn.execute(format!("CREATE DATABASE {name}").as_str())
                .await?;
            conn.close().await?;
            Ok(with_db_name(&admin, &name))
        }
    }
}

/// A new database holding a copy of `template` (a closed store's address).
pub async fn copy_of(template: &str) -> Result<String> {
    match Backend::from_url(template) {
        Some(Backend::Postgres) => {
            let admin = pg_url().ok_or(crate::StoreError::NotFound)?;
            let source = template
                .rsplit_once('/')
                .map(|(_, db)| db.to_string())
                .unwrap_or_default();
            let name = unique("village_t");
            let mut conn = sqlx::PgConnection::connect(&admin).await?;
            conn.execute(format!("CREATE DATABASE {name} TEMPLATE {source}").as_str())
                .await?;
            conn.close().await?;
            Ok(with_db_name(&admin, &name))
        }
        _ => {
            let path = template.trim_start_matches("sqlite://");
            let dir = std::env::temp_dir().join("village-tests");
            sweep_sqlite(&dir);
            let copy = dir.join(format!("{}.db", unique("t")));
            std::fs::copy(path, &copy)?;
            Ok(format!("sqlite://{}", copy.display()))
        }
    }
}

impl Store {
    /// Runs SQL with no checks at all. Tests only: the audit tamper test needs it.
    pub async fn raw_execute(&self, sql: &str) -> Result<u64> {
        Ok(sqlx::raw_sql(sql)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// Makes a SQLite file self-contained (WAL folded in) and closes the pool, so the file
    /// or database can be copied as a template.
    pub async fn close_for_template(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        self.pool.close().await;
        Ok(())
    }

    /// Table → column names, as the engine reports them, for the schema-drift test.
    pub async fn schema_columns(&self) -> Result<std::collections::BTreeMap<String, Vec<String>>> {
        use sqlx::Row;
        let mut out = std::collections::BTreeMap::new();
        let rows = match self.backend {
            Backend::Sqlite => {
                sqlx::query(
                    "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid",
                )
                .fetch_all(&self.pool)
                .await?
            }
            Backend::Postgres => {
                sqlx::query(
                    "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns
                     WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
                )
                .fetch_all(&self.pool)
                .await?
            }
        };
        for r in &rows {
            let t: String = r.try_get("t")?;
            let c: String = r.try_get("c")?;
            out.entry(t).or_insert_with(Vec::new).push(c);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scratch_name_carries_its_process() {
        let name = unique("village_t");
        assert_eq!(owner_pid(&name, "village_t"), Some(std::process::id()));
        assert_eq!(
            owner_pid(&format!("{}.db", unique("t")), "t"),
            Some(std::process::id())
        );
        assert_eq!(owner_pid("village_other", "village_t"), None);
        assert_eq!(owner_pid("t_notapid_1_ff.db", "t"), None);
        assert!(!ended(std::process::id()), "this process is running");
    }
}
