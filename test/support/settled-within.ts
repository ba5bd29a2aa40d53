/**
 * What `promise` gives, or `fallback` if it has not settled within `ms`. The timer is cleared
 * either way: a bare `Promise.race` with `setTimeout` leaves it pending, and Jest then waits
 * for it after the last test ("did not exit one second after the test run").
 */
export async function settledWithin<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
