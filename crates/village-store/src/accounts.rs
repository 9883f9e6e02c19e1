//! Accounts and sign-in sessions. Session tokens are stored only as their SHA-256 hash, so a
//! copy of the database does not let anyone sign in as anybody.

use crate::{secs, Result, Store, StoreError};
use jiff::Timestamp;
use sqlx::Row;
use village_domain::person::Username;
use village_domain::{OrgId, PersonId};

#[derive(Debug, Clone)]
pub struct AccountRow {
    pub person: PersonId,
    pub org: OrgId,
    pub username: String,
    pub given_name: String,
    pub family_name: String,
    pub password_hash: Option<String>,
    pub disabled: bool,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
}

/// A session to start.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub person: PersonId,
    pub org: OrgId,
    pub csrf: &'a str,
    pub second_factor_done: bool,
    pub now: Timestamp,
    pub expires: Timestamp,
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub person: PersonId,
    pub org: OrgId,
    pub csrf_token: String,
    pub second_factor_done: bool,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

const ACCOUNT_COLUMNS: &str =
    "a.person_id, a.org_id, a.username, p.given_name, p.family_name, a.password_hash, \
     a.disabled_at, a.totp_secret, a.totp_enabled_at, a.totp_last_step";

fn account_from_row(row: &sqlx::any::AnyRow) -> Result<AccountRow> {
    Ok(AccountRow {
        person: PersonId(row.try_get("person_id")?),
        org: OrgId(row.try_get("org_id")?),
        username: row.try_get("username")?,
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        password_hash: row.try_get("password_hash")?,
        disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
        totp_secret: row.try_get("totp_secret")?,
        totp_enabled: row.try_get::<Option<i64>, _>("totp_enabled_at")?.is_some(),
        totp_last_step: row.try_get("totp_last_step")?,
    })
}

impl Store {
    pub async fn account_by_username(&self, username: &Username) -> Result<Option<AccountRow>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a JOIN people p ON p.id = a.person_id WHERE a.username = $1");
        let row = sqlx::query(&sql)
            .bind(username.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(account_from_row).transpose()
    }

    pub async fn account(&self, person: PersonId) -> Result<Option<AccountRow>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a JOIN people p ON p.id = a.person_id WHERE a.person_id = $1");
        let row = sqlx::query(&sql)
            .bind(person.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(account_from_row).transpose()
    }

    pub async fn create_account(
        &self,
        person: PersonId,
        org: OrgId,
        username: &Username,
        password_hash: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        let result = sqlx::query(
            "INSERT INTO accounts (person_id, org_id, username, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(person.0)
        .bind(org.0)
        .bind(username.as_str())
        .bind(password_hash)
        .bind(secs(now))
        .execute(&self.pool)
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict(
                format!("The username {} is already taken.", username.as_str()),
            )),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn set_password_hash(&self, person: PersonId, hash: &str) -> Result<()> {
        sqlx::query("UPDATE accounts SET password_hash = $1 WHERE person_id = $2")
            .bind(hash)
            .bind(person.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Disables an account and ends all its sessions in one transaction, so the very next
    /// request from any of its browsers is refused.
    pub async fn set_account_disabled(
        &self,
        person: PersonId,
        disabled: bool,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query("UPDATE accounts SET disabled_at = $1 WHERE person_id = $2")
            .bind(disabled.then(|| secs(now)))
            .bind(person.0)
            .execute(&mut *tx)
            .await?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if disabled {
            sqlx::query("DELETE FROM auth_sessions WHERE person_id = $1")
                .bind(person.0)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Stores a new, not yet confirmed, two-factor secret.
    pub async fn set_totp_secret(&self, person: PersonId, secret: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE accounts SET totp_secret = $1, totp_enabled_at = NULL, totp_last_step = NULL WHERE person_id = $2")
            .bind(secret)
            .bind(person.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn confirm_totp(&self, person: PersonId, step: i64, now: Timestamp) -> Result<()> {
        sqlx::query(
            "UPDATE accounts SET totp_enabled_at = $1, totp_last_step = $2 WHERE person_id = $3",
        )
        .bind(secs(now))
        .bind(step)
        .bind(person.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records the time step of a code that was just used, refusing a replay of the same or
    /// an earlier step (RFC 6238 section 5.2). Returns false if the code was already used.
    pub async fn use_totp_step(&self, person: PersonId, step: i64) -> Result<bool> {
        let changed = sqlx::query(
            "UPDATE accounts SET totp_last_step = $1 WHERE person_id = $2 AND (totp_last_step IS NULL OR totp_last_step < $3)",
        )
        .bind(step)
        .bind(person.0)
        .bind(step)
        .execute(&self.pool)
        .await?;
        Ok(changed.rows_affected() == 1)
    }

    /// Whether any school where the person holds a staff role requires two-factor sign-in.
    pub async fn requires_second_factor(&self, person: PersonId, now: Timestamp) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM roles r JOIN orgs o ON o.id = r.org_id
             WHERE r.person_id = $1 AND r.role <> 'learner' AND o.require_staff_mfa = 1
               AND r.starts_at <= $2 AND (r.ends_at IS NULL OR r.ends_at > $3)",
        )
        .bind(person.0)
        .bind(secs(now))
        .bind(secs(now))
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    pub async fn create_session(&self, new: &NewSession<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO auth_sessions (token_hash, org_id, person_id, csrf_token, second_factor_done, created_at, last_seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new.token_hash)
        .bind(new.org.0)
        .bind(new.person.0)
        .bind(new.csrf)
        .bind(i64::from(new.second_factor_done))
        .bind(secs(new.now))
        .bind(secs(new.now))
        .bind(secs(new.expires))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>> {
        let row = sqlx::query(
            "SELECT person_id, org_id, csrf_token, second_factor_done, created_at, last_seen_at, expires_at
             FROM auth_sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(SessionRow {
                person: PersonId(row.try_get("person_id")?),
                org: OrgId(row.try_get("org_id")?),
                csrf_token: row.try_get("csrf_token")?,
                second_factor_done: row.try_get::<i64, _>("second_factor_done")? == 1,
                created_at: row.try_get("created_at")?,
                last_seen_at: row.try_get("last_seen_at")?,
                expires_at: row.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    pub async fn touch_session(&self, token_hash: &str, now: Timestamp) -> Result<()> {
        sqlx::query("UPDATE auth_sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(secs(now))
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn complete_second_factor(&self, token_hash: &str) -> Result<()> {
        sqlx::query("UPDATE auth_sessions SET second_factor_done = 1 WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM auth_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_sessions_of(&self, person: PersonId) -> Result<u64> {
        let done = sqlx::query("DELETE FROM auth_sessions WHERE person_id = $1")
            .bind(person.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Removes expired sessions; run now and then.
    pub async fn purge_expired_sessions(&self, now: Timestamp) -> Result<u64> {
        let done = sqlx::query("DELETE FROM auth_sessions WHERE expires_at <= $1")
            .bind(secs(now))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

impl Store {
    /// Ends every session of a person but one (after a password change).
    pub async fn delete_other_sessions(
        &self,
        person: PersonId,
        keep_token_hash: &str,
    ) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM auth_sessions WHERE person_id = $1 AND token_hash <> $2")
                .bind(person.0)
                .bind(keep_token_hash)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected())
    }
}
