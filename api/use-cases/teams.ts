// The configured teams, named for people.
import type { z } from 'zod';
import type { teamListResponse } from '../../contract';

/** ORDER_MANAGEMENT → Order Management. */
const nameOf = (id: string): string =>
  id
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');

export function listTeams(teams: readonly string[]): z.input<typeof teamListResponse> {
  return { items: teams.map((id) => ({ id, name: nameOf(id) })) };
}
