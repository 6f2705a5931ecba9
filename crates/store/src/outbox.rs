//! The email outbox: mail committed together with the change that caused it, sent later by
//! the email worker.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// A message to queue.
#[derive(Debug)]
pub struct NewEmail<'a> {
    /// Tenant the mail is about, if any.
    pub tenant_id: Option<Uuid>,
    /// Recipient address.
    pub to: &'a str,
    /// Subject line.
    pub subject: &'a str,
    /// Plain-text body.
    pub body_text: &'a str,
    /// Which template produced it (e.g. `password_reset`).
    pub template: &'a str,
}

/// A queued message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Email {
    /// Identifier.
    pub id: Uuid,
    /// Recipient.
    pub to_address: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body_text: String,
    /// Template name.
    pub template: String,
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    /// When it was queued.
    pub created_at: OffsetDateTime,
}

/// Queues a message.
pub async fn enqueue(db: impl PgExecutor<'_>, mail: &NewEmail<'_>) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO email_outbox (id, tenant_id, to_address, subject, body_text, template)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(mail.tenant_id)
    .bind(mail.to)
    .bind(mail.subject)
    .bind(mail.body_text)
    .bind(mail.template)
    .execute(db)
    .await?;
    Ok(id)
}

/// Lists the messages queued for a recipient, oldest first.
pub async fn for_recipient(db: impl PgExecutor<'_>, to: &str) -> Result<Vec<Email>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, to_address, subject, body_text, template, status, created_at
         FROM email_outbox WHERE to_address = $1 ORDER BY created_at, id",
    )
    .bind(to)
    .fetch_all(db)
    .await
}
