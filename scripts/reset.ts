// `npm run reset`: start over. Deletes .data (the admin token, Temporal's history, the demo's tokens) and the
// PostgreSQL cluster, also where it lives outside the clone (.data/postgres is then a link to it, see
// infra/postgres-install.ts). Refuses while this folder's `npm start` runs.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DATA_DIR, readStackFile, shown } from '../infra/local-data';
import { sharedDir } from '../infra/postgres-install';


/** This folder's stack still runs: its API answers, or its PostgreSQL's process is alive (files a kill -9 left do not count). */
async function running(): Promise<boolean> {
  const stack = await readStackFile();
  if (stack && (await fetch(`${stack.apiUrl}/health`, { signal: AbortSignal.timeout(2_000) }).then(() => true, () => false))) return true;
  const pidFile = await fs.readFile(path.join(DATA_DIR, 'postgres', 'postmaster.pid'), 'utf8').catch(() => null);
  const pid = Number(pidFile?.split('\n')[0]);
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  if (await running()) throw new Error('npm start is running from this folder: stop it first (Ctrl-C), then run npm run reset again.');
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
  console.log(`removed ${shown(DATA_DIR)}: the next npm start begins with an empty desk`);
}

main().catch((err: unknown) => {
  console.error(`npm run reset: ${(err as Error).message}`);
  process.exit(1);
});
