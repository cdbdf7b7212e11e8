import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import type { HistoryPoint, HistorySink } from '../common/history.js';

/** Dashboard history kept in the database: a week of minutes. */
const HISTORY_KEEP_MS = 7 * 24 * 60 * 60_000;

/** An accepted share, as the miner will be told it was accepted. */
export interface AcceptedShare {
  timeMs: number;
  userIdentity: string;
  /** Worker name from extension 0x0002, when the client sent one. */
  worker?: string | undefined;
  connectionId: number;
  channelId: number;
  sequenceNumber: number;
  jobId: number;
  /** Bitcoin difficulty of the channel target the share met. */
  difficulty: number;
}

/** submitted: no verdict yet (or a TP feed, until the chain builds on it); stale: valid, off the node's best chain. */
export type BlockStatus = 'submitted' | 'accepted' | 'rejected' | 'stale';

export interface FoundBlock {
  timeMs: number;
  /** Block hash in RPC (display) order. */
  blockHash: string;
  height: number | null;
  templateId: string;
  userIdentity: string;
  channelId: number;
  status: BlockStatus;
  rejectReason: string | null;
}

/**
 * Durable accounting in SQLite (WAL). Shares are buffered and committed by `flush()` in one
 * transaction; the pool flushes before it sends the SubmitShares.Success that covers them, so an
 * acknowledged share is on disk even if the process is killed the next instant. A committed
 * WAL transaction survives a process crash without an fsync (synchronous=NORMAL).
 */
export class ShareStore implements HistorySink {
  private readonly db: Db;
  private readonly insertShare: Statement;
  private readonly insertBlock: Statement;
  private readonly setBlockStatus: Statement;
  private readonly insertHistory: Statement;
  private readonly pruneHistory: Statement;
  private readonly selectHistory: Statement;
  private pending: AcceptedShare[] = [];
  private readonly commit: (shares: AcceptedShare[]) => void;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS shares (
        id INTEGER PRIMARY KEY,
        time_ms INTEGER NOT NULL,
        user_identity TEXT NOT NULL,
        worker TEXT,
        connection_id INTEGER NOT NULL,
        channel_id INTEGER NOT NULL,
        sequence_number INTEGER NOT NULL,
        job_id INTEGER NOT NULL,
        difficulty REAL NOT NULL
      );
      CREATE INDEX IF NOT EXISTS shares_by_user ON shares (user_identity, time_ms);
      CREATE TABLE IF NOT EXISTS blocks (
        id INTEGER PRIMARY KEY,
        time_ms INTEGER NOT NULL,
        block_hash TEXT NOT NULL UNIQUE,
        height INTEGER,
        template_id TEXT NOT NULL,
        user_identity TEXT NOT NULL,
        channel_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        reject_reason TEXT
      );
      CREATE TABLE IF NOT EXISTS history (
        t INTEGER PRIMARY KEY,
        hashrate REAL NOT NULL,
        accepted INTEGER NOT NULL,
        rejected INTEGER NOT NULL,
        blocks INTEGER NOT NULL,
        connections INTEGER NOT NULL,
        channels INTEGER NOT NULL
      );
    `);
    this.insertShare = this.db.prepare(
      'INSERT INTO shares (time_ms, user_identity, worker, connection_id, channel_id, sequence_number, job_id, difficulty) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertBlock = this.db.prepare(
      'INSERT OR IGNORE INTO blocks (time_ms, block_hash, height, template_id, user_identity, channel_id, status, reject_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.setBlockStatus = this.db.prepare('UPDATE blocks SET status = ?, reject_reason = ? WHERE block_hash = ?');
    this.insertHistory = this.db.prepare(
      'INSERT OR REPLACE INTO history (t, hashrate, accepted, rejected, blocks, connections, channels) VALUES (@t, @hashrate, @accepted, @rejected, @blocks, @connections, @channels)',
    );
    this.pruneHistory = this.db.prepare('DELETE FROM history WHERE t < ?');
    this.selectHistory = this.db.prepare('SELECT t, hashrate, accepted, rejected, blocks, connections, channels FROM history WHERE t >= ? ORDER BY t');
    this.commit = this.db.transaction((shares: AcceptedShare[]) => {
      for (const s of shares) {
        this.insertShare.run(s.timeMs, s.userIdentity, s.worker ?? null, s.connectionId, s.channelId, s.sequenceNumber, s.jobId, s.difficulty);
      }
    });
  }

  /** Buffers an accepted share; it is durable after the next flush(). */
  add(share: AcceptedShare): void {
    this.pending.push(share);
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Commits every buffered share in one transaction. */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.commit(batch);
  }

  /** Records a block candidate at once (committed before this returns). */
  recordBlock(block: FoundBlock): void {
    this.insertBlock.run(block.timeMs, block.blockHash, block.height, block.templateId, block.userIdentity, block.channelId, block.status, block.rejectReason);
  }

  updateBlock(blockHash: string, status: BlockStatus, rejectReason: string | null = null): void {
    this.setBlockStatus.run(status, rejectReason, blockHash);
  }

  shareCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM shares').get() as { n: number }).n;
  }

  /** Accepted shares and summed difficulty per user identity. */
  sharesByUser(): { userIdentity: string; shares: number; difficulty: number }[] {
    return this.db
      .prepare('SELECT user_identity AS userIdentity, count(*) AS shares, sum(difficulty) AS difficulty FROM shares GROUP BY user_identity ORDER BY user_identity')
      .all() as { userIdentity: string; shares: number; difficulty: number }[];
  }

  /** Accepted shares of one channel on one connection, newest sequence last. */
  sequenceNumbers(connectionId: number, channelId: number): number[] {
    return (
      this.db.prepare('SELECT sequence_number AS s FROM shares WHERE connection_id = ? AND channel_id = ? ORDER BY id').all(connectionId, channelId) as { s: number }[]
    ).map((r) => r.s);
  }

  blocks(): FoundBlock[] {
    return this.db
      .prepare(
        'SELECT time_ms AS timeMs, block_hash AS blockHash, height, template_id AS templateId, user_identity AS userIdentity, channel_id AS channelId, status, reject_reason AS rejectReason FROM blocks ORDER BY id',
      )
      .all() as FoundBlock[];
  }

  /** One dashboard history point (a minute), committed at once; points older than a week go. */
  appendHistory(p: HistoryPoint): void {
    this.insertHistory.run(p);
    this.pruneHistory.run(p.t - HISTORY_KEEP_MS);
  }

  history(sinceMs: number): HistoryPoint[] {
    return this.selectHistory.all(sinceMs) as HistoryPoint[];
  }

  /** The latest blocks found, newest first. */
  recentBlocks(limit: number): FoundBlock[] {
    return this.db
      .prepare(
        'SELECT time_ms AS timeMs, block_hash AS blockHash, height, template_id AS templateId, user_identity AS userIdentity, channel_id AS channelId, status, reject_reason AS rejectReason FROM blocks ORDER BY id DESC LIMIT ?',
      )
      .all(limit) as FoundBlock[];
  }

  blockCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM blocks').get() as { n: number }).n;
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}
