// `npm run reset`: start over. Deletes .data (the admin token, Temporal's history, the demo's tokens) and the
// PostgreSQL cluster, also where it lives outside the clone (.data/postgres is then a link to it, see
// infra/postgres-install.ts). Refuses while this folder's `npm start` runs.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { sharedDir } from '../infra/postgres-install';
import { PROJECT_ROOT } from '../infra/temporal-cli';

const DATA_DIR = path.join(PROJECT_ROOT, '.data');

async function main(): Promise<void> {
  if (existsSync(path.join(DATA_DIR, 'stack.json')) || existsSync(path.join(DATA_DIR, 'postgres', 'postmaster.pid'))) {
    throw new Error('npm start is running from this folder (or was killed without stopping PostgreSQL): stop it first, then run npm run reset again.');
  }
  const link = path.join(DATA_DIR, 'postgres');
  const stat = await fs.lstat(link).catch(() => null);
  if (stat?.isSymbolicLink()) {
    const target = path.resolve(DATA_DIR, await fs.readlink(link));
    // Only what npm start made: a link pointing anywhere else is left alone.
    if (target.startsWith(path.join(sharedDir(), 'clusters') + path.sep)) {
      await fs.rm(target, { recursive: true, force: true });
      console.log(`removed ${target}`);
    } else {
      console.log(`left ${target} alone (not made by npm start); remove it yourself if you mean to`);
    }
  }
  await fs.rm(DATA_DIR, { recursive: true, force: true });
  console.log(`removed ${path.relative(PROJECT_ROOT, DATA_DIR)}: the next npm start begins with an empty desk`);
}

main().catch((err: unknown) => {
  console.error(`npm run reset: ${(err as Error).message}`);
  process.exit(1);
});
