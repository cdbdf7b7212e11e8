/**
 * An Sv1 miner over a real TCP socket: the project's Sv1Client state machine, framed with
 * LineSplitter. Tests await its events (`next`, `until`) instead of sleeping.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { LineSplitter } from '../../src/sv1/index.js';
import type { Sv1ClientEvent, Sv1ClientOptions } from '../../src/sv1/index.js';
import { MinerModel } from './translator.js';

type Waiter = { test: (e: Sv1ClientEvent) => boolean; resolve: (e: Sv1ClientEvent) => void; reject: (e: Error) => void };

export class SocketMiner {
  readonly model: MinerModel;
  readonly socket: Socket;
  readonly closed: Promise<void>;
  isClosed = false;
  private readonly splitter = new LineSplitter();
  private waiters: Waiter[] = [];
  private seen = 0;

  private constructor(socket: Socket, options: Partial<Sv1ClientOptions>) {
    this.socket = socket;
    this.model = new MinerModel(options);
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.isClosed = true;
        for (const w of this.waiters) w.reject(new Error('connection closed while waiting'));
        this.waiters = [];
        resolve();
      });
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const line of this.splitter.push(chunk)) {
        for (const reply of this.model.receive(line)) socket.write(reply);
      }
      this.wake();
    });
  }

  static async connect(port: number, options: Partial<Sv1ClientOptions> = {}, start = true): Promise<SocketMiner> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const miner = new SocketMiner(socket, options);
    if (start) for (const line of miner.model.client.start().send) socket.write(line);
    return miner;
  }

  write(line: string): void {
    this.socket.write(line);
  }

  /** The first event (from now on, or already seen if `fromStart`) of this type matching `test`. */
  until<T extends Sv1ClientEvent['type']>(type: T, test: (e: Extract<Sv1ClientEvent, { type: T }>) => boolean = () => true): Promise<Extract<Sv1ClientEvent, { type: T }>> {
    const match = (e: Sv1ClientEvent): boolean => e.type === type && test(e as Extract<Sv1ClientEvent, { type: T }>);
    const already = this.model.events.slice(this.seen).find(match);
    if (already !== undefined) {
      this.seen = this.model.events.indexOf(already) + 1;
      return Promise.resolve(already as Extract<Sv1ClientEvent, { type: T }>);
    }
    if (this.isClosed) return Promise.reject(new Error(`closed before ${type}`));
    return new Promise((resolve, reject) => this.waiters.push({ test: match, resolve: resolve as (e: Sv1ClientEvent) => void, reject }));
  }

  /** Submits a share line and awaits its answer. */
  async submit(line: string): Promise<Extract<Sv1ClientEvent, { type: 'share-accepted' | 'share-rejected' }>> {
    const id = JSON.parse(line).id as number;
    this.socket.write(line);
    const answered = (e: Sv1ClientEvent): boolean => (e.type === 'share-accepted' || e.type === 'share-rejected') && e.id === id;
    const already = this.model.events.find(answered);
    if (already !== undefined) return already as Extract<Sv1ClientEvent, { type: 'share-accepted' | 'share-rejected' }>;
    return new Promise((resolve, reject) =>
      this.waiters.push({ test: answered, resolve: resolve as (e: Sv1ClientEvent) => void, reject }),
    );
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const events = this.model.events;
    for (let i = this.seen; i < events.length; i++) {
      const e = events[i]!;
      const index = this.waiters.findIndex((w) => w.test(e));
      if (index < 0) continue;
      const [w] = this.waiters.splice(index, 1);
      this.seen = i + 1;
      w!.resolve(e);
    }
  }
}
