/** Polls until `condition` holds: `@OnClose()` handlers run just after the client has seen the socket close. */
export async function waitFor(
  condition: () => boolean,
  ms = 5_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
