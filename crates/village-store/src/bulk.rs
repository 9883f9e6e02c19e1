//! Fast loading of many rows (the demo generator, imports): multi-row INSERTs in large
//! transactions. Rows carry explicit ids chosen by the loader; afterwards
//! [`Store::reset_id_sequences`] moves PostgreSQL's identity counters past them.

use crate::{Result, Store};
use std::collections::BTreeMap;

/// Tables whose `id` column is auto-numbered.
pub(crate) const ID_TABLES: &[&str] = &[
    "orgs",
    "people",
    "consents",
    "roles",
    "learning_groups",
    "group_members",
    "group_teachers",
    "relationships",
    "academic_terms",
    "inset_days",
    "attendance_marks",
    "behaviour_events",
    "assessments",
    "support_notes",
    "mentor_choices",
    "mentor_assignments",
    "mentor_sessions",
    "home_contacts",
    "peer_programmes",
    "peer_training",
    "peer_pairs",
    "peer_sessions",
    "achievements",
    "challenges",
    "challenge_choices",
    "challenge_members",
    "challenge_notes",
    "mentor_meetings",
    "plans",
    "plan_targets",
    "plan_versions",
    "plan_agreements",
    "plan_comments",
    "target_updates",
    "ladders",
    "ladder_rungs",
    "rung_judgements",
    "evidence",
    "evidence_targets",
    "showcases",
    "showcase_items",
    "review_rounds",
    "review_slots",
    "review_records",
    "credential_keys",
    "passport_imports",
    "timetable_runs",
    "calendar_links",
];

/// One value in a loaded row.
#[derive(Debug, Clone)]
pub enum BulkValue {
    I64(i64),
    Text(String),
    /// NULL in an integer column. PostgreSQL types a NULL parameter, so the two differ.
    NullInt,
    /// NULL in a text column.
    NullText,
}

impl From<i64> for BulkValue {
    fn from(v: i64) -> Self {
        BulkValue::I64(v)
    }
}
impl From<&str> for BulkValue {
    fn from(v: &str) -> Self {
        BulkValue::Text(v.to_string())
    }
}
impl From<String> for BulkValue {
    fn from(v: String) -> Self {
        BulkValue::Text(v)
    }
}
impl From<Option<i64>> for BulkValue {
    fn from(v: Option<i64>) -> Self {
        v.map_or(BulkValue::NullInt, BulkValue::I64)
    }
}
impl From<Option<String>> for BulkValue {
    fn from(v: Option<String>) -> Self {
        v.map_or(BulkValue::NullText, BulkValue::Text)
    }
}
impl From<Option<&str>> for BulkValue {
    fn from(v: Option<&str>) -> Self {
        v.map_or(BulkValue::NullText, |s| BulkValue::Text(s.to_string()))
    }
}

/// One table's queued rows: name, columns, rows.
type QueuedTable = (&'static str, &'static [&'static str], Vec<Vec<BulkValue>>);

/// Buffers rows per table and writes them in batches, in dependency order on flush.
pub struct BulkWriter<'a> {
    store: &'a Store,
    /// table -> (columns, rows); a BTreeMap keyed by insertion rank keeps parents first.
    tables: BTreeMap<usize, QueuedTable>,
    order: Vec<&'static str>,
    pub rows_written: u64,
}

/// Parameters per statement, under SQLite's and PostgreSQL's limits.
const MAX_PARAMS: usize = 2_000;

impl<'a> BulkWriter<'a> {
    pub fn new(store: &'a Store) -> Self {
        BulkWriter {
            store,
            tables: BTreeMap::new(),
            order: Vec::new(),
            rows_written: 0,
        }
    }

    /// Queues one row. Tables are flushed in the order they were first used, so queue
    /// parents (orgs, people) before children.
    pub fn row(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str],
        values: Vec<BulkValue>,
    ) {
        let rank = match self.order.iter().position(|t| *t == table) {
            Some(r) => r,
            None => {
                self.order.push(table);
                self.order.len() - 1
            }
        };
        self.tables
            .entry(rank)
            .or_insert_with(|| (table, columns, Vec::new()))
            .2
            .push(values);
    }

    /// Writes everything queued, in one transaction.
    pub async fn flush(&mut self) -> Result<()> {
        let mut tx = self.store.pool.begin().await?;
        for (table, columns, rows) in std::mem::take(&mut self.tables).into_values() {
            let per_stmt = (MAX_PARAMS / columns.len().max(1)).max(1);
            for chunk in rows.chunks(per_stmt) {
                let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
                let mut n = 0;
                for (i, row) in chunk.iter().enumerate() {
                    sql.push_str(if i == 0 { "(" } else { ", (" });
                    for j in 0..row.len() {
                        n += 1;
                        if j > 0 {
                            sql.push_str(", ");
                        }
                        sql.push_str(&format!("${n}"));
                    }
                    sql.push(')');
                }
                let mut q = sqlx::query(&sql);
                for row in chunk {
                    for v in row {
                        q = match v {
                            BulkValue::I64(x) => q.bind(*x),
                            BulkValue::Text(s) => q.bind(s.as_str()),
                            BulkValue::NullInt => q.bind(None::<i64>),
                            BulkValue::NullText => q.bind(None::<String>),
                        };
                    }
                }
                q.execute(&mut *tx).await?;
                self.rows_written += chunk.len() as u64;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Whether the database holds any organisation yet (a fresh database needs the demo).
    pub async fn is_empty(&self) -> Result<bool> {
        use sqlx::Row;
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM orgs")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok(n == 0)
    }
}
