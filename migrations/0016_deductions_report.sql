-- The deductions report (issue 11, GET /api/reports/deductions). Its deductions are read through 0015's
-- deductions_open_idx and deductions_resolved_idx; its share of remittance lines applied without a person reads the
-- payments posted in the period and, per payment, what the matcher applied (payment_applications_payment_idx) and
-- what it left for a person: the two indexes below, so that the report costs the period's payments, not the tables.
CREATE INDEX payments_posted_idx ON payments (posted_at);
-- Also what payments_check_whole reads at each payment's commit, which scanned unapplied_cash until now.
CREATE INDEX unapplied_cash_payment_idx ON unapplied_cash (payment_id);
