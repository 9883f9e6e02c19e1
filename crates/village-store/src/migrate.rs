//! The one migration path. Each migration is a portable SQL file plus optional
//! engine-specific parts; all are embedded in the binary and applied in order, each in a
//! transaction, with a checksum so an edited migration is caught instead of silently drifting.

use crate::{Backend, Result, StoreError};
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};

struct Migration {
    version: i64,
    name: &'static str,
    portable: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        portable: include_str!("../migrations/0001_foundation.sql"),
        sqlite: include_str!("../migrations/0001_foundation.sqlite.sql"),
        postgres: include_str!("../migrations/0001_foundation.postgres.sql"),
    },
    Migration {
        version: 2,
        name: "mentoring",
        portable: include_str!("../migrations/0002_mentoring.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 3,
        name: "peer_learning",
        portable: include_str!("../migrations/0003_peer_learning.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 4,
        name: "challenges",
        portable: include_str!("../migrations/0004_challenges.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 5,
        name: "mentor_meetings",
        portable: include_str!("../migrations/0005_mentor_meetings.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 6,
        name: "challenge_dates",
        portable: include_str!("../migrations/0006_challenge_dates.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 7,
        name: "plans_and_portfolio",
        portable: include_str!("../migrations/0007_plans_and_portfolio.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 8,
        name: "timetables",
        portable: include_str!("../migrations/0008_timetables.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 9,
        name: "day_cover",
        portable: include_str!("../migrations/0009_day_cover.sql"),
        sqlite: "",
        postgres: "",
    },
];

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

fn checksum(m: &Migration) -> String {
    let mut h = Sha256::new();
    h.update(m.portable.as_bytes());
    h.update(m.sqlite.as_bytes());
    h.update(m.postgres.as_bytes());
    data_hex(&h.finalize())
}

pub(crate) fn data_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn render(sql: &str, backend: Backend) -> String {
    sql.replace("{{ID}}", backend.id_column())
}

pub(crate) async fn run(pool: &AnyPool, backend: Backend) -> Result<()> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS village_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(pool)
    .await?;
    let applied =
        sqlx::query("SELECT version, name, checksum FROM village_migrations ORDER BY version")
            .fetch_all(pool)
            .await?;
    let mut highest = 0;
    for row in &applied {
        let version: i64 = row.try_get("version")?;
        let name: String = row.try_get("name")?;
        let sum: String = row.try_get("checksum")?;
        highest = highest.max(version);
        match MIGRATIONS.iter().find(|m| m.version == version) {
            Some(m) if checksum(m) == sum => {}
            _ if version > latest_version() => {
                return Err(StoreError::SchemaTooNew {
                    found: version,
                    known: latest_version(),
                })
            }
            _ => return Err(StoreError::MigrationChanged { version, name }),
        }
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > highest) {
        let mut tx = pool.begin().await?;
        sqlx::raw_sql(&render(m.portable, backend))
            .execute(&mut *tx)
            .await?;
        let extra = match backend {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        if !extra.trim().is_empty() {
            sqlx::raw_sql(extra).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO village_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)")
            .bind(m.version)
            .bind(m.name)
            .bind(checksum(m))
            .bind(0_i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
    }
    Ok(())
}
