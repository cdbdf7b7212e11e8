import { describe, expect, it } from 'vitest';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { ConfigError } from '../../../src/roles/common/config.js';
import { loadJdcConfig } from '../../../src/roles/jd-client/config.js';

const keys = AuthorityKeyPair.generate();
const base = (reward: string) => ({
  listening_address: '127.0.0.1:0',
  authority_public_key: keys.publicKey.toString(),
  authority_secret_key: keys.secretToString(),
  coinbase_reward_script: reward,
  template_provider_type: { Embedded: {} },
});

describe('JD client config: the solo payout and its chain', () => {
  it('a mainnet address on the embedded regtest chain is refused, naming the key', () => {
    expect(() => loadJdcConfig(undefined, {}, base('addr(bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq)'))).toThrow(ConfigError);
    expect(() => loadJdcConfig(undefined, {}, base('addr(bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq)'))).toThrow(/^coinbase_reward_script: is a mainnet address, but \[template_provider_type\.Embedded\] is a regtest chain/);
  });

  it('a regtest address, or a raw script, is taken', () => {
    expect(loadJdcConfig(undefined, {}, base('addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)')).rewardScript.length).toBe(22);
    expect(loadJdcConfig(undefined, {}, base(`raw(0014${'5a'.repeat(20)})`)).rewardScript.length).toBe(22);
  });
});
