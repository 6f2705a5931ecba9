-- Carriers (SIP trunks) and their rate decks. A carrier with tenant_id NULL is a platform
-- carrier (managed by platform admins, usable by every tenant); otherwise it belongs to one
-- tenant (bring your own carrier), which least-cost routing tries first.

CREATE TABLE carriers (
    id                  uuid PRIMARY KEY,
    tenant_id           uuid REFERENCES tenants (id) ON DELETE CASCADE,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    host                text NOT NULL CHECK (length(host) BETWEEN 1 AND 253),
    port                integer NOT NULL DEFAULT 5060 CHECK (port BETWEEN 1 AND 65535),
    transport           text NOT NULL DEFAULT 'udp' CHECK (transport IN ('udp', 'tcp', 'tls')),
    username            text,
    -- AES-256-GCM: 12-byte nonce followed by the ciphertext; never returned by the API.
    password_enc        bytea,
    strip_digits        integer NOT NULL DEFAULT 0 CHECK (strip_digits BETWEEN 0 AND 15),
    prepend             text NOT NULL DEFAULT '' CHECK (prepend ~ '^[0-9+*#]{0,15}$'),
    max_concurrent      integer CHECK (max_concurrent > 0),
    cps_limit           integer CHECK (cps_limit > 0),
    priority            integer NOT NULL DEFAULT 100,
    enabled             boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX carriers_name_key
    ON carriers (coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name));
CREATE INDEX carriers_tenant_idx ON carriers (tenant_id, created_at DESC, id DESC);

CREATE TABLE carrier_rates (
    carrier_id          uuid NOT NULL REFERENCES carriers (id) ON DELETE CASCADE,
    prefix              text NOT NULL CHECK (prefix ~ '^[0-9]{0,15}$'),
    cost_micros         bigint NOT NULL CHECK (cost_micros >= 0),
    increment_first     integer NOT NULL DEFAULT 60 CHECK (increment_first BETWEEN 1 AND 3600),
    increment_next      integer NOT NULL DEFAULT 60 CHECK (increment_next BETWEEN 1 AND 3600),
    PRIMARY KEY (carrier_id, prefix)
);
