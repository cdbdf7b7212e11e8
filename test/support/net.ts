import { once } from 'node:events';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import type { AuthorityPublicKey, NoiseSession } from '../../src/noise/index.js';
import { ACT2_SIZE, NoiseInitiator } from '../../src/noise/index.js';

/** A plain TCP socket to 127.0.0.1:port, connected. */
export async function rawSocket(port: number): Promise<Socket> {
  const socket = netConnect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.setNoDelay(true);
  return socket;
}

/** Reads exactly n bytes from a socket (test side). */
export function readBytes(socket: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= n) {
        socket.off('data', onData);
        socket.off('error', reject);
        socket.pause();
        const all = Buffer.concat(chunks);
        if (all.length > n) socket.unshift(all.subarray(n));
        resolve(all.subarray(0, n));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.resume();
  });
}

/** A hand-driven initiator: does the handshake over a raw socket and leaves the bytes to the test. */
export async function rawNoiseClient(port: number, authority?: AuthorityPublicKey): Promise<{ socket: Socket; session: NoiseSession }> {
  const socket = await rawSocket(port);
  const initiator = new NoiseInitiator({ authority });
  socket.write(initiator.act1());
  const act2 = await readBytes(socket, ACT2_SIZE);
  return { socket, session: initiator.readAct2(act2, Math.floor(Date.now() / 1000)) };
}

/** A TCP server whose connection handling is written by the test. */
export async function rawServer(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

/** Resolves when the socket has closed (the other side hung up or it was destroyed). */
export async function closedSocket(socket: Socket): Promise<void> {
  if (socket.destroyed && socket.closed) return;
  socket.resume(); // drain, so an 'end' is seen
  await once(socket, 'close');
}

/** Deterministic pseudo-random sizes for chunking. */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
}
