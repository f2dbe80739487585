// The teams ops users belong to and findings are routed to, as configured.
import { z } from 'zod';

export const teamOut = z.object({
  id: z.string().meta({ description: 'What tasks, users and filters name: UPPER_SNAKE_CASE' }),
  name: z.string().meta({ description: 'How people call it' }),
});
export const teamListResponse = z.object({ items: z.array(teamOut) });

export type TeamItem = z.infer<typeof teamOut>;
