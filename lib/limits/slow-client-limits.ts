import { REPLIES, type CannedReply, type SendReply } from '../fumi.messages.js';
import { isAnswering, watchClientInput, type SmtpConnection } from '../smtp-server/index.js';

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
    const { commandLineTimeout, minDataRate, dataRateAllowance } = this.limits;
    if (commandLineTimeout === false && minDataRate === false) return undefined;
    let lineDeadline: NodeJS.Timeout | undefined;
    let rateCheck: NodeJS.Timeout | undefined;
    let clientMs = 0;
    let bytes = 0;
    let waitingSince: number | undefined;
    /** Time the event loop was held up (a handler's synchronous work, a starved process): the server's, not the client's. */
    let stalledMs = 0;
    let lastCheck = 0;
    /** Postfix's rate deadline as a bucket: the client's time drains it, each byte adds 1/minDataRate s back, never above the allowance. */
    let allowance = dataRateAllowance;
    let countedMs = 0;
    let countedBytes = 0;
    const cut = (reply: CannedReply) => {
      clearTimeout(lineDeadline);
      clearInterval(rateCheck);
      this.close(connection, reply);
    };
    const lineExpired = () => {
      if (isAnswering(connection)) lineDeadline = setTimeout(lineExpired, CHECK_MS).unref();
      else cut(REPLIES.commandLineTooSlow);
    };
    const checkRate = () => {
      const now = performance.now();
      // a check this late means the loop was held up: the client's bytes were waiting, unread, meanwhile
      const late = now - lastCheck - CHECK_MS;
      lastCheck = now;
      if (late > CHECK_MS) stalledMs += late;
      if (minDataRate === false || isAnswering(connection)) return;
      const clientTime = clientMs + (waitingSince === undefined ? 0 : now - waitingSince) - stalledMs;
      allowance = Math.min(dataRateAllowance, allowance - (clientTime - countedMs) + ((bytes - countedBytes) * 1000) / minDataRate);
      countedMs = clientTime;
      countedBytes = bytes;
      if (allowance <= 0) cut(REPLIES.messageTooSlow);
    };
    watchClientInput(connection, {
      partialLine: () => {
        if (commandLineTimeout !== false && !lineDeadline) lineDeadline = setTimeout(lineExpired, commandLineTimeout).unref();
      },
      noPartialLine: () => {
        clearTimeout(lineDeadline);
        lineDeadline = undefined;
      },
      messageArrived: (ms) => {
        clientMs += ms;
        waitingSince = undefined;
      },
      messageTaken: (total) => {
        bytes = total;
        waitingSince = performance.now();
        if (minDataRate !== false && !rateCheck) {
          lastCheck = performance.now();
          rateCheck = setInterval(checkRate, CHECK_MS).unref();
        }
      },
      messageEnd: () => {
        clearInterval(rateCheck);
        rateCheck = waitingSince = undefined;
        clientMs = bytes = stalledMs = countedMs = countedBytes = 0;
        allowance = dataRateAllowance;
      },
    });
    return () => {
      clearTimeout(lineDeadline);
      clearInterval(rateCheck);
    };
  };
}
