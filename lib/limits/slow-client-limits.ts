import { REPLIES, type CannedReply, type SendReply } from '../fumi.messages.js';
import { isAnswering, watchClientInput, type ClientInputWatcher, type SmtpConnection } from '../smtp-server/index.js';

/** The limits `SlowClientLimits` enforces; `false` is no limit. */
export interface SlowClientLimitValues {
  /** Longest a command line may take from the moment its first byte was taken in, in ms. */
  readonly commandLineTimeout: number | false;
  /** Bytes a second a message must arrive at, counted over the client's own time. */
  readonly minDataRate: number | false;
  /** How far behind `minDataRate` a message may fall, in ms of the client's time. */
  readonly dataRateAllowance: number;
}

/** How often a message's rate is checked, and how often a deadline falling while the server works is looked at again. */
const CHECK_MS = 250;

/**
 * Cuts clients that send slowly on purpose: a command line trickled a byte at a time (the idle
 * timeout restarts with every byte) and a message sent below a minimum rate (as Postfix's
 * `smtpd_min_data_rate`). Neither counts time the server itself holds the client back (a handler
 * deciding, the spool waiting for its readers): only the time the client took to send.
 */
export class SlowClientLimits {
  constructor(
    private readonly limits: SlowClientLimitValues,
    /** Answers with a 421, which makes smtp-server close the connection. */
    private readonly close: SendReply<SmtpConnection>,
  ) {}

  /** Connection hook; what it returns clears its timers when the connection is gone. */
  readonly guard = (connection: SmtpConnection): (() => void) | undefined => {
    const { commandLineTimeout, minDataRate } = this.limits;
    if (commandLineTimeout === false && minDataRate === false) return undefined;
    const watch = new SlowClientWatch(connection, this.limits, this.close);
    watchClientInput(connection, watch);
    return () => watch.stop();
  };
}

/** One connection's clocks: its command line's deadline, its message's rate. */
class SlowClientWatch implements ClientInputWatcher {
  private lineDeadline: NodeJS.Timeout | undefined = undefined;
  private rateCheck: NodeJS.Timeout | undefined = undefined;
  private clientMs = 0;
  private bytes = 0;
  private waitingSince: number | undefined = undefined;
  /** Time the event loop was held up (a handler's synchronous work, a starved process): the server's, not the client's. */
  private stalledMs = 0;
  private lastCheck = 0;
  /** Postfix's rate deadline as a bucket: the client's time drains it, each byte adds 1/minDataRate s back, never above the allowance. */
  private allowance: number;
  private countedMs = 0;
  private countedBytes = 0;

  constructor(
    private readonly connection: SmtpConnection,
    private readonly limits: SlowClientLimitValues,
    private readonly close: SendReply<SmtpConnection>,
  ) {
    this.allowance = limits.dataRateAllowance;
  }

  partialLine(): void {
    const timeout = this.limits.commandLineTimeout;
    if (timeout !== false && !this.lineDeadline) this.lineDeadline = setTimeout(lineExpired, timeout, this).unref();
  }

  noPartialLine(): void {
    clearTimeout(this.lineDeadline);
    this.lineDeadline = undefined;
  }

  messageArrived(ms: number): void {
    this.clientMs += ms;
    this.waitingSince = undefined;
  }

  messageTaken(total: number): void {
    this.bytes = total;
    this.waitingSince = performance.now();
    if (this.limits.minDataRate !== false && !this.rateCheck) {
      this.lastCheck = performance.now();
      this.rateCheck = setInterval(checkRate, CHECK_MS, this).unref();
    }
  }

  messageEnd(): void {
    clearInterval(this.rateCheck);
    this.rateCheck = this.waitingSince = undefined;
    this.clientMs = this.bytes = this.stalledMs = this.countedMs = this.countedBytes = 0;
    this.allowance = this.limits.dataRateAllowance;
  }

  stop(): void {
    clearTimeout(this.lineDeadline);
    clearInterval(this.rateCheck);
  }

  /** @internal the command line's deadline */
  lineExpired(): void {
    if (isAnswering(this.connection)) this.lineDeadline = setTimeout(lineExpired, CHECK_MS, this).unref();
    else this.cut(REPLIES.commandLineTooSlow);
  }

  /** @internal every CHECK_MS while a message arrives */
  checkRate(): void {
    const { minDataRate, dataRateAllowance } = this.limits;
    const now = performance.now();
    // a check this late means the loop was held up: the client's bytes were waiting, unread, meanwhile
    const late = now - this.lastCheck - CHECK_MS;
    this.lastCheck = now;
    if (late > CHECK_MS) this.stalledMs += late;
    if (minDataRate === false || isAnswering(this.connection)) return;
    const clientTime = this.clientMs + (this.waitingSince === undefined ? 0 : now - this.waitingSince) - this.stalledMs;
    this.allowance = Math.min(
      dataRateAllowance,
      this.allowance - (clientTime - this.countedMs) + ((this.bytes - this.countedBytes) * 1000) / minDataRate,
    );
    this.countedMs = clientTime;
    this.countedBytes = this.bytes;
    if (this.allowance <= 0) this.cut(REPLIES.messageTooSlow);
  }

  private cut(reply: CannedReply): void {
    this.stop();
    this.close(this.connection, reply);
  }
}

function lineExpired(watch: SlowClientWatch): void {
  watch.lineExpired();
}

function checkRate(watch: SlowClientWatch): void {
  watch.checkRate();
}
