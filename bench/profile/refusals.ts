/**
 * What refusing a reconnect loop costs a listener: an Sv2Server that has penalized 127.0.0.2, and
 * a child process reconnecting from there in `loops` loops, each the moment it is dropped. Prints
 * refusals per second, the listener's CPU per refusal and its event-loop stalls.
 * `npx tsx bench/profile/refusals.ts [holdMs, default 0] [loops, default 8] [seconds, default 10]`
 * (with `taskset -c 0` in front, and the child takes core 1 when there is one).
 */
import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import os from 'node:os';
import { Sv2Server } from '../../src/net/server.js';

const [holdArg, loopsArg, secondsArg, role, portArg] = process.argv.slice(2);
const loops = Number(loopsArg ?? 8);

if (role === 'client') {
  const port = Number(portArg);
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const s = new Socket();
      s.on('error', () => undefined);
      s.on('close', () => resolve());
      s.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
    });
  for (let i = 0; i < loops; i++) void (async () => { for (;;) await once(); })();
} else {
  const holdMs = Number(holdArg ?? 0);
  const seconds = Number(secondsArg ?? 10);
  const server = await Sv2Server.listen({ port: 0, plaintext: true, abusePenaltyMaxMs: 3_600_000, refusedHoldMs: holdMs });
  for (let i = 0; i < 20; i++) server.penalize('127.0.0.2'); // the longest wait
  let refused = 0;
  server.on('refused', () => refused++);
  const stalls: number[] = [];
  let last = performance.now();
  const probe = setInterval(() => {
    const t = performance.now();
    stalls.push(t - last - 1);
    last = t;
  }, 1);
  const pin = os.platform() === 'linux' && os.cpus().length > 1 ? ['taskset', '-c', '1'] : [];
  const command = [...pin, process.execPath, '--import', 'tsx', new URL(import.meta.url).pathname, '0', String(loops), '0', 'client', String(server.port)];
  const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit' });
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  child.kill();
  clearInterval(probe);
  stalls.sort((a, b) => a - b);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `hold ${holdMs} ms, ${loops} loops: ${Math.round(refused / seconds)} refusals/s, listener CPU ${Math.round(cpuMs)} ms in ${seconds} s` +
      `${refused > 0 ? ` (${((cpuMs * 1000) / refused).toFixed(1)} µs a refusal)` : ''}, loop stall p99 ${stalls[Math.floor(stalls.length * 0.99)]!.toFixed(2)} max ${stalls.at(-1)!.toFixed(1)} ms`,
  );
  await server.close();
  process.exit(0);
}
