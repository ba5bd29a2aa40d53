import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { RunOutcome } from './run-outcome.js';
import type { SmtpSourceSpec } from './workload-spec.js';

/** Where Debian's postfix package puts Postfix's load client. */
export const SMTP_SOURCE = '/usr/sbin/smtp-source';

/** How to get it, for a bench that finds it missing. */
export const SMTP_SOURCE_MISSING =
  `Postfix's smtp-source (${SMTP_SOURCE}) is not installed: its rows are skipped. On Debian: ` +
  `echo "postfix postfix/main_mailer_type select No configuration" | sudo debconf-set-selections && sudo apt-get install -y postfix`;

export const hasSmtpSource = (): boolean => existsSync(SMTP_SOURCE);

/** CPU seconds of this process's children that have ended (`cutime` + `cstime`, at 100 ticks a second). */
function endedChildrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/**
 * Runs Postfix's `smtp-source` against the server: a real MTA's load client, which does not
 * pipeline. Its CPU is what this process's ended children used while it ran (it is the only one).
 */
export function runSmtpSource(port: number, spec: SmtpSourceSpec, outcome: RunOutcome): Promise<{ clientCpuSeconds: number }> {
  const args = [
    ...(spec.persistent ? ['-d'] : []),
    '-s', String(spec.sessions),
    '-m', String(spec.messages),
    '-l', String(spec.messageBytes),
    '-f', 'load@client.test',
    '-t', 'sink@bench.test',
    '-M', 'client.test',
    `127.0.0.1:${port}`,
  ];
  const cpuBefore = endedChildrenCpuSeconds();
  return new Promise((resolve) => {
    const child = spawn(SMTP_SOURCE, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => outcome.fail(error));
    child.on('exit', (code) => {
      if (code === 0 && !stderr.trim()) {
        outcome.messages += spec.messages;
        outcome.connections += spec.persistent ? spec.sessions : spec.messages;
      } else {
        outcome.fail(new Error(`smtp-source exited with ${code}: ${stderr.trim().split('\n')[0] ?? ''}`));
      }
      resolve({ clientCpuSeconds: endedChildrenCpuSeconds() - cpuBefore });
    });
  });
}
