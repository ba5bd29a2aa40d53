/**
 * The path (or file URL) of the module that calls this, in the ESM build, the CommonJS one and
 * TypeScript sources under a test runner alike, where neither `import.meta` nor `__filename` is.
 */
export function callerFile(): string {
  const prepare = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_error, sites) => sites;
    const sites = new Error().stack as unknown as NodeJS.CallSite[];
    return sites[1]!.getFileName() ?? __filename;
  } finally {
    Error.prepareStackTrace = prepare;
  }
}
