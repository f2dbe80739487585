// What open cases dispute on an invoice, the one expression every invoice read uses.

/**
 * In minor units, of the invoice (alias `i`): the sum of the disputed amounts of the items of open cases on it, at
 * most its open balance (a credit issued while a case is open lowers the balance under what the case disputed).
 */
export const IN_DISPUTE_SQL = `least(i.open_balance_minor, coalesce(
  (SELECT sum(ci.disputed_minor) FROM case_items ci JOIN cases dc ON dc.id = ci.case_id
    WHERE ci.invoice_number = i.number AND dc.status = 'OPEN'), 0))`;
