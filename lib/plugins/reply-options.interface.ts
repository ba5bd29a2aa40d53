/** How a built-in plugin refuses; every built-in has sensible defaults. */
export interface PluginReplyOptions {
  /** Reply text. */
  message?: string;
  /** Reply code. */
  code?: number;
  /** RFC 3463 enhanced code. */
  enhancedCode?: string;
}
