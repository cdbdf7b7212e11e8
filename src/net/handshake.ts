/** Runs the Noise handshake over a socket: the byte plumbing around the pure state machines in noise/. */
import type { Socket } from 'node:net';
import { HandshakeError } from '../noise/errors.js';
import { ACT1_SIZE, ACT2_SIZE, NoiseInitiator, type InitiatorOptions, type NoiseResponder } from '../noise/handshake.js';
import type { NoiseSession } from '../noise/session.js';
import type { Certificate } from '../noise/certificate.js';
import { ConnectionClosedError, HandshakeTimeoutError } from './errors.js';
import { handshakeTurn } from './handshake-turns.js';
import type { ResolvedConnectionOptions } from './options.js';

export interface HandshakeOutcome {
  /** undefined on a plaintext link */
  session: NoiseSession | undefined;
  /** bytes that arrived after the handshake, already part of the first frames */
  leftover: Uint8Array;
  serverStaticKey?: Uint8Array;
  certificate?: Certificate;
}

/** Destroys the socket with a HandshakeTimeoutError unless `cancel` is called within `ms`. */
export function armHandshakeTimer(socket: Socket, ms: number): () => void {
  if (ms <= 0) return () => undefined;
  const timer = setTimeout(() => socket.destroy(new HandshakeTimeoutError(ms)), ms);
  return () => clearTimeout(timer);
}

/** Reads exactly `size` bytes, then pauses the socket so nothing after them is lost. */
function readExactly(socket: Socket, size: number, what: string): Promise<{ head: Uint8Array; rest: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total < size) return;
      cleanup();
      socket.pause();
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      resolve({ head: all.subarray(0, size), rest: all.subarray(size) });
    };
    const onEnd = () => {
      cleanup();
      reject(new HandshakeError(`peer closed the connection during the handshake, after ${total} of the ${size} bytes of ${what}`));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err instanceof HandshakeError ? err : new HandshakeError(`connection failed during the handshake: ${err.message}`, { cause: err }));
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
    socket.resume();
  });
}

/** Responder side: read act 1, answer with act 2. The responder (and its ephemeral key) is made only once act 1 is in. */
export async function respond(socket: Socket, makeResponder: () => NoiseResponder, options: ResolvedConnectionOptions): Promise<HandshakeOutcome> {
  const { head, rest } = await readExactly(socket, ACT1_SIZE, 'act 1');
  const turn = handshakeTurn();
  if (turn !== undefined) await turn;
  if (socket.destroyed) throw new ConnectionClosedError('peer left before its handshake was answered');
  const { act2, session } = makeResponder().readAct1(head, Math.floor(options.clock() / 1000));
  session.maxPayload = options.maxFramePayload;
  socket.write(act2);
  return { session, leftover: rest };
}

/** Initiator side: send act 1, read and check act 2 (certificate included). */
export async function initiate(socket: Socket, initiatorOptions: InitiatorOptions, options: ResolvedConnectionOptions): Promise<HandshakeOutcome> {
  const initiator = new NoiseInitiator({ ...initiatorOptions, leewaySeconds: options.clockLeewaySeconds });
  socket.write(initiator.act1());
  const { head, rest } = await readExactly(socket, ACT2_SIZE, 'act 2');
  const session = initiator.readAct2(head, Math.floor(options.clock() / 1000));
  session.maxPayload = options.maxFramePayload;
  return { session, leftover: rest, serverStaticKey: initiator.serverStaticKey, certificate: initiator.certificate };
}
