// Import boundaries between the processes of the app (see ARCHITECTURE.md, "Folders").
// A file's zone comes from its path; each zone says which zones and packages it may import.
import { builtinModules } from 'node:module';
import path from 'node:path';

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const NODE_ONLY_PACKAGES = new Set([
  'electron',
  'better-sqlite3-multiple-ciphers',
  'keytar',
  'fastify',
  '@fastify/websocket',
  'ws',
  'nodemailer',
  'electron-updater',
]);

/** The SQLite driver: only the store (electron/core/store) and the backup's bulk paths open it. */
const SQLITE_PACKAGES = ['better-sqlite3-multiple-ciphers', 'better-sqlite3'];

/**
 * Longest prefix wins. `types` lists zones that may be imported with `import type` only;
 * `forbidZones` carves folders out of the zones a zone may import (with or without `import type`).
 *
 * Inside the core (issue 12, "a data layer"): the session's services, the receive dispatch and
 * the older services reach tables through the store's repositories and never the SQLite driver;
 * the store knows rows, not the IPC contract, whose types are made from rows outside it
 * (electron/core/toContract.ts).
 */
export const ZONES = {
  protocol: { zones: ['protocol'], packages: ['zod', 'cbor-x'], node: false },
  'electron/core': { zones: ['protocol', 'electron/core'], forbidPackages: ['electron'], node: true },
  'electron/core/store': { zones: ['protocol', 'electron/core'], forbidZones: ['electron/core/ipc'], forbidPackages: ['electron'], node: true },
  'electron/core/session': { zones: ['protocol', 'electron/core'], forbidPackages: ['electron', ...SQLITE_PACKAGES], node: true },
  'electron/core/services': { zones: ['protocol', 'electron/core'], forbidPackages: ['electron', ...SQLITE_PACKAGES], node: true },
  'electron/core/receive': { zones: ['protocol', 'electron/core'], forbidPackages: ['electron', ...SQLITE_PACKAGES], node: true },
  'electron/main': { zones: ['protocol', 'electron/main', 'electron/core/ipc'], node: true },
  'electron/preload': { zones: ['electron/preload', 'electron/core/ipc'], packages: ['electron'], node: false },
  'electron/cli': { zones: ['protocol', 'electron/core', 'electron/cli'], forbidPackages: ['electron'], node: true },
  renderer: { zones: ['renderer'], types: ['electron/core/ipc', 'protocol'], browser: true },
  server: { zones: ['protocol', 'server'], forbidPackages: ['electron'], node: true },
};

// Build tooling that lives beside the code it builds but runs in Node.
const TOOLING = new Set(['renderer/vite.config.ts']);

function zoneOf(relativePath) {
  if (TOOLING.has(relativePath)) return undefined;
  let best;
  for (const zone of Object.keys(ZONES)) {
    if (relativePath === zone || relativePath.startsWith(`${zone}/`)) {
      if (!best || zone.length > best.length) best = zone;
    }
  }
  return best;
}

function packageName(source) {
  const parts = source.split('/');
  return source.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isTypeOnly(node) {
  if (node.importKind === 'type' || node.exportKind === 'type') return true;
  const specifiers = node.specifiers ?? [];
  return specifiers.length > 0 && specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type');
}

/** Returns a sentence saying why `source` may not be imported from `fromZone`, or undefined. */
export function violation(fromZone, fromFile, source, typeOnly, root) {
  const rule = ZONES[fromZone];
  if (source.startsWith('.') || source.startsWith('/')) {
    const target = path.relative(root, path.resolve(path.dirname(fromFile), source)).split(path.sep).join('/');
    const targetZone = zoneOf(target);
    if (targetZone === undefined) {
      return target.startsWith('..') || rule.zones.length > 0 ? `${fromZone} may not import ${target}` : undefined;
    }
    const allowed = (zone) => target === zone || target.startsWith(`${zone}/`);
    const carvedOut = (rule.forbidZones ?? []).find(allowed);
    if (carvedOut !== undefined) return `${fromZone} may not import from ${carvedOut}`;
    if (rule.zones.some(allowed)) return undefined;
    if (typeOnly && (rule.types ?? []).some(allowed)) return undefined;
    const typeHint = (rule.types ?? []).some(allowed) ? ' except with `import type`' : '';
    return `${fromZone} may not import from ${targetZone}${typeHint}`;
  }
  const name = packageName(source);
  if (rule.browser && (NODE_BUILTINS.has(source) || NODE_ONLY_PACKAGES.has(name))) {
    return `${fromZone} runs in the sandboxed renderer and may not import the Node-only module "${source}"`;
  }
  if (rule.node === false && NODE_BUILTINS.has(source)) {
    return `${fromZone} may not import the Node module "${source}"`;
  }
  if (rule.packages && !rule.packages.includes(name)) {
    return `${fromZone} may import only ${rule.packages.join(', ')}; not "${source}"`;
  }
  if (rule.forbidPackages?.includes(name)) {
    return `${fromZone} may not import "${name}"`;
  }
  return undefined;
}

export const boundariesRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the import boundaries between Cairn processes' },
    schema: [],
    messages: { boundary: '{{why}} (see ARCHITECTURE.md, "Folders").' },
  },
  create(context) {
    const root = context.cwd;
    const file = context.filename;
    const fromZone = zoneOf(path.relative(root, file).split(path.sep).join('/'));
    if (fromZone === undefined) return {};
    const check = (node, sourceNode) => {
      if (!sourceNode || typeof sourceNode.value !== 'string') return;
      const why = violation(fromZone, file, sourceNode.value, isTypeOnly(node), root);
      if (why) context.report({ node: sourceNode, messageId: 'boundary', data: { why } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
    };
  },
};
