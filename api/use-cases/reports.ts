// The reports, computed by the read model (read-model/reports.ts).
import type { z } from 'zod';
import type {
  cycleTimeQuery,
  cycleTimeResponse,
  deductionsReportQuery,
  deductionsReportResponse,
  overviewQuery,
  overviewResponse,
} from '../../contract';
import { cycleTime, deductionsReport as readDeductionsReport, overview } from '../../read-model/reports';
import type { UseCaseContext } from './context';

export function cycleTimeReport(ctx: UseCaseContext, input: { query: z.output<typeof cycleTimeQuery> }): Promise<z.input<typeof cycleTimeResponse>> {
  return cycleTime(ctx.deps.pool, input.query);
}

export function overviewReport(ctx: UseCaseContext, input: { query: z.output<typeof overviewQuery> }): Promise<z.input<typeof overviewResponse>> {
  return overview(ctx.deps.pool, ctx.deps.teams, input.query);
}

export function deductionsReport(
  ctx: UseCaseContext,
  input: { query: z.output<typeof deductionsReportQuery> },
): Promise<z.input<typeof deductionsReportResponse>> {
  return readDeductionsReport(ctx.deps.pool, input.query);
}
