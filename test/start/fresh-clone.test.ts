// `npm start` from a clone in a private home (0700, like /root), at a path with a space, as root: PostgreSQL runs as
// the `postgres` user, who cannot enter that home, so its programs and data go where it can (the shared folder) and
// the stack comes up healthy; Ctrl-C leaves nothing running. Then every start failure a newcomer can meet ends with
// one plain line saying what to do, exit code 1, no stack trace, and nothing left running.
import { promises as fs, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { healthy, makeClone, nothingLeft, npm, until, type Clone, type Run } from '../support/clone';

const asRoot = process.getuid?.() === 0;
const describeAsRoot = asRoot ? describe : describe.skip;

let clone: Clone;

beforeAll(async () => {
  clone = await makeClone({ privateHome: true });
}, 60_000);

afterAll(async () => {
  await clone?.remove();
});

/** A failed start: exit code 1, its last line the one plain sentence, no stack trace, nothing left running. */
async function failsWith(run: Run, line: RegExp, heldPort?: number): Promise<void> {
  const code = await run.exited;
  const output = `${run.stdout()}\n${run.stderr()}`;
  const last = run.stderr().trim().split('\n').at(-1) ?? '';
  expect({ code, last }).toEqual({ code: 1, last: expect.stringMatching(line) });
  expect(last).toMatch(/^npm start failed: /);
  expect(output).not.toMatch(/^\s+at /m);
  expect(output).not.toMatch(/Unhandled|uncaught/i);
  expect(await nothingLeft(clone, heldPort === undefined ? [] : [heldPort])).toEqual([]);
}

/** Something else holding a port, on the loopback address as a stray server would. */
async function holding<T>(port: number, work: () => Promise<T>): Promise<T> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  try {
    return await work();
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describeAsRoot('npm start from a clone in a private home, as root', () => {
  it('comes up healthy with PostgreSQL kept where its user reaches it, and Ctrl-C leaves nothing running', async () => {
    const homeMode = statSync(clone.home).mode & 0o777;
    const run = npm(clone, ['start']);
    try {
      await until(run, 'a healthy /health', () => healthy(clone));
      await until(run, 'the banner', () => run.stdout().includes('ar-dispute-engine is running'));
    } catch (err) {
      run.interrupt();
      await run.exited;
      throw err;
    }
    // The cluster lives in the shared folder, linked from .data/postgres, and the banner says so.
    const link = path.join(clone.dir, '.data', 'postgres');
    const target = await fs.readlink(link);
    expect(target.startsWith(path.join(clone.sharedDir, 'clusters'))).toBe(true);
    expect(run.stdout()).toContain(`data in ${target}`);
    expect(run.stdout()).toContain(`programs in ${path.join(clone.sharedDir, 'postgresql-')}`);
    // Nobody's folder was opened up to make it work.
    expect(statSync(clone.home).mode & 0o777).toBe(homeMode);

    run.interrupt();
    await run.exited;
    expect(await nothingLeft(clone)).toEqual([]);
  }, 180_000);

  it('a port in use: the API, PostgreSQL, Temporal, its Web UI', async () => {
    const cases: [number, RegExp][] = [
      [clone.ports.api, /port \d+ \(API and web UI\) is already in use: .*set PORT to a free port/],
      [clone.ports.postgres, /port \d+ \(embedded PostgreSQL\) is already in use: .*EMBEDDED_PG_PORT/],
      [clone.ports.temporal, /port \d+ \(Temporal dev server\) is already in use: .*TEMPORAL_DEV_PORT/],
      [clone.ports.temporalUi, /port \d+ \(Temporal Web UI\) is already in use: .*TEMPORAL_DEV_UI_PORT/],
    ];
    for (const [port, line] of cases) await holding(port, () => failsWith(npm(clone, ['start']), line, port));
  }, 180_000);

  it('no Temporal CLI (no Python to install it)', async () => {
    const tools = path.join(clone.dir, '.tools');
    await fs.rename(tools, `${tools}.away`);
    try {
      await failsWith(npm(clone, ['start'], { TEMPORAL_CLI: '' }), /the Temporal CLI is not installed .*install Python 3 with venv .*npm install again/);
    } finally {
      await fs.rename(`${tools}.away`, tools);
    }
  }, 60_000);

  it('a .data/postgres made by another PostgreSQL version', async () => {
    const version = path.join(clone.dir, '.data', 'postgres', 'PG_VERSION');
    const real = await fs.readFile(version, 'utf8');
    await fs.writeFile(version, '16\n');
    try {
      await failsWith(npm(clone, ['start']), /holds a PostgreSQL 16 database and this version runs PostgreSQL 17: move the folder aside/);
    } finally {
      await fs.writeFile(version, real);
    }
  }, 60_000);

  it('a database that will not start', async () => {
    const conf = path.join(clone.dir, '.data', 'postgres', 'postgresql.auto.conf');
    const real = await fs.readFile(conf, 'utf8');
    await fs.appendFile(conf, 'no_such_setting = on\n');
    try {
      await failsWith(npm(clone, ['start']), /PostgreSQL did not start on .*: unrecognized configuration parameter "no_such_setting".*; fix what it says, or move .* aside/);
    } finally {
      await fs.writeFile(conf, real);
    }
  }, 60_000);

  it("a Temporal database file it cannot open (another version's, or damaged)", async () => {
    const db = path.join(clone.dir, '.data', 'temporal.db');
    const files = [db, `${db}-wal`, `${db}-shm`];
    for (const file of files) await fs.rename(file, `${file}.away`).catch(() => undefined);
    await fs.writeFile(db, 'not a database');
    try {
      await failsWith(npm(clone, ['start']), /the Temporal dev server did not start: .*file is not a database.*: move it aside/);
    } finally {
      await fs.rm(db);
      for (const file of files) await fs.rename(`${file}.away`, file).catch(() => undefined);
    }
  }, 60_000);

  it('a bad setting', async () => {
    await failsWith(npm(clone, ['start'], { TEMPORAL_TLS_CERT: '/nonexistent/client.pem' }), /the configuration is invalid: TEMPORAL_TLS_CERT: cannot read \/nonexistent\/client.pem: ENOENT\.$/);
  }, 60_000);

  it('a TEAMS that drops a team the routing still sends findings to', async () => {
    await failsWith(
      npm(clone, ['start'], { TEAMS: 'ORDER_MANAGEMENT' }),
      /TEAMS \(ORDER_MANAGEMENT\) drops SALES_OPS \(0 open task\(s\), routing version 0 routes to it\): add them to TEAMS, or route their finding codes to a configured team/,
    );
  }, 120_000);

  it('npm run reset starts over: .data and the cluster it links to are gone', async () => {
    const target = await fs.readlink(path.join(clone.dir, '.data', 'postgres'));
    const run = npm(clone, ['run', 'reset']);
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toContain(`removed ${target}`);
    await expect(fs.stat(target)).rejects.toThrow(/ENOENT/);
    await expect(fs.stat(path.join(clone.dir, '.data'))).rejects.toThrow(/ENOENT/);
  }, 60_000);
});
