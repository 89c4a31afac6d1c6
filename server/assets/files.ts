import path from 'node:path';

/** Asset bytes live at `DIR/assets/<first two hex>/<key>`; keys are validated hex, never paths. */
export function assetPath(dataDir: string, key: string): string {
  if (!/^[0-9a-f]{32}$/.test(key)) throw new Error('asset keys are 32 hex digits');
  return path.join(dataDir, 'assets', key.slice(0, 2), key);
}
