-- Each tenant's Standard Webhooks signing secret (whsec_…), sealed with the platform key like
-- carrier passwords. After a rotation the previous secret keeps signing for 24 hours (every
-- delivery then carries both signatures), so receivers can switch without rejecting any.
ALTER TABLE tenants
    ADD COLUMN webhook_secret_enc       bytea,
    ADD COLUMN webhook_secret_prev_enc  bytea,
    ADD COLUMN webhook_secret_rotated_at timestamptz;
