/**
 * The dashboard's server-sent-events fan-out: one stream per open page, a bounded number of them,
 * and one timer that exists only while at least one stream is open. Each tick samples the
 * server once, serialises the frame once and writes the same text to every stream; a stream whose
 * socket has not taken the previous writes (more than `maxUnsentBytes` buffered) is closed, so a
 * stalled page cannot make the server hold memory. With no stream open, nothing runs at all.
 */
import type { Clock } from '../../common/index.js';
import { realTimerFactory, type Timer, type TimerFactory, type TimerTarget } from '../../common/index.js';
import type { DashboardSource } from './dashboard-sampler.js';

/** Default of DashboardFeedOptions.maxSubscribers. */
export const DEFAULT_DASHBOARD_MAX_SUBSCRIBERS = 16;

/** Default of DashboardFeedOptions.intervalMs. */
export const DEFAULT_DASHBOARD_INTERVAL_MS = 1000;

/** Default of DashboardFeedOptions.maxUnsentBytes: 1 MiB, a few hundred frames. */
export const DEFAULT_DASHBOARD_MAX_UNSENT_BYTES = 1024 * 1024;

/** How long a page waits before reconnecting after the stream ended, in ms (the SSE `retry:`). */
export const DASHBOARD_RETRY_MS = 2000;

/** The part of a response stream the feed uses (node:http's ServerResponse has it). */
export interface DashboardSubscriber {
  /** Queues text on the stream; false when the stream's buffer is full. */
  write(text: string): boolean;
  /** Bytes queued on the stream and not yet handed to the socket. */
  readonly writableLength: number;
  /** Closes the stream at once. */
  destroy(): void;
  /** Ends the stream after what is queued. */
  end(): void;
  /** Told when the stream closes, whoever closed it. */
  once(event: 'close', listener: () => void): unknown;
}

/** Options of a DashboardFeed. */
export interface DashboardFeedOptions {
  /** Time source of the timer; required (the server's clock). */
  clock: Clock;
  /** Timer maker; default setTimeout-based (tests pass ManualTimers). */
  timerFactory?: TimerFactory;
  /** Most open streams; one more is refused (503). Default 16. */
  maxSubscribers?: number;
  /** Time between frames in ms; default 1000. */
  intervalMs?: number;
  /** Most bytes a stream may have queued before it is dropped; default 1 MiB. */
  maxUnsentBytes?: number;
}

/** `event: <name>` + `data: <json>` block of one event. */
function eventText(name: string, json: string): string {
  return `event: ${name}\ndata: ${json}\n\n`;
}

/** The SSE fan-out of the dashboard. */
export class DashboardFeed implements TimerTarget {
  /** Most open streams. */
  readonly maxSubscribers: number;
  /** Time between frames in ms. */
  readonly intervalMs: number;
  /** Most queued bytes per stream. */
  readonly maxUnsentBytes: number;
  private readonly source: DashboardSource;
  private readonly clock: Clock;
  private readonly timer: Timer;
  private readonly subscribers = new Set<DashboardSubscriber>();
  /** The last models event sent, to send it again only when it changed. */
  private modelsJson = '';
  /** Streams closed for falling behind, since the start. */
  dropped = 0;
  /** Frames sampled since the start. */
  frames = 0;

  constructor(source: DashboardSource, options: DashboardFeedOptions) {
    this.source = source;
    this.clock = options.clock;
    this.maxSubscribers = options.maxSubscribers ?? DEFAULT_DASHBOARD_MAX_SUBSCRIBERS;
    this.intervalMs = options.intervalMs ?? DEFAULT_DASHBOARD_INTERVAL_MS;
    this.maxUnsentBytes = options.maxUnsentBytes ?? DEFAULT_DASHBOARD_MAX_UNSENT_BYTES;
    this.timer = (options.timerFactory ?? realTimerFactory)(this.clock, this);
  }

  /** Open streams. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Whether the tick timer is armed (only while a stream is open). */
  get ticking(): boolean {
    return this.timer.deadlineNs !== 0;
  }

  /** Whether one more stream may open. */
  get hasRoom(): boolean {
    return this.subscribers.size < this.maxSubscribers;
  }

  /**
   * Adds a stream whose SSE headers are sent: writes the reconnect delay and the models table,
   * and starts sampling when it is the first. The caller checks hasRoom first.
   */
  subscribe(stream: DashboardSubscriber): void {
    const first = this.subscribers.size === 0;
    this.subscribers.add(stream);
    stream.once('close', () => this.unsubscribe(stream));
    if (first) {
      this.source.start();
      this.timer.armAt(this.clock.nowNs() + this.intervalMs * 1e6);
    }
    this.modelsJson = JSON.stringify(this.source.models());
    stream.write(`retry: ${DASHBOARD_RETRY_MS}\n\n${eventText('models', this.modelsJson)}`);
  }

  /** Removes a stream; the last one out stops the timer and the sampling. */
  unsubscribe(stream: DashboardSubscriber): void {
    if (!this.subscribers.delete(stream) || this.subscribers.size > 0) return;
    this.timer.cancel();
    this.source.stop();
  }

  /** Ends every stream (server shutdown); the pages reconnect to whatever answers next. */
  close(): void {
    for (const stream of [...this.subscribers]) {
      this.unsubscribe(stream);
      stream.end();
    }
  }

  onTimer(): void {
    if (this.subscribers.size === 0) return;
    const deadlineNs = this.clock.nowNs() + this.intervalMs * 1e6;
    this.frames++;
    const sample = this.source.sample(this.subscribers.size);
    let text = eventText('frame', JSON.stringify(sample.frame));
    const modelsJson = JSON.stringify(sample.models);
    if (modelsJson !== this.modelsJson) {
      this.modelsJson = modelsJson;
      text += eventText('models', modelsJson);
    }
    for (const stream of [...this.subscribers]) {
      if (stream.writableLength > this.maxUnsentBytes) {
        this.dropped++;
        this.unsubscribe(stream);
        stream.destroy();
        continue;
      }
      stream.write(text);
    }
    if (this.subscribers.size > 0) this.timer.armAt(deadlineNs);
  }
}
