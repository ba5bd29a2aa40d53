/** mailauth 7 needs this Node version: checked before it loads, so the error names the requirement. */
export const MAIL_AUTH_NODE_FLOOR = '22.19.0';

function atLeast(version: string, floor: string): boolean {
  const have = version.split('.').map(Number);
  const need = floor.split('.').map(Number);
  for (let i = 0; i < need.length; i++) {
    if ((have[i] ?? 0) !== need[i]) return (have[i] ?? 0) > need[i]!;
  }
  return true;
}

if (!atLeast(process.versions.node, MAIL_AUTH_NODE_FLOOR)) {
  throw new Error(
    `nestjs-fumi/mail-auth needs Node.js >= ${MAIL_AUTH_NODE_FLOOR} (its mailauth dependency does); ` +
      `this is Node.js ${process.versions.node}. The rest of nestjs-fumi runs on Node.js >= 20.19.`,
  );
}
