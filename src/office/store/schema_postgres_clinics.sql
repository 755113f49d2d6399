-- Several practices in one schema: every row carries the `clinic_id` of the practice it
-- belongs to, and row-level security shows a session only its own practice's rows. A hub
-- names its practice in the session setting `frontdesk.clinic` (its `clinic_id`, set at
-- connection start-up); a session without it is refused every read and write of these
-- tables, so a connection opened without a practice sees nothing rather than everything.
--
-- The store's SQL is unchanged: inserts take the practice from the column's default,
-- reads are filtered by the policy, and every unique key is per practice (the store's
-- `ON CONFLICT (x)` targets are rewritten to `(clinic_id, x)` for PostgreSQL, see
-- `db::postgres_sql`). Identity columns stay global: their numbers never repeat across
-- practices, and other rows refer to them.
--
-- Rows already here belong to the practice of the hub that applies this step (the new
-- column's default is evaluated once, for all of them).
--
-- FORCE: the tables' owner (the hub's own role, which ran the migrations) is bound too.
-- Superusers and BYPASSRLS roles are not; the hub refuses to run as one.

DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'checkins', 'kiosk_health', 'appointments', 'registrations', 'staff_needs',
        'details_changes', 'details_change_fields', 'payments', 'terminal_batches',
        'form_files', 'form_sets', 'consents', 'intake_responses', 'coverage_answers',
        'coverage_items', 'eligibility_checks', 'card_photos', 'verified_copays',
        'staff_users', 'staff_sessions', 'staff_login_failures', 'audit_log', 'hl7_outbound',
        'reminders', 'reminder_opt_outs', 'paired_kiosks', 'fhir_outbound', 'reminder_links'
    ] LOOP
        EXECUTE format(
            'ALTER TABLE %I ADD COLUMN clinic_id BIGINT NOT NULL
                 DEFAULT current_setting(''frontdesk.clinic'')::bigint', t);
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY clinic_rows ON %I
                 USING (clinic_id = current_setting(''frontdesk.clinic'')::bigint)', t);
    END LOOP;
END
$$;

-- Keys that were unique in the whole schema become unique per practice. Each leads with
-- its own columns: a lookup by key then has one index to take, even while a new table's
-- planner statistics say nothing (led by the practice, a key index was taken to scan a
-- practice's rows for `id = $1`, and the cached plan kept doing so). The audit chain's
-- key leads with the practice: its tail is read as "the practice's last entry". No other
-- index leads with it, for the same reason (a day's rows of all practices are few).
ALTER TABLE details_change_fields DROP CONSTRAINT details_change_fields_change_id_fkey;

ALTER TABLE checkins DROP CONSTRAINT checkins_pkey, ADD PRIMARY KEY (id, clinic_id);
ALTER TABLE checkins DROP CONSTRAINT checkins_appointment_key,
    ADD UNIQUE (appointment, clinic_id);
ALTER TABLE kiosk_health DROP CONSTRAINT kiosk_health_pkey, ADD PRIMARY KEY (kiosk, clinic_id);
ALTER TABLE appointments DROP CONSTRAINT appointments_handle_key,
    ADD UNIQUE (handle, clinic_id);
ALTER TABLE appointments DROP CONSTRAINT appointments_external_id_key,
    ADD UNIQUE (external_id, clinic_id);
ALTER TABLE registrations DROP CONSTRAINT registrations_pkey, ADD PRIMARY KEY (id, clinic_id);
ALTER TABLE details_changes DROP CONSTRAINT details_changes_pkey,
    ADD PRIMARY KEY (id, clinic_id);
ALTER TABLE details_change_fields DROP CONSTRAINT details_change_fields_pkey,
    ADD PRIMARY KEY (change_id, field, clinic_id);
ALTER TABLE details_change_fields ADD FOREIGN KEY (change_id, clinic_id)
    REFERENCES details_changes (id, clinic_id);
ALTER TABLE payments DROP CONSTRAINT payments_pkey, ADD PRIMARY KEY (id, clinic_id);
ALTER TABLE terminal_batches DROP CONSTRAINT terminal_batches_pkey,
    ADD PRIMARY KEY (kiosk, day, clinic_id);
ALTER TABLE form_files DROP CONSTRAINT form_files_pkey,
    ADD PRIMARY KEY (kind, id, version, language, clinic_id);
ALTER TABLE consents DROP CONSTRAINT consents_pkey, ADD PRIMARY KEY (id, clinic_id);
ALTER TABLE intake_responses DROP CONSTRAINT intake_responses_pkey,
    ADD PRIMARY KEY (id, clinic_id);
ALTER TABLE coverage_answers DROP CONSTRAINT coverage_answers_pkey,
    ADD PRIMARY KEY (id, clinic_id);
ALTER TABLE coverage_items DROP CONSTRAINT coverage_items_pkey,
    ADD PRIMARY KEY (answer, rank, clinic_id);
ALTER TABLE card_photos DROP CONSTRAINT card_photos_pkey, ADD PRIMARY KEY (id, clinic_id);
ALTER TABLE verified_copays DROP CONSTRAINT verified_copays_pkey,
    ADD PRIMARY KEY (appointment, clinic_id);
ALTER TABLE staff_users DROP CONSTRAINT staff_users_username_key,
    ADD UNIQUE (username, clinic_id);
ALTER TABLE staff_sessions DROP CONSTRAINT staff_sessions_pkey,
    ADD PRIMARY KEY (token_hash, clinic_id);
ALTER TABLE staff_login_failures DROP CONSTRAINT staff_login_failures_pkey,
    ADD PRIMARY KEY (key, clinic_id);
-- The audit chain is one per practice: each numbers its entries from 1.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey, ADD PRIMARY KEY (clinic_id, seq);
ALTER TABLE hl7_outbound DROP CONSTRAINT hl7_outbound_message_id_key,
    ADD UNIQUE (message_id, clinic_id);
ALTER TABLE reminders DROP CONSTRAINT reminders_message_id_key,
    ADD UNIQUE (message_id, clinic_id);
ALTER TABLE reminders DROP CONSTRAINT reminders_appointment_kind_visit_key,
    ADD UNIQUE (appointment, kind, visit, clinic_id);
ALTER TABLE reminder_opt_outs DROP CONSTRAINT reminder_opt_outs_pkey,
    ADD PRIMARY KEY (patient_key, clinic_id);
ALTER TABLE paired_kiosks DROP CONSTRAINT paired_kiosks_credential_hash_key,
    ADD UNIQUE (credential_hash, clinic_id);
DROP INDEX paired_kiosks_live;
CREATE UNIQUE INDEX paired_kiosks_live ON paired_kiosks (kiosk_id, clinic_id)
    WHERE state != 'revoked';
ALTER TABLE reminder_links DROP CONSTRAINT reminder_links_pkey,
    ADD PRIMARY KEY (token_hash, clinic_id);
