/** Folds clauses as mailauth does: one per line, each line after the first indented. */
export function authenticationResultsHeader(authservId: string, clauses: readonly string[]): string {
  const body = clauses.length ? clauses.join(';\r\n ') : 'none';
  return `Authentication-Results: ${authservId};\r\n ${body}\r\n`;
}
