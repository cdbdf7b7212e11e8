/** Open sockets per peer address, for a listener's per-address limit: one count per socket, released when it closes. */
import type { Socket } from 'node:net';

export class AddressLimit {
  private readonly open = new Map<string, number>();

  /** 0 (or less) means no limit. */
  constructor(private readonly limit: number) {}

  /** Counts `socket` against its address until it closes; false (and nothing counted) when the address is at its limit. */
  admit(socket: Socket): boolean {
    if (this.limit <= 0) return true;
    const address = socket.remoteAddress ?? '';
    const n = this.open.get(address) ?? 0;
    if (n >= this.limit) return false;
    this.open.set(address, n + 1);
    socket.once('close', () => {
      const left = (this.open.get(address) ?? 1) - 1;
      if (left <= 0) this.open.delete(address);
      else this.open.set(address, left);
    });
    return true;
  }
}
