/**
 * Where the security built-ins (`ipAccessList`/`denylist`/`allowlist`, `requireTls`, `logger`)
 * sit by default: before every other plugin and handler, whatever the order of `plugins`.
 */
export const OUTERMOST_PRIORITY = Number.MAX_SAFE_INTEGER;

/** Where a built-in plugin's middleware runs in its chain. */
export interface PluginPriorityOptions {
  /**
   * As on the decorators: higher runs earlier. The security built-ins default to
   * `OUTERMOST_PRIORITY`; give `0` to run in the order of `plugins`, as fumi does.
   */
  priority?: number;
}

/** How a built-in plugin refuses; every built-in has sensible defaults. */
export interface PluginReplyOptions extends PluginPriorityOptions {
  /** Reply text. */
  message?: string;
  /** Reply code. */
  code?: number;
  /** RFC 3463 enhanced code. */
  enhancedCode?: string;
}
