import { ConfigError } from '../roles/common/config.js';
import { ListenError } from '../net/errors.js';

/**
 * Runs a long-lived role from the command line: a config problem is one line and exit code 2,
 * any other start failure one line and exit code 1; SIGINT/SIGTERM stop it cleanly.
 */
export async function runRole(name: string, start: () => Promise<{ close(): Promise<void> }>): Promise<void> {
  let role: { close(): Promise<void> } | undefined;
  let stopping: string | undefined;
  const stopNow = (): void => {
    role!.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`sv2 ${name}: error while stopping: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  // Installed before the role starts, so no signal is missed; one during the start says so and exits.
  const onSignal = (signal: string): void => {
    if (stopping !== undefined) {
      process.stderr.write(`sv2 ${name}: ${signal} again, exiting now\n`);
      process.exit(130);
    }
    stopping = signal;
    if (role !== undefined) return stopNow();
    process.stderr.write(`sv2 ${name}: ${signal} while starting: stopped before it was up\n`);
    process.exit(130);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  try {
    role = await start();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`sv2 ${name}: config: ${e.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`sv2 ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}

/** Which config key chose each address a role listens on, for naming the key when a port is taken. */
export type ListenKeys = Record<string, string | undefined>;

/**
 * Runs `start`; a listener that cannot bind becomes a ConfigError naming the key that gave its
 * address (`keys` maps key → `host:port`; the port alone decides, as hosts are spelt many ways).
 */
export async function listenKeyed<T>(keys: ListenKeys, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (e) {
    if (!(e instanceof ListenError)) throw e;
    const key = Object.entries(keys).find(([, address]) => address !== undefined && Number(address.slice(address.lastIndexOf(':') + 1)) === e.port)?.[0] ?? 'listen_address';
    throw new ConfigError(key, `${e.message}; change ${key}`);
  }
}
