// `npm run migrate [-- <dir>]`: applies pending migrations to DATABASE_URL and exits.
import path from 'node:path';
import { commandLine } from '../infra/command-line';
import { ConfigError, loadDatabaseConfig } from '../infra/config';
import { createLogger } from '../infra/logger';
import { redactUrl } from '../infra/postgres';
import { MIGRATIONS_DIR, migrate } from './migrate';

const log = createLogger('migrate');

async function main(): Promise<void> {
  const [given] = commandLine('npm run migrate [-- <dir>]', { allowPositionals: true }).positionals;
  const config = loadDatabaseConfig();
  const dir = given ? path.resolve(given) : MIGRATIONS_DIR;
  const applied = await migrate(config.DATABASE_URL, log, { dir });
  log.info({ database: redactUrl(config.DATABASE_URL), applied }, applied.length ? 'migrations applied' : 'database is up to date');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(err.message);
    } else {
      log.error({ err }, 'migration failed');
      console.error(`migrate: ${err instanceof Error ? err.message : String(err)}`);
    }
    process.exit(1);
  },
);
