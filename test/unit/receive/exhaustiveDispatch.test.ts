/**
 * The receive dispatch must not compile when a notification type or a content type is added
 * without a handler: each switch ends in `missingCase`, which only accepts `never`. This test
 * type-checks the real dispatch files against in-memory copies of the protocol schemas with one
 * extra type added, and expects the compiler to refuse exactly the switch that misses it — and
 * nothing without the extra type. Removing a guard (or adding a catch-all `default`) fails it.
 */
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');
const dispatchFile = path.join(root, 'electron/core/receive/dispatch.ts');
const contentFile = path.join(root, 'electron/core/receive/interpretContent.ts');
const effectsFile = path.join(root, 'electron/core/receive/applyEffects.ts');
const followUpsFile = path.join(root, 'electron/core/receive/runFollowUps.ts');
const notificationsFile = path.join(root, 'protocol/api/notifications.ts');
const contentSchemaFile = path.join(root, 'protocol/content/schema.ts');
const effectTypesFile = path.join(root, 'electron/core/receive/effects.ts');

const options = ((): ts.CompilerOptions => {
  const read = ts.readConfigFile(path.join(root, 'tsconfig.json'), (file) => ts.sys.readFile(file));
  return ts.parseJsonConfigFileContent(read.config, ts.sys, root).options;
})();

type Patch = Readonly<{ file: string; after: string; insert: string }>;

/** Parsed files shared by every program: only the patched file is parsed again. */
const parsed = new Map<string, ts.SourceFile>();

/** Errors the compiler reports in the receive files, with `patch` applied to one source file in memory. */
function receiveErrors(patch?: Patch): string[] {
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language) => {
    if (patch && path.resolve(file) === patch.file) {
      const text = ts.sys.readFile(file) ?? '';
      if (!text.includes(patch.after)) throw new Error(`the anchor is gone from ${patch.file}: update this test`);
      return ts.createSourceFile(file, text.replace(patch.after, `${patch.after}\n${patch.insert}`), language, true);
    }
    let source = parsed.get(file);
    if (!source) {
      source = getSourceFile(file, language);
      if (source) parsed.set(file, source);
    }
    return source;
  };
  const program = ts.createProgram({ rootNames: [dispatchFile, contentFile, effectsFile, followUpsFile], options, host });
  return [dispatchFile, contentFile, effectsFile, followUpsFile].flatMap((file) => {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`not compiled: ${file}`);
    return program.getSemanticDiagnostics(source).map((d) => `${path.basename(file)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  });
}

describe('the receive dispatch is exhaustive', () => {
  it('compiles as it is', () => {
    expect(receiveErrors()).toEqual([]);
  }, 120_000);

  it('refuses a notification type that has no handler', () => {
    const errors = receiveErrors({
      file: notificationsFile,
      after: "export const EventSchema = z.discriminatedUnion('type', [",
      insert: "  z.object({ type: z.literal('user.unhandled-for-test') }),",
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^dispatch\.ts: .*user\.unhandled-for-test.*never/s);
  }, 120_000);

  it('refuses a content type that has no interpretation', () => {
    const errors = receiveErrors({
      file: contentSchemaFile,
      after: "export const ContentSchema = z.discriminatedUnion('type', [",
      insert: "  z.object({ type: z.literal('unhandled-for-test') }).strict(),",
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^interpretContent\.ts: .*unhandled-for-test.*never/s);
  }, 120_000);

  it('refuses an effect or a follow-up that is never carried out', () => {
    const effect = receiveErrors({ file: effectTypesFile, after: 'export type Effect =', insert: "  | Readonly<{ kind: 'unhandled-for-test' }>" });
    expect(effect).toHaveLength(1);
    expect(effect[0]).toMatch(/^applyEffects\.ts: .*unhandled-for-test.*never/s);
    const followUp = receiveErrors({ file: effectTypesFile, after: 'export type FollowUp =', insert: "  | Readonly<{ kind: 'unhandled-for-test' }>" });
    expect(followUp).toHaveLength(1);
    expect(followUp[0]).toMatch(/^runFollowUps\.ts: .*unhandled-for-test.*never/s);
  }, 120_000);
});
