// The configured teams, named for people.
import type { z } from 'zod';
import type { teamListResponse } from '../../contract';
import type { UseCaseContext } from './context';

/** ORDER_MANAGEMENT → Order Management. */
const nameOf = (id: string): string =>
  id
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');

export async function listTeams(ctx: UseCaseContext, _input: Record<string, never>): Promise<z.input<typeof teamListResponse>> {
  return { items: ctx.deps.teams.map((id) => ({ id, name: nameOf(id) })) };
}
