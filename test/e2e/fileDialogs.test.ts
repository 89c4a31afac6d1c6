/**
 * `window.cairn.shell` in the page, with the test host playing the OS dialogs: picking a file to
 * send, previewing the sent image through a blob: URL under the renderer's CSP, choosing where
 * to save it, opening the saved file, and resolving a dropped file's path.
 */
import { createHash } from 'node:crypto';
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

type ShellInPage = {
  shell: {
    pickFiles(): Promise<string[]>;
    chooseSavePath(name: string): Promise<string | null>;
    openPath(file: string): Promise<string>;
    pathForDroppedFile(file: File): string | null;
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
      const sent = await cairn.request('files.send', { conversationId: id, path: picked[0], transferId: 'pick-1' });
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
      const saveAt = await cairn.shell.chooseSavePath('fern.png');
      const saved = await cairn.request('files.download', { assetId, path: saveAt });
      const opened = await cairn.shell.openPath(saveAt ?? '');
      const notSaved = await cairn.shell.openPath('/etc/passwd');
      return { picked, sentOk: sent.ok, isBytes: bytes instanceof Uint8Array, length: bytes.length, size, saveAt, savedOk: saved.ok, opened, notSaved };
    }, conversationId);

    expect(outcome).toEqual({
      picked: [source],
      sentOk: true,
      isBytes: true,
      length: image.length,
      size: '24x16',
      saveAt,
      savedOk: true,
      opened: 'opened',
      notSaved: 'refused',
    });
    expect(createHash('sha256').update(await readFile(saveAt)).digest('hex')).toBe(createHash('sha256').update(image).digest('hex'));
    expect(ada.shell.opened).toEqual([saveAt]);
    expect(ada.shell.dialogs.map((d) => d.kind)).toEqual(['open', 'save']);
    expect(ada.shell.dialogs[1]).toMatchObject({ request: { defaultPath: path.join(env.root, 'ada', 'Downloads', 'fern.png') } });
  });

  it('gives nothing when the dialogs are cancelled, and resolves a dropped file to its path', async () => {
    const dropped = path.join(env.root, 'dropped-notes.txt');
    await ada.resolveDroppedFile('dropped-notes.txt', dropped);
    const outcome = await ada.page.evaluate(async () => {
      const cairn = (globalThis as unknown as { cairn: ShellInPage }).cairn;
      return {
        picked: await cairn.shell.pickFiles(),
        saveAt: await cairn.shell.chooseSavePath('x.txt'),
        dropped: cairn.shell.pathForDroppedFile(new File(['notes'], 'dropped-notes.txt')),
        madeInPage: cairn.shell.pathForDroppedFile(new File(['x'], 'made-here.txt')),
      };
    });
    expect(outcome).toEqual({ picked: [], saveAt: null, dropped, madeInPage: null });
  });
});
