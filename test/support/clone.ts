// A clone of this repository in a temp folder, for tests that run `npm start` the way a newcomer does: the tracked
// and untracked (not ignored) files of the working tree, as `git clone` plus the uncommitted work would give, at a
// path with a space in it, optionally under a private (0700) home. node_modules and .tools are hard-linked copies
// (plain copies across filesystems): the same files with the same owners and modes at the same paths inside the clone
// as `npm install` lays down (so the embedded PostgreSQL's programs are reached through the clone's private path,
// exactly as after a fresh install), without downloading them again, which is not what these tests are about;
// web/dist is the run's one web build. A symbolic link would not do: the programs would then be reached through this
// worktree's path, outside the private home.
import { execFileSync } from 'node:child_process';
import { promises as fs, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { portIsFree } from '../../infra/ports';
import { spawnGroup } from '../../infra/process-group';
import { webBuild } from './web-build';
import { getFreePort } from '../../infra/temporal-dev-server';

const ROOT = path.resolve(__dirname, '..', '..');

export interface Clone {
  /** The folder the clone lives in (the "home"): 0700 when private. */
  home: string;
  /** The project root, `<home>/my clone`. */
  dir: string;
  /** Where PostgreSQL's programs and clusters go when the postgres user cannot reach the clone (EMBEDDED_PG_SHARED_DIR). */
  sharedDir: string;
  ports: { api: number; postgres: number; temporal: number; temporalUi: number };
  env: NodeJS.ProcessEnv;
  remove(): Promise<void>;
}

export async function makeClone(options: { privateHome: boolean }): Promise<Clone> {
  // A world-readable base holds the home and the shared folder, as / holds /root and /var/lib.
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'ar-clone-'));
  await fs.chmod(base, 0o755);
  const home = path.join(base, 'home');
  await fs.mkdir(home, { mode: options.privateHome ? 0o700 : 0o755 });
  await fs.chmod(home, options.privateHome ? 0o700 : 0o755);
  const dir = path.join(home, 'my clone');
  await fs.mkdir(dir);

  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    const from = path.join(ROOT, file);
    const stat = await fs.lstat(from).catch(() => null);
    if (!stat?.isFile()) continue;
    await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await fs.copyFile(from, path.join(dir, file));
    await fs.chmod(path.join(dir, file), stat.mode & 0o777);
  }
  for (const installed of ['node_modules', '.tools']) {
    try {
      execFileSync('cp', ['-al', path.join(ROOT, installed), path.join(dir, installed)], { stdio: 'ignore' });
    } catch {
      // Another filesystem than the temp dir's: hard links cannot cross it, a copy (same owners and modes) can.
      await fs.rm(path.join(dir, installed), { recursive: true, force: true });
      execFileSync('cp', ['-a', path.join(ROOT, installed), path.join(dir, installed)]);
    }
  }
  // What `npm install`'s postinstall builds; copied after the sources, so newer than them, as after an install.
  await fs.cp(await webBuild(), path.join(dir, 'web', 'dist'), { recursive: true });

  const [api, postgres, temporal, temporalUi] = [await getFreePort(), await getFreePort(), await getFreePort(), await getFreePort()];
  const env: NodeJS.ProcessEnv = { ...process.env };
  // What the jest run itself was given must not leak into the stack under test.
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'ADMIN_TOKEN', 'TEMPORAL_UI_URL', 'NODE_OPTIONS', 'JEST_WORKER_ID']) delete env[name];
  Object.assign(env, {
    PORT: String(api),
    EMBEDDED_PG_PORT: String(postgres),
    TEMPORAL_DEV_PORT: String(temporal),
    TEMPORAL_DEV_UI_PORT: String(temporalUi),
    EMBEDDED_PG_SHARED_DIR: path.join(base, 'shared'),
    LOG_LEVEL: 'warn',
  });
  return {
    home,
    dir,
    sharedDir: path.join(base, 'shared'),
    ports: { api, postgres, temporal, temporalUi },
    env,
    remove: () => fs.rm(base, { recursive: true, force: true }),
  };
}

export interface Run {
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** Ctrl-C at a terminal: SIGINT to the whole foreground process group. */
  interrupt(): void;
  kill(): void;
}

/** `npm <args>` in the clone, in a process group of its own (as a terminal runs it). */
export function npm(clone: Clone, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const group = spawnGroup('npm', args, { cwd: clone.dir, env: { ...clone.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const child = group.child;
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { stdout: () => out, stderr: () => err, exited, interrupt: () => group.signal('SIGINT'), kill: () => group.signal('SIGKILL') };
}

/** Waits until `probe` holds, or the run ends, or the time is up. */
export async function until(run: Run, what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  let ended = false;
  void run.exited.then(() => (ended = true));
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (ended) throw new Error(`npm ended before ${what}:\n${run.stdout()}\n${run.stderr()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${run.stdout()}\n${run.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function healthy(clone: Clone): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${clone.ports.api}/health`, { signal: AbortSignal.timeout(2_000) });
    return res.status === 200 && ((await res.json()) as { status: string }).status === 'ok';
  } catch {
    return false;
  }
}

/** Processes whose command line or working folder is in the clone or its shared folder, and its ports in use. */
export async function leftovers(clone: Clone, except: number[] = []): Promise<string[]> {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        /* not ours to read */
      }
      if ([clone.dir, clone.sharedDir].some((p) => cmdline.includes(p) || cwd.startsWith(p))) found.push(`process ${pid}: ${cmdline}`);
    } catch {
      /* exited meanwhile */
    }
  }
  for (const [name, port] of Object.entries(clone.ports)) {
    if (!except.includes(port) && !(await portIsFree(port))) found.push(`port ${port} (${name}) in use`);
  }
  return found;
}

/**
 * Nothing of the clone's left running, once the stack has had its time to stop. (On Ctrl-C, npm itself dies of the
 * signal at once, as at a terminal, while `npm start` stops its parts in order.)
 */
export async function nothingLeft(clone: Clone, except: number[] = []): Promise<string[]> {
  for (let waited = 0; ; waited += 250) {
    const found = await leftovers(clone, except);
    if (!found.length || waited > 60_000) return found;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
