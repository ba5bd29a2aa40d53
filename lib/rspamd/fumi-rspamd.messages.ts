/** The replies the scan gives for rspamd's actions and for a scan that could not be done. */
export const RSPAMD_REPLIES = {
  reject: { code: 550, enhanced: '5.7.1', text: (summary: string) => `Spam message rejected${summary ? ` (${summary})` : ''}` },
  softReject: { code: 451, enhanced: '4.7.1', text: 'Try again later' },
  greylist: { code: 451, enhanced: '4.7.1', text: 'Greylisted, try again later' },
  unavailable: { code: 451, enhanced: '4.7.1', text: 'Spam filter unavailable, try again later' },
} as const;

/** What the rspamd integration says in logs. */
export const RSPAMD_MESSAGES = {
  notScanned: (sessionId: string, reason: string, detail: string, accepted: boolean) =>
    `message of session ${sessionId} not scanned (${reason}: ${detail}), ${accepted ? 'accepted' : 'answered 451'}`,
  circuitOpened: (ms: number) => `circuit opened after repeated failures: rspamd not asked for ${ms} ms`,
  circuitClosed: () => 'rspamd answers again: circuit closed',
  circuitOpen: (ms: number) => `circuit open after repeated failures, rspamd asked again in ${ms} ms`,
  tooLarge: (bytes: number, maxSize: number) => `${bytes} bytes, over maxSize ${maxSize}`,
  readTooLate: (bytes: number) =>
    `${bytes} bytes, over spoolThreshold with spoolDirectory: false: its first bytes were read and let go before they could be sent to rspamd`,
  timedOut: (ms: number) => `no answer within ${ms} ms`,
  httpStatus: (status: number | undefined) => `HTTP status ${String(status)}`,
  answerTooLarge: (bytes: number) => `answer over ${bytes} bytes`,
  notJson: (error: unknown) => `answer is not JSON: ${error instanceof Error ? error.message : String(error)}`,
  badField: (field: string, value: unknown) => `answer has no valid "${field}": ${JSON.stringify(value) ?? String(value)}`,
  rspamdError: (error: unknown) => `rspamd answered an error: ${String(error)}`,
} as const;
