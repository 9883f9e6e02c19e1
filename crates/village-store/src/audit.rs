//! The append-only, hash-chained audit log.
//!
//! Every entry's hash is SHA-256 over its fields and the previous entry's hash, so editing or
//! removing any stored entry breaks the chain from that point on, which [`Store::verify_audit_chain`]
//! reports. The tables also refuse UPDATE and DELETE (triggers, per engine).
//!
//! One task writes the log. Requests hand it their entries and wait for the commit, and the
//! writer commits whatever has queued up in one transaction (group commit): an access is
//! recorded before its data is returned, without one disk flush per request.

use crate::migrate::data_hex;
use crate::{secs, ts, Result, Store, StoreError};
use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};
use tokio::sync::{mpsc, oneshot};
use village_domain::{OrgId, PersonId};

/// Something to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub org: Option<OrgId>,
    pub at: Timestamp,
    pub actor: Option<PersonId>,
    /// What was done, e.g. `view_profile`, `sign_in`, `end_relationship`.
    pub action: String,
    pub learner: Option<PersonId>,
    pub allowed: bool,
    /// The policy rule that allowed it, or why it was refused.
    pub rule: String,
    /// Short, non-sensitive context. Never the content of a record.
    pub detail: String,
}

/// A stored entry.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub org: Option<OrgId>,
    pub at: Timestamp,
    pub actor: Option<PersonId>,
    pub actor_name: Option<String>,
    pub action: String,
    pub learner: Option<PersonId>,
    pub allowed: bool,
    pub rule: String,
    pub detail: String,
}

/// The result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub entries: i64,
    /// The first entry whose hash does not match, if any.
    pub broken_at: Option<i64>,
}

type Job = (AuditEvent, oneshot::Sender<Result<(), String>>);

#[derive(Clone)]
pub(crate) struct AuditWriter {
    tx: mpsc::Sender<Job>,
}

const GENESIS: &str = "village-audit-genesis";

fn entry_hash(prev: &str, seq: i64, e: &AuditEvent) -> String {
    let mut h = Sha256::new();
    // Fields are length-prefixed so that no two different entries hash the same text.
    for field in [
        prev.to_string(),
        seq.to_string(),
        e.org.map_or(String::new(), |o| o.0.to_string()),
        secs(e.at).to_string(),
        e.actor.map_or(String::new(), |p| p.0.to_string()),
        e.action.clone(),
        e.learner.map_or(String::new(), |p| p.0.to_string()),
        if e.allowed { "allowed" } else { "denied" }.to_string(),
        e.rule.clone(),
        e.detail.clone(),
    ] {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field.as_bytes());
    }
    data_hex(&h.finalize())
}

impl AuditWriter {
    pub(crate) async fn start(pool: AnyPool) -> Result<AuditWriter> {
        let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&pool)
            .await?;
        let (mut seq, mut prev) = match last {
            Some(row) => (
                row.try_get::<i64, _>("seq")?,
                row.try_get::<String, _>("hash")?,
            ),
            None => (0, GENESIS.to_string()),
        };
        let (tx, mut rx) = mpsc::channel::<Job>(4096);
        tokio::spawn(async move {
            let mut batch: Vec<Job> = Vec::with_capacity(256);
            while let Some(first) = rx.recv().await {
                batch.push(first);
                while batch.len() < 512 {
                    match rx.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                let (next_seq, next_prev, outcome) = write_batch(&pool, seq, &prev, &batch).await;
                if outcome.is_ok() {
                    seq = next_seq;
                    prev = next_prev;
                } else {
                    tracing::error!(error = ?outcome, "could not write the audit log");
                }
                for (_, done) in batch.drain(..) {
                    let _ = done.send(outcome.clone());
                }
            }
        });
        Ok(AuditWriter { tx })
    }

    pub(crate) async fn append(&self, event: AuditEvent) -> Result<()> {
        let (done_tx, done_rx) = oneshot::channel();
        self.tx
            .send((event, done_tx))
            .await
            .map_err(|_| StoreError::AuditUnavailable)?;
        match done_rx.await {
            Ok(Ok(())) => Ok(()),
            _ => Err(StoreError::AuditUnavailable),
        }
    }
}

async fn write_batch(
    pool: &AnyPool,
    seq: i64,
    prev: &str,
    batch: &[Job],
) -> (i64, String, Result<(), String>) {
    let mut seq = seq;
    let mut prev = prev.to_string();
    let result: Result<()> = async {
        // Hash every entry first, then write them in multi-row INSERTs: one round trip per
        // 50 entries instead of one per entry.
        let mut rows = Vec::with_capacity(batch.len());
        for (e, _) in batch {
            seq += 1;
            let hash = entry_hash(&prev, seq, e);
            rows.push((seq, e, prev.clone(), hash.clone()));
            prev = hash;
        }
        let mut tx = pool.begin().await?;
        for chunk in rows.chunks(50) {
            let mut sql = String::from(
                "INSERT INTO audit_log (seq, org_id, at, actor_id, action, learner_id, outcome, rule, detail, prev_hash, hash) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * 11;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11
                ));
            }
            let mut q = sqlx::query(&sql);
            for (seq, e, prev_hash, hash) in chunk {
                q = q
                    .bind(*seq)
                    .bind(e.org.map(|o| o.0))
                    .bind(secs(e.at))
                    .bind(e.actor.map(|p| p.0))
                    .bind(e.action.as_str())
                    .bind(e.learner.map(|p| p.0))
                    .bind(if e.allowed { "allowed" } else { "denied" })
                    .bind(e.rule.as_str())
                    .bind(e.detail.as_str())
                    .bind(prev_hash.as_str())
                    .bind(hash.as_str());
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
    .await;
    (seq, prev, result.map_err(|e| e.to_string()))
}

fn entry_from_row(row: &sqlx::any::AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        org: row.try_get::<Option<i64>, _>("org_id")?.map(OrgId),
        at: ts("audit_log.at", row.try_get("at")?)?,
        actor: row.try_get::<Option<i64>, _>("actor_id")?.map(PersonId),
        actor_name: row.try_get("actor_name")?,
        action: row.try_get("action")?,
        learner: row.try_get::<Option<i64>, _>("learner_id")?.map(PersonId),
        allowed: row.try_get::<String, _>("outcome")? == "allowed",
        rule: row.try_get("rule")?,
        detail: row.try_get("detail")?,
    })
}

const ENTRY_COLUMNS: &str = "a.seq, a.org_id, a.at, a.actor_id, a.action, a.learner_id, a.outcome, a.rule, a.detail, \
     (SELECT p.given_name || ' ' || p.family_name FROM people p WHERE p.id = a.actor_id) AS actor_name";

impl Store {
    /// Appends one entry and waits until it is committed.
    pub async fn audit(&self, event: AuditEvent) -> Result<()> {
        self.audit.append(event).await
    }

    /// Entries about one learner, newest first. Callers must hold a grant for the learner's
    /// access log; see [`Store::access_log`].
    pub(crate) async fn audit_for_learner(
        &self,
        learner: PersonId,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_log a WHERE a.learner_id = $1 ORDER BY a.seq DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(learner.0)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Entries for an organisation, newest first, before `before_seq` when paging.
    pub async fn audit_for_org(
        &self,
        _grant: &village_access::OrgGrant<village_access::org_act::ViewAuditLog>,
        org: OrgId,
        before_seq: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_log a WHERE a.org_id = $1 AND a.seq < $2 ORDER BY a.seq DESC LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(org.0)
            .bind(before_seq.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Recomputes every hash from the first entry. Reads in pages so memory stays flat.
    pub async fn verify_audit_chain(&self) -> Result<ChainReport> {
        let mut prev = GENESIS.to_string();
        let mut after = 0_i64;
        let mut entries = 0_i64;
        loop {
            let rows = sqlx::query(
                "SELECT seq, org_id, at, actor_id, action, learner_id, outcome, rule, detail, prev_hash, hash
                 FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000",
            )
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                return Ok(ChainReport {
                    entries,
                    broken_at: None,
                });
            }
            for row in &rows {
                let seq: i64 = row.try_get("seq")?;
                let event = AuditEvent {
                    org: row.try_get::<Option<i64>, _>("org_id")?.map(OrgId),
                    at: ts("audit_log.at", row.try_get("at")?)?,
                    actor: row.try_get::<Option<i64>, _>("actor_id")?.map(PersonId),
                    action: row.try_get("action")?,
                    learner: row.try_get::<Option<i64>, _>("learner_id")?.map(PersonId),
                    allowed: row.try_get::<String, _>("outcome")? == "allowed",
                    rule: row.try_get("rule")?,
                    detail: row.try_get("detail")?,
                };
                let stored_prev: String = row.try_get("prev_hash")?;
                let stored_hash: String = row.try_get("hash")?;
                entries += 1;
                if stored_prev != prev
                    || entry_hash(&prev, seq, &event) != stored_hash
                    || seq != after + 1
                {
                    return Ok(ChainReport {
                        entries,
                        broken_at: Some(seq),
                    });
                }
                prev = stored_hash;
                after = seq;
            }
        }
    }
}
