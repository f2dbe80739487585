// What `npm start` keeps in the clone's .data folder, and the one file through which `npm run demo` finds the running
// stack. (PostgreSQL's cluster is .data/postgres, or a link from there: see postgres-install.ts.)
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from './temporal-cli';

export const DATA_DIR = path.join(PROJECT_ROOT, '.data');
export const ADMIN_TOKEN_FILE = path.join(DATA_DIR, 'admin-token');
export const DEMO_USERS_FILE = path.join(DATA_DIR, 'demo-users.json');
const STACK_FILE = path.join(DATA_DIR, 'stack.json');

/** Where the running stack listens. DATABASE_URL may carry a password: the file is mode 0600, and gone once stopped. */
const stackSchema = z.object({
  apiUrl: z.string(),
  databaseUrl: z.string(),
  temporalAddress: z.string(),
  namespace: z.string(),
  taskQueue: z.string(),
});
export type Stack = z.infer<typeof stackSchema>;

export async function writeStackFile(stack: Stack): Promise<() => Promise<void>> {
  await fs.writeFile(STACK_FILE, `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });
  return () => fs.rm(STACK_FILE, { force: true });
}

/** The stack `npm start` runs from this folder, or null (none, or a file a kill -9 left: the caller checks it answers). */
export async function readStackFile(): Promise<Stack | null> {
  const text = await fs.readFile(STACK_FILE, 'utf8').catch(() => null);
  const parsed = text === null ? null : stackSchema.safeParse(JSON.parse(text));
  return parsed?.success ? parsed.data : null;
}

/** The path as a person reads it in this folder (`.data/admin-token`). */
export const shown = (file: string): string => path.relative(PROJECT_ROOT, file) || '.';
