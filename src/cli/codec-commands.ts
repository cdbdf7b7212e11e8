import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { bytesToHex, hexToBytes } from '../codec/index.js';
import { decodeFrame, frameFromJson, frameToJson } from '../messages/index.js';

/** `sv2 decode <hex>` and `sv2 encode <json|->`: plaintext frames ⇄ JSON. */
export function registerCodecCommands(program: Command): void {
  program
    .command('decode')
    .description('decode one plaintext Sv2 frame (header + payload, hex) and print it as JSON')
    .argument('<hex>', 'the frame as hex; whitespace is ignored')
    .action((hex: string) => {
      let bytes: Uint8Array;
      try {
        bytes = hexToBytes(hex.replace(/\s+/g, '').replace(/^0x/i, ''));
      } catch (e) {
        throw new Error(`not a hex frame: ${(e as Error).message}`);
      }
      process.stdout.write(JSON.stringify(frameToJson(decodeFrame(bytes))) + '\n');
    });

  program
    .command('encode')
    .description('encode a frame from the JSON that `sv2 decode` prints; prints hex')
    .argument('<json>', "the frame as JSON, or '-' to read it from standard input")
    .action((text: string) => {
      const source = text === '-' ? readFileSync(0, 'utf8') : text;
      let json: unknown;
      try {
        json = JSON.parse(source);
      } catch (e) {
        throw new Error(`not JSON: ${(e as Error).message}`);
      }
      process.stdout.write(bytesToHex(frameFromJson(json)) + '\n');
    });
}
