/** Why a camt.054 file was refused whole: the element at fault, where, and why (the API answers a 400 with it). */
export interface Camt054Problem {
  /** The element as a path from the notification, `Ntfctn[0].Ntry[2].NtryDtls[0].TxDtls[0].Amt`; `Document`: the whole file. */
  field: string;
  /** The line of the file, where known. */
  line: number | null;
  message: string;
}

/** A camt.054 file refused whole: nothing of it is to be written. The first problem is the one named. */
export class Camt054Refused extends Error {
  override readonly name = 'Camt054Refused';
  readonly field: string;
  readonly line: number | null;
  readonly problems: readonly Camt054Problem[];

  constructor(problems: readonly [Camt054Problem, ...Camt054Problem[]]) {
    const [first] = problems;
    super(first.message);
    this.field = first.field;
    this.line = first.line;
    this.problems = problems;
  }
}

export function refused(field: string, message: string, line: number | null = null): Camt054Refused {
  return new Camt054Refused([{ field, line, message }]);
}
