import { expect } from 'vitest';
import { ConfigError } from '../../src/roles/common/config.js';
import { tempPath } from './temp.js';

/** A TOML config file holding `text`, in a fresh temporary directory. */
export function tomlFile(text: string): string {
  return tempPath('config.toml', text);
}

/** The ConfigError `fn` throws; the test fails if it throws anything else or nothing. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}
