/**
 * Reads machine policy from what each OS gives back, as pure functions over text (the glue in
 * machinePolicyReader.ts runs the commands and reads the files):
 * - Windows: `reg query HKLM\Software\Policies\Cairn` (written by Group Policy with
 *   build/policy/cairn.admx, or by Intune);
 * - macOS: the managed preferences of `im.cairn.desktop`, converted to XML by `plutil`
 *   (installed by an MDM profile such as build/policy/cairn.mobileconfig);
 * - Linux: /etc/cairn/policy.json.
 * All three use the same value names (POLICY_KEYS), so one table in docs/DISTRIBUTION.md covers
 * them, and all three end in protocol/machinePolicy.ts's schema. A known name with a bad value
 * makes the whole policy invalid, and the shell then refuses to start, as with a broken
 * resources/server.json: running without the policy would quietly drop what IT enforced. Names
 * this version does not know (a newer template) are ignored and logged.
 */
import type { z } from 'zod';
import type { MachinePolicy } from '../../protocol/machinePolicy';
import { MachinePolicySchema } from '../../protocol/machinePolicy';
import { missingCase } from '../../protocol/result';

export type PolicySource = 'windows-registry' | 'macos-managed-preferences' | 'linux-policy-file';

export type PolicyValue =
  | Readonly<{ kind: 'string'; value: string }>
  | Readonly<{ kind: 'number'; value: number }>
  | Readonly<{ kind: 'boolean'; value: boolean }>
  | Readonly<{ kind: 'list'; values: readonly string[] }>
  | Readonly<{ kind: 'unsupported'; type: string }>;

type KeyShape = 'string' | 'number' | 'boolean' | 'list';

/** Every value name IT can set, with the shape it takes and where it lands in the schema. */
export const POLICY_KEYS = {
  ServerUrl: { shape: 'string', path: ['server', 'url'] },
  ServerPins: { shape: 'list', path: ['server', 'pins'] },
  AppLockRequired: { shape: 'boolean', path: ['appLock', 'required'] },
  MaxAutoLockSeconds: { shape: 'number', path: ['appLock', 'maxAutoLockSeconds'] },
  UpdatesEnabled: { shape: 'boolean', path: ['updates', 'enabled'] },
  UpdateFeedUrl: { shape: 'string', path: ['updates', 'feedUrl'] },
  AlwaysRelayCalls: { shape: 'boolean', path: ['calls', 'alwaysRelay'] },
  OpenAllowList: { shape: 'list', path: ['files', 'openAllowList'] },
} as const satisfies Record<string, Readonly<{ shape: KeyShape; path: readonly [string, string] }>>;

type PolicyKey = keyof typeof POLICY_KEYS;

function isPolicyKey(name: string): name is PolicyKey {
  return Object.hasOwn(POLICY_KEYS, name);
}

export type PolicyRead =
  | Readonly<{ kind: 'none' }>
  | Readonly<{ kind: 'policy'; source: PolicySource; policy: MachinePolicy; ignored: readonly string[] }>
  | Readonly<{ kind: 'invalid'; source: PolicySource; reason: string }>;

/** Brings a value to the shape its name needs: registry DWORDs stand for booleans, lists may be one comma-separated string. */
function coerce(name: PolicyKey, value: PolicyValue): Readonly<{ ok: true; value: unknown }> | Readonly<{ ok: false; reason: string }> {
  const shape: KeyShape = POLICY_KEYS[name].shape;
  if (value.kind === 'unsupported') return { ok: false, reason: `${name} has a value of type ${value.type}, which Cairn does not read.` };
  switch (shape) {
    case 'string':
      return value.kind === 'string' ? { ok: true, value: value.value.trim() } : { ok: false, reason: `${name} must be text.` };
    case 'number':
      return value.kind === 'number' ? { ok: true, value: value.value } : { ok: false, reason: `${name} must be a whole number.` };
    case 'boolean':
      if (value.kind === 'boolean') return { ok: true, value: value.value };
      if (value.kind === 'number' && (value.value === 0 || value.value === 1)) return { ok: true, value: value.value === 1 };
      return { ok: false, reason: `${name} must be true or false (1 or 0).` };
    case 'list':
      if (value.kind === 'list') return { ok: true, value: value.values.map((item) => item.trim()).filter((item) => item !== '') };
      if (value.kind === 'string') return { ok: true, value: value.value.split(/[\s,;]+/).filter((item) => item !== '') };
      return { ok: false, reason: `${name} must be a list of text values.` };
    default:
      return missingCase(shape);
  }
}

/** The name IT wrote for a schema path, for error messages. */
function keyForPath(path: readonly PropertyKey[]): string {
  const [group, field] = path;
  const found = Object.entries(POLICY_KEYS).find(([, key]) => key.path[0] === group && key.path[1] === field);
  return found ? found[0] : path.map(String).join('.');
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'the policy is not valid.';
  return `${keyForPath(issue.path.slice(0, 2))}: ${issue.message}`;
}

/** Turns the named values of any source into the validated policy. */
export function policyFromValues(source: PolicySource, values: ReadonlyMap<string, PolicyValue>): PolicyRead {
  if (values.size === 0) return { kind: 'none' };
  const ignored: string[] = [];
  const draft: Record<string, Record<string, unknown>> = {};
  for (const [name, value] of values) {
    if (!isPolicyKey(name)) {
      ignored.push(name);
      continue;
    }
    const coerced = coerce(name, value);
    if (!coerced.ok) return { kind: 'invalid', source, reason: coerced.reason };
    const [group, field] = POLICY_KEYS[name].path;
    draft[group] = { ...draft[group], [field]: coerced.value };
  }
  if (Object.keys(draft).length === 0) return { kind: 'policy', source, policy: {}, ignored };
  if (draft.server && (draft.server.url === undefined || draft.server.pins === undefined)) {
    return { kind: 'invalid', source, reason: 'ServerUrl and ServerPins must be set together.' };
  }
  const parsed = MachinePolicySchema.safeParse(draft);
  if (!parsed.success) return { kind: 'invalid', source, reason: firstIssue(parsed.error) };
  return { kind: 'policy', source, policy: parsed.data, ignored };
}

/**
 * Parses what `reg query HKLM\Software\Policies\Cairn` prints: a line with the key's path, then
 * one line per value, `    <name>    <REG_TYPE>    <data>` (four spaces between fields, names may
 * contain single spaces). REG_DWORD and REG_QWORD print as hex (0x1); REG_MULTI_SZ joins its
 * strings with a literal `\0`. Subkeys are ignored. `null` output (the key does not exist: reg
 * exits with 1) means no policy.
 */
export function parseRegQuery(output: string | null): PolicyRead {
  if (output === null) return { kind: 'none' };
  const values = new Map<string, PolicyValue>();
  for (const line of output.split(/\r?\n/)) {
    const match = /^ {4}(.+?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/.exec(line);
    if (!match) continue;
    const [, name = '', type = '', data = ''] = match;
    values.set(name, registryValue(type, data));
  }
  return policyFromValues('windows-registry', values);
}

function registryValue(type: string, data: string): PolicyValue {
  switch (type) {
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      return { kind: 'string', value: data };
    case 'REG_MULTI_SZ':
      return { kind: 'list', values: data === '' ? [] : data.split('\\0') };
    case 'REG_DWORD':
    case 'REG_QWORD':
      return /^0x[0-9a-fA-F]{1,16}$/.test(data) ? { kind: 'number', value: Number.parseInt(data.slice(2), 16) } : { kind: 'unsupported', type };
    default:
      return { kind: 'unsupported', type };
  }
}

/** Parses /etc/cairn/policy.json (`null`: no file). Values are JSON strings, numbers, booleans or arrays of strings. */
export function parsePolicyJson(text: string | null): PolicyRead {
  if (text === null) return { kind: 'none' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'invalid', source: 'linux-policy-file', reason: 'policy.json is not JSON.' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { kind: 'invalid', source: 'linux-policy-file', reason: 'policy.json must hold one object of named values.' };
  }
  const values = new Map<string, PolicyValue>();
  for (const [name, value] of Object.entries(json)) values.set(name, jsonValue(value));
  if (values.size === 0) return { kind: 'policy', source: 'linux-policy-file', policy: {}, ignored: [] };
  return policyFromValues('linux-policy-file', values);
}

function jsonValue(value: unknown): PolicyValue {
  if (typeof value === 'string') return { kind: 'string', value };
  if (typeof value === 'number') return { kind: 'number', value };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (Array.isArray(value) && value.every((item): item is string => typeof item === 'string')) return { kind: 'list', values: value };
  return { kind: 'unsupported', type: Array.isArray(value) ? 'array of non-text values' : value === null ? 'null' : typeof value };
}

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function xmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return XML_ENTITIES[entity] ?? whole;
  });
}

/**
 * Parses the XML form of the managed preferences plist (`plutil -convert xml1 -o - <file>`; the
 * file itself is usually binary). Reads the top-level `<dict>`: `<string>`, `<integer>`,
 * `<true/>`, `<false/>` and `<array>` of strings; other types are reported as unsupported for
 * their key. `null` (no file) means no policy.
 */
export function parseManagedPreferencesPlist(xml: string | null): PolicyRead {
  if (xml === null) return { kind: 'none' };
  const source: PolicySource = 'macos-managed-preferences';
  const body = /<plist[^>]*>\s*<dict>([\s\S]*)<\/dict>\s*<\/plist>/.exec(xml)?.[1];
  if (body === undefined) {
    if (/<plist[^>]*>\s*<dict\s*\/>\s*<\/plist>/.test(xml)) return { kind: 'policy', source, policy: {}, ignored: [] };
    return { kind: 'invalid', source, reason: 'the managed preferences are not a property list with one dictionary.' };
  }
  const values = new Map<string, PolicyValue>();
  // One token at a time: a key, then its value element (nested arrays hold strings only).
  const token = /<key>([^<]*)<\/key>\s*(<string>([^<]*)<\/string>|<string\/>|<integer>(-?[0-9]+)<\/integer>|<(true|false)\/>|<array>([\s\S]*?)<\/array>|<array\/>|<(\w+)[\s\S]*?(?:<\/\7>|\/>))/g;
  for (const match of body.matchAll(token)) {
    const name = xmlText(match[1] ?? '');
    const [, , element = '', text, integer, bool, array, other] = match;
    if (text !== undefined || element === '<string/>') values.set(name, { kind: 'string', value: xmlText(text ?? '') });
    else if (integer !== undefined) values.set(name, { kind: 'number', value: Number.parseInt(integer, 10) });
    else if (bool !== undefined) values.set(name, { kind: 'boolean', value: bool === 'true' });
    else if (array !== undefined || element === '<array/>') values.set(name, plistArray(array ?? ''));
    else values.set(name, { kind: 'unsupported', type: other ?? 'unknown' });
  }
  if (values.size === 0) return { kind: 'policy', source, policy: {}, ignored: [] };
  return policyFromValues(source, values);
}

function plistArray(inner: string): PolicyValue {
  const items = [...inner.matchAll(/<string>([^<]*)<\/string>|<string\/>|<(\w+)/g)];
  if (items.some((item) => item[2] !== undefined)) return { kind: 'unsupported', type: 'array of non-text values' };
  return { kind: 'list', values: items.map((item) => xmlText(item[1] ?? '')) };
}
