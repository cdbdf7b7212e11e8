/** What an operator sees from `sv2 pool` at start: a taken port named by its key, log lines for people or machines. */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorityKeyPair } from '../../src/noise/authority-key.js';
import { testPoolEnv } from '../support/pool.js';
import { spawnRole } from '../support/spawn-role.js';

const authority = AuthorityKeyPair.generate();

describe('sv2 pool, as an operator meets it', () => {
  let holder: Server;
  let taken: number;
  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    taken = (holder.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  it('a taken port is one line naming the key, and exit code 2', async () => {
    const pool = spawnRole(['pool'], testPoolEnv(authority, { POOL__LISTEN_ADDRESS: `127.0.0.1:${taken}` }));
    const exit = await pool.exited;
    expect(exit.code).toBe(2);
    expect(pool.output().split('\n')).toContain(`sv2 pool: config: listen_address: cannot listen on 127.0.0.1:${taken}: EADDRINUSE (another program holds the port); change listen_address`);
  });

  it('the monitoring port too', async () => {
    const pool = spawnRole(['pool'], testPoolEnv(authority, { POOL__MONITORING_ADDRESS: `127.0.0.1:${taken}` }));
    expect((await pool.exited).code).toBe(2);
    expect(pool.output()).toMatch(/^sv2 pool: config: monitoring_address: cannot listen on .*; change monitoring_address$/m);
  });

  it('the job declarator\'s port too', async () => {
    const pool = spawnRole(['pool'], testPoolEnv(authority, { POOL__JDS__LISTEN_ADDRESS: `127.0.0.1:${taken}` }));
    expect((await pool.exited).code).toBe(2);
    expect(pool.output()).toMatch(/^sv2 pool: config: jds\.listen_address: cannot listen on .*; change jds\.listen_address$/m);
  });

  it('a bad log level says which levels there are', async () => {
    const pool = spawnRole(['pool', '--log-level', 'loud'], testPoolEnv(authority));
    expect((await pool.exited).code).toBe(2);
    expect(pool.output().trim()).toBe('sv2 pool: config: --log-level: "loud" is not a log level; use one of trace, debug, info, warn, error, fatal, silent');
  });

  it('logs human lines when asked, JSON lines by default off a terminal', async () => {
    const human = spawnRole(['pool', '--log-format', 'human'], testPoolEnv(authority));
    await human.waitFor(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}pool pool listening {2}port=\d+$/m, 60_000);
    await human.waitFor(/^sv2 pool: listening on/m);
    human.child.kill('SIGTERM');
    await human.exited;
    expect(human.output()).toMatch(/INFO {2}pool pool stopping/);

    const json = spawnRole(['pool'], testPoolEnv(authority, { POOL__LOG_LEVEL: 'debug' }));
    const line = await json.waitFor(/^\{.*"msg":"pool listening".*\}$/m, 60_000);
    expect(JSON.parse(line[0])).toMatchObject({ level: 30, role: 'pool', msg: 'pool listening' });
    await json.waitFor(/^sv2 pool: listening on/m);
    json.child.kill('SIGTERM');
    await json.exited;
  });
});
