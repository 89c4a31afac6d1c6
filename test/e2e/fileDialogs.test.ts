/**
 * `window.cairn.shell` in the page, with the test host playing the OS dialogs: picking a file to
 * send, previewing the sent image through a blob: URL under the renderer's CSP, choosing where
 * to save it, opening the saved file, and dropping a file. The page gets grant ids, never paths;
 * a script in the page (a compromised renderer) cannot read or write anything else.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { png } from '../fixtures/png';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, launchSignedUp } from './support/signUp';

const env = useTestServer('e2e-file-dialogs');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let ada: TestClient;
let conversationId = '';


/** The little of the DOM the preview check uses (the tests type-check without the DOM library). */
type PageImage = { alt: string; src: string; naturalWidth: number; naturalHeight: number; onload: (() => void) | null; onerror: (() => void) | null; remove(): void };
type PageDocument = { createElement(tag: 'img'): PageImage; body: { append(node: PageImage): void } };

type Chosen = { grant: string; name: string };
type ShellInPage = {
  shell: {
    pickFiles(): Promise<Chosen[]>;
    chooseSaveFile(name: string): Promise<Chosen | null>;
    openSaved(grant: string): Promise<string>;
    grantDroppedFiles(files: File[]): Promise<Chosen[]>;
  };
  request(channel: string, payload: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }>;
};

beforeAll(async () => {
  ada = await launchSignedUp(hostEnv.host, env.server, env.root, { profile: 'ada', email: 'ada@example.test', name: 'Ada Fern' });
  const created = await bridgeRequest(ada.page, 'conversations.create', { name: 'Field notes' });
  if (!created.ok) throw new Error(created.error?.message);
  conversationId = (created.value as { id: string }).id;
});

describe('file dialogs and previews through window.cairn.shell', () => {
  it('sends a picked image, shows it from a blob: URL, saves it where the user chose and opens it', async () => {
    const image = png(24, 16);
    const source = path.join(env.root, 'fern.png');
    await writeFile(source, image);
    const saveAt = path.join(env.root, 'saved-fern.png');
    ada.shell.willPickFiles([source]);
    ada.shell.willChooseSavePath(saveAt);

    const outcome = await ada.page.evaluate(async (id) => {
      const cairn = (globalThis as unknown as { cairn: ShellInPage }).cairn;
      const picked = await cairn.shell.pickFiles();
      const sent = await cairn.request('files.send', { conversationId: id, grant: picked[0]?.grant, transferId: 'pick-1' });
      const assetId = (sent.value as { asset: { id: string } }).asset.id;
      const preview = await cairn.request('files.preview', { assetId });
      const { mime, bytes } = preview.value as { mime: string; bytes: Uint8Array<ArrayBuffer> };
      const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
      const page = (globalThis as unknown as { document: PageDocument }).document;
      const img = page.createElement('img');
      img.alt = 'preview';
      page.body.append(img);
      const size = await new Promise<string>((resolve) => {
        img.onload = () => resolve(`${img.naturalWidth}x${img.naturalHeight}`);
        img.onerror = () => resolve('blocked or broken');
        img.src = url;
      });
      img.remove();
      URL.revokeObjectURL(url);
      const target = await cairn.shell.chooseSaveFile('fern.png');
      const saved = await cairn.request('files.download', { assetId, grant: target?.grant });
      const opened = await cairn.shell.openSaved(target?.grant ?? '');
      const notSaved = await cairn.shell.openSaved('/etc/passwd');
      const pickedNotSaved = await cairn.shell.openSaved(picked[0]?.grant ?? '');
      return { picked, sentOk: sent.ok, isBytes: bytes instanceof Uint8Array, length: bytes.length, size, target, saved: saved.value, opened, notSaved, pickedNotSaved };
    }, conversationId);

    const grant = expect.stringMatching(/^[A-Za-z0-9_-]{43}$/);
    expect(outcome).toEqual({
      picked: [{ grant, name: 'fern.png' }],
      sentOk: true,
      isBytes: true,
      length: image.length,
      size: '24x16',
      target: { grant, name: 'saved-fern.png' },
      saved: { name: 'saved-fern.png', size: image.length },
      opened: 'opened',
      notSaved: 'refused',
      pickedNotSaved: 'refused',
    });
    // The page never saw where the files live.
    expect(JSON.stringify(outcome)).not.toContain(env.root);
    expect(createHash('sha256').update(await readFile(saveAt)).digest('hex')).toBe(createHash('sha256').update(image).digest('hex'));
    expect(ada.shell.opened).toEqual([saveAt]);
    expect(ada.shell.dialogs.map((d) => d.kind)).toEqual(['open', 'save']);
    expect(ada.shell.dialogs[1]).toMatchObject({ request: { defaultPath: path.join(env.root, 'ada', 'Downloads', 'fern.png') } });
  });

  it('gives nothing when the dialogs are cancelled, and a grant for a dropped file only', async () => {
    const dropped = path.join(env.root, 'dropped-notes.txt');
    await writeFile(dropped, 'notes');
    await ada.resolveDroppedFile('dropped-notes.txt', dropped);
    const outcome = await ada.page.evaluate(async (id) => {
      const cairn = (globalThis as unknown as { cairn: ShellInPage }).cairn;
      const [droppedFile] = await cairn.shell.grantDroppedFiles([new File(['notes'], 'dropped-notes.txt')]);
      const sent = await cairn.request('files.send', { conversationId: id, grant: droppedFile?.grant });
      return {
        picked: await cairn.shell.pickFiles(),
        saveAt: await cairn.shell.chooseSaveFile('x.txt'),
        dropped: droppedFile?.name,
        sent: sent.ok,
        madeInPage: await cairn.shell.grantDroppedFiles([new File(['x'], 'made-here.txt')]),
      };
    }, conversationId);
    expect(outcome).toEqual({ picked: [], saveAt: null, dropped: 'dropped-notes.txt', sent: true, madeInPage: [] });
  });

  it('a script in the page cannot write or read a file the user did not choose', async () => {
    const startup = path.join(env.root, 'ada-home', '.bashrc');
    const key = path.join(env.root, 'id_ed25519');
    await writeFile(key, 'PRIVATE KEY');
    const picked = path.join(env.root, 'picked-once.txt');
    await writeFile(picked, 'chosen');
    ada.shell.willPickFiles([picked]);
    const outcome = await ada.page.evaluate(
      async ([id, startupPath, keyPath]) => {
        const cairn = (globalThis as unknown as { cairn: ShellInPage }).cairn;
        const list = await cairn.request('messages.list', { conversationId: id, limit: 50 });
        const messages = (list.value as { messages: Array<{ asset: { id: string } | null }> }).messages;
        const assetId = messages.find((m) => m.asset)?.asset?.id ?? '';
        const code = (result: { ok: boolean; error?: { code: string } }): string => (result.ok ? 'ok' : (result.error?.code ?? '?'));
        const [chosen] = await cairn.shell.pickFiles();
        const once = chosen?.grant ?? '';
        return {
          downloadToPath: code(await cairn.request('files.download', { assetId, path: startupPath })),
          sendPath: code(await cairn.request('files.send', { conversationId: id, path: keyPath })),
          pathAsGrant: code(await cairn.request('files.send', { conversationId: id, grant: keyPath })),
          forged: code(await cairn.request('files.download', { assetId, grant: 'A'.repeat(43) })),
          readGrantToWrite: code(await cairn.request('files.download', { assetId, grant: once })),
          first: code(await cairn.request('files.send', { conversationId: id, grant: once })),
          reused: code(await cairn.request('files.send', { conversationId: id, grant: once })),
          exportToPath: code(await cairn.request('backup.export', { file: startupPath, unencrypted: true })),
        };
      },
      [conversationId, startup, key] as const,
    );
    expect(outcome).toEqual({
      downloadToPath: 'ipc-invalid-request',
      sendPath: 'ipc-invalid-request',
      pathAsGrant: 'ipc-invalid-request',
      forged: 'file-grant-invalid',
      readGrantToWrite: 'file-grant-invalid',
      first: 'ok',
      reused: 'file-grant-invalid',
      exportToPath: 'ipc-invalid-request',
    });
    expect(existsSync(startup)).toBe(false);
    expect(await readFile(picked, 'utf8')).toBe('chosen');
  });
});
