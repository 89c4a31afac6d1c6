import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The emoji picker's dataset (Emojibase, loaded lazily as its own chunk) keeps only what the
 * picker reads: character, name, tags, group, order. Skin-tone variants and code points go.
 */
function slimEmojiData(): Plugin {
  return {
    name: 'cairn-slim-emoji-data',
    enforce: 'pre',
    transform(code, id) {
      if (!id.replace(/\\/g, '/').endsWith('emojibase-data/en/compact.json')) return null;
      const entries = JSON.parse(code) as Array<Record<string, unknown>>;
      const slim = entries.map(({ unicode, label, tags, group, order }) => ({ unicode, label, tags, group, order }));
      return { code: JSON.stringify(slim), map: null };
    },
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [slimEmojiData(), svelte()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome130',
    // No inline scripts or styles: the CSP allows only 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
