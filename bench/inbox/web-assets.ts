import { cp } from 'node:fs/promises';

/** The compiled sample reads its pages at start-up from next to itself: copy them as `nest build` does. */
export async function copyWebAssets(): Promise<void> {
  const root = new URL('../../../', import.meta.url);
  await cp(new URL('sample/web/assets/', root), new URL('dist/sample/web/assets/', root), { recursive: true });
}
