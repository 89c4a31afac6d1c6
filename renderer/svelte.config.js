/** Svelte compiler settings for the renderer: runes mode everywhere. */
export default {
  compilerOptions: { runes: true },
};
