/**
 * The device side of a role that serves Sv2 devices on work of its own making (the proxy, the JD
 * client): the Noise listener with the role's authority key, SetupConnection (header-only and
 * version-rolling devices; work selection is not a device's business here), and every device
 * message handed to the shared `DeviceChannels`. One implementation, so both roles treat their
 * devices alike; what a role adds (its upstream side) hangs on the channels' hooks.
 */
import type { Logger } from 'pino';
import { Protocol, SetupConnectionErrorCode } from '../../messages/common.js';
import { MiningSetupFlags } from '../../messages/mining.js';
import type { AnyMessage, MessageName, Messages } from '../../messages/registry.js';
import { ServerIdentity } from '../../noise/server-identity.js';
import type { Work } from '../../channels/work.js';
import { authorityKeyPairOf } from './authority-keys.js';
import type { DeviceChannels } from './device-channels.js';
import { DownstreamServer, SetupRefused, type Downstream, type DownstreamHandler, type SetUpDownstream } from './downstream-server.js';
import { listenLimits, type LimitsConfig } from './limits.js';
import { peerFault } from './role-error.js';

/** What a device connection keeps beyond the server's and the channels': nothing. */
export type DevicePeer = Record<string, never>;

/** The listener keys both roles share. */
export interface DeviceListenSettings {
  listenAddress: string;
  authorityPublicKey: string;
  authoritySecretKey: string;
  certValiditySecs: number;
  maxFrameBytes: number;
  limits: LimitsConfig;
}

export class DeviceFront<W extends Work> implements DownstreamHandler<DevicePeer> {
  readonly protocol = Protocol.Mining;
  private server: DownstreamServer<DevicePeer> | undefined;

  private constructor(
    private readonly devices: DeviceChannels<W>,
    private readonly now: () => number,
  ) {}

  /** Listens for devices; resolves once the listener is bound. */
  static async listen<W extends Work>(s: DeviceListenSettings, devices: DeviceChannels<W>, opts: { log: Logger; now: () => number; setupTimeoutMs?: number | undefined }): Promise<DeviceFront<W>> {
    const front = new DeviceFront(devices, opts.now);
    const identity = ServerIdentity.create({
      authority: authorityKeyPairOf({ authority_public_key: s.authorityPublicKey, authority_secret_key: s.authoritySecretKey }),
      validitySeconds: s.certValiditySecs,
    });
    front.server = await DownstreamServer.listen(
      {
        listeners: [{ address: s.listenAddress, identity }],
        maxFramePayload: s.maxFrameBytes,
        limits: listenLimits(s.limits),
        log: opts.log,
        now: opts.now,
        ...(opts.setupTimeoutMs !== undefined && { setupTimeoutMs: opts.setupTimeoutMs }),
      },
      front,
    );
    return front;
  }

  get port(): number {
    return this.server!.ports[0]!;
  }

  get downstreams(): DownstreamServer<DevicePeer> {
    return this.server!;
  }

  /** Header-only and version-rolling devices are served; work selection is refused. */
  setUp(d: Downstream<DevicePeer>, s: Messages['SetupConnection']): { state: DevicePeer; flags: number } {
    const supported = MiningSetupFlags.RequiresStandardJobs | MiningSetupFlags.RequiresVersionRolling;
    const unsupported = s.flags & ~supported;
    if (unsupported !== 0) throw new SetupRefused(SetupConnectionErrorCode.UnsupportedFeatureFlags, unsupported);
    this.devices.addConnection(d.id, { requiresStandardJobs: (s.flags & MiningSetupFlags.RequiresStandardJobs) !== 0, peer: d.peer, vendor: s.vendor });
    return { state: {}, flags: 0 };
  }

  onMessage(d: SetUpDownstream<DevicePeer>, m: AnyMessage): void {
    if (!this.devices.onMessage(d.id, m, this.now())) throw peerFault('SV2_ERR_UNEXPECTED_MESSAGE', `unexpected ${m.name} from a device`);
  }

  onClose(d: Downstream<DevicePeer>): void {
    this.devices.removeConnection(d.id);
  }

  send<N extends MessageName>(connId: number, name: N, message: Messages[N]): void {
    const d = this.server?.get(connId);
    if (d !== undefined) this.server!.send(d, name, message);
  }

  async close(reason: string): Promise<void> {
    await this.server?.close(reason);
  }
}
