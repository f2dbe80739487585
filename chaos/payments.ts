// Money in during the chaos run: payment files posted through the API while the faults go in (a JSON body or a
// camt.054 001.08 file each), paying invoices of the chaos desk and deducting from others. Every file is posted
// with one Idempotency-Key, sent again on 503 or a lost connection until it answers (the answer waits for the cases
// its deductions open, so a retry finishes what a crash left). Then each deduction case is found (GET
// /api/deductions?customerId) and handed to the driver, scripted as the driver's own cases; and the file is posted
// once more under a new key, which must change nothing (F9).
import { SYSTEM_OPENER } from '../domain/events';
import { formatMoney } from '../domain/money';
import { camt054Xml } from '../testkit/camt054';
import type { Http } from '../testkit/http';
import type { Actor, Driver } from './driver';
import type { PaymentFilePlan } from './plan';

const money = (minor: number) => formatMoney(BigInt(minor));

/** What POST /api/payments answers (contract/payments.ts postPaymentsResponse). */
export interface PostedCounts {
  payments: number;
  applied: number;
  deductions: number;
  casesOpened: number;
  unapplied: number;
}

export interface PostedFile {
  plan: PaymentFilePlan;
  status: number;
  counts?: PostedCounts;
  /** Deduction cases found and handed to the driver. */
  adopted: number;
}

interface ListedDeduction {
  invoiceNumber: string;
  amount: string;
  caseId: string | null;
}

function jsonBody(file: PaymentFilePlan) {
  return {
    payments: file.payments.map((p) => ({
      id: p.id,
      customerId: file.customerId,
      receivedAt: '2026-12-01T10:00:00Z',
      currency: 'USD',
      amount: money(p.amountMinor),
      remittance: p.lines.map((l) => ({
        invoiceNumber: l.invoiceNumber,
        paid: money(l.paidMinor),
        ...(l.deductions.length && { deductions: l.deductions.map((d) => ({ amount: money(d.amountMinor), reasonCode: d.code })) }),
      })),
    })),
  };
}

/** A camt.054 001.08 notification: one booked entry a payment, its transaction referenced by the payment's id. */
export function camt054Of(file: PaymentFilePlan, messageId: string): string {
  return camt054Xml({
    messageId,
    createdAt: '2026-12-01T12:00:00Z',
    currency: 'USD',
    entries: file.payments.map((p) => ({
      ref: `ENTRY-${p.id}`,
      bookedOn: '2026-12-01',
      transactions: [
        {
          ref: p.id,
          amountMinor: BigInt(p.amountMinor),
          debtorName: `Chaos customer ${file.customerId}`,
          remittance: {
            documents: p.lines.map((l) => ({
              number: l.invoiceNumber,
              remittedMinor: BigInt(l.paidMinor),
              adjustments: l.deductions.map((d) => ({ amountMinor: BigInt(d.amountMinor), reason: d.code })),
            })),
          },
        },
      ],
    })),
  });
}

export class PaymentPoster {
  readonly posted: PostedFile[] = [];
  /** A file not answered 200, a deduction case not found: each fails the run. */
  readonly problems: string[] = [];
  /** Files started so far. */
  started = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly http: Http,
    private readonly driver: Driver,
    private readonly cash: Actor,
    /** Reads the cases (cash cannot). */
    private readonly auditor: Actor,
    private readonly runTag: string,
  ) {}

  /** Posts the file in the background; settled() waits for every file started. */
  start(file: PaymentFilePlan): void {
    this.started += 1;
    const posting = this.post(file)
      .catch((err: Error) => {
        this.problems.push(`file ${file.n}: ${err.message}`);
      })
      .finally(() => this.pending.delete(posting));
    this.pending.add(posting);
  }

  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private send(file: PaymentFilePlan, key: string) {
    const headers = { 'idempotency-key': key };
    return file.format === 'json'
      ? this.http.send<PostedCounts>('POST', '/api/payments', { token: this.cash.token, body: jsonBody(file), headers })
      : this.http.send<PostedCounts>('POST', '/api/payments/camt054', {
          token: this.cash.token,
          rawBody: camt054Of(file, `CH-${this.runTag}-${file.n}`),
          headers: { ...headers, 'content-type': 'application/xml' },
        });
  }

  private async post(file: PaymentFilePlan): Promise<void> {
    const label = `file ${file.n} (${file.format})`;
    this.driver.paymentFilesInFlight += 1;
    const answer = await this.send(file, `payments-${this.runTag}-${file.n}`).finally(() => (this.driver.paymentFilesInFlight -= 1));
    const record: PostedFile = { plan: file, status: answer.status, adopted: 0 };
    this.posted.push(record);
    if (answer.status !== 200) {
      this.problems.push(`${label}: POST answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
      return;
    }
    record.counts = answer.body;

    const listed = await this.http.send<{ items: ListedDeduction[] }>('GET', `/api/deductions?customerId=${encodeURIComponent(file.customerId)}&limit=100`, {
      token: this.cash.token,
    });
    if (listed.status !== 200) {
      this.problems.push(`${label}: GET /api/deductions answered ${listed.status}`);
      return;
    }
    for (const plan of file.cases) {
      const caseIds = [...new Set(listed.body.items.filter((d) => d.invoiceNumber === plan.invoiceNumber).map((d) => d.caseId))];
      if (caseIds.length !== 1 || caseIds[0] === null) {
        this.problems.push(`${label}: the deductions on ${plan.invoiceNumber} are in cases ${caseIds.join(', ')}, not in one`);
        continue;
      }
      const detail = await this.http.send<{ workflowId: string; openedBy: { id: string } }>('GET', `/api/disputes/${caseIds[0]}`, { token: this.auditor.token });
      if (detail.status !== 200 || detail.body.openedBy.id !== SYSTEM_OPENER.id) {
        this.problems.push(`${label}: GET /api/disputes/${caseIds[0]} answered ${detail.status} ${JSON.stringify(detail.body?.openedBy)}`);
        continue;
      }
      this.driver.adopt(plan, caseIds[0], detail.body.workflowId);
      record.adopted += 1;
    }

    // The same payments again, under another key: posted before, so nothing new, and no case opened twice.
    const again = await this.send(file, `payments-${this.runTag}-${file.n}-again`);
    const check = 'post a payment file again under a new key';
    if ([503, 0, 429].includes(again.status)) {
      this.driver.f9.push({ check, ok: null, detail: `an outage answered (${again.status})` });
      return;
    }
    const nothing = again.status === 200 && Object.values(again.body).every((n) => n === 0);
    this.driver.f9.push({ check, ok: nothing, detail: nothing ? '200, nothing new' : `${label}: ${again.status} ${JSON.stringify(again.body)}` });
  }
}
