/**
 * Files in conversations: sending picked or dropped files with upload progress, saving a file
 * where the user chooses with download progress, and image previews (decrypted bytes from the
 * core shown through blob: URLs, a bounded number kept).
 */
import type { StoredMessage } from '../../electron/core/ipc/contract';
import type { ChosenFile } from '../../electron/core/ipc/shellApi';
import type { ErrorInfo } from '../../protocol/result';
import { onEvent, request, shell } from '../api';

export interface Upload {
  readonly transferId: string;
  readonly conversationId: string;
  readonly name: string;
  readonly done: number;
  readonly total: number | null;
  readonly error?: ErrorInfo;
}

export interface Download {
  readonly done: number;
  readonly total: number | null;
  readonly error?: ErrorInfo;
  /** The save dialog's grant for where it was saved (to open it or show it), once finished. */
  readonly savedAs?: string;
}

/** Previews kept as blob: URLs; the least recently used ones are released beyond this. */
const PREVIEWS_KEPT = 60;

class FilesState {
  uploads = $state<readonly Upload[]>([]);
  downloads = $state<Readonly<Record<string, Download>>>({});
  private previews = new Map<string, Promise<string | undefined>>();

  follow(): () => void {
    return onEvent('file.progress', (progress) => {
      if (progress.direction === 'upload') {
        this.uploads = this.uploads.map((u) => (u.transferId === progress.transferId ? { ...u, done: progress.done, total: progress.total } : u));
      } else if (progress.assetId && this.downloads[progress.assetId]) {
        const current = this.downloads[progress.assetId];
        this.downloads = { ...this.downloads, [progress.assetId]: { ...current, done: progress.done, total: progress.total } };
      }
    });
  }

  /** Sends each chosen file; resolves to the stored messages of those that were sent. */
  async send(conversationId: string, chosen: readonly ChosenFile[]): Promise<StoredMessage[]> {
    const sent: StoredMessage[] = [];
    await Promise.all(
      chosen.map(async ({ grant, name }) => {
        const transferId = crypto.randomUUID();
        this.uploads = [...this.uploads, { transferId, conversationId, name, done: 0, total: null }];
        const result = await request('files.send', { conversationId, grant, transferId });
        if (result.ok) {
          sent.push(result.value);
          this.uploads = this.uploads.filter((u) => u.transferId !== transferId);
        } else {
          this.uploads = this.uploads.map((u) => (u.transferId === transferId ? { ...u, error: result.error } : u));
        }
      }),
    );
    return sent;
  }

  /**
   * Sends `text` as a .txt file named `name` (a message too long to send as text), shown with
   * upload progress like any file; resolves to the stored message, or undefined if it failed
   * (the upload row then says why).
   */
  async sendText(conversationId: string, text: string, name: string): Promise<StoredMessage | undefined> {
    const transferId = crypto.randomUUID();
    this.uploads = [...this.uploads, { transferId, conversationId, name, done: 0, total: null }];
    const result = await request('files.sendText', { conversationId, name, text, transferId });
    if (result.ok) {
      this.uploads = this.uploads.filter((u) => u.transferId !== transferId);
      return result.value;
    }
    this.uploads = this.uploads.map((u) => (u.transferId === transferId ? { ...u, error: result.error } : u));
    return undefined;
  }

  async pickAndSend(conversationId: string): Promise<StoredMessage[]> {
    const chosen = await shell.pickFiles();
    return chosen.length === 0 ? [] : this.send(conversationId, chosen);
  }

  dismissUpload(transferId: string): void {
    this.uploads = this.uploads.filter((u) => u.transferId !== transferId);
  }

  /** Asks where to save the file, then downloads, checks and decrypts it there. */
  async save(assetId: string, name: string): Promise<void> {
    const target = await shell.chooseSaveFile(name);
    if (!target) return;
    this.downloads = { ...this.downloads, [assetId]: { done: 0, total: null } };
    const result = await request('files.download', { assetId, grant: target.grant });
    const current = this.downloads[assetId] ?? { done: 0, total: null };
    this.downloads = {
      ...this.downloads,
      [assetId]: result.ok ? { ...current, done: result.value.size, total: result.value.size, savedAs: target.grant } : { ...current, error: result.error },
    };
  }

  /** A blob: URL showing an image file, or undefined when it cannot be previewed. */
  preview(assetId: string): Promise<string | undefined> {
    const known = this.previews.get(assetId);
    if (known) {
      // Most recently used last.
      this.previews.delete(assetId);
      this.previews.set(assetId, known);
      return known;
    }
    const loading = request('files.preview', { assetId }).then((result) =>
      result.ok ? URL.createObjectURL(new Blob([result.value.bytes as Uint8Array<ArrayBuffer>], { type: result.value.mime })) : undefined,
    );
    this.previews.set(assetId, loading);
    while (this.previews.size > PREVIEWS_KEPT) {
      const [oldest, url] = this.previews.entries().next().value as [string, Promise<string | undefined>];
      this.previews.delete(oldest);
      void url.then((u) => u && URL.revokeObjectURL(u));
    }
    return loading;
  }

  /** Forgets every preview (sign-out, lock): the decrypted images leave memory. */
  clear(): void {
    for (const url of this.previews.values()) void url.then((u) => u && URL.revokeObjectURL(u));
    this.previews.clear();
    this.uploads = [];
    this.downloads = {};
  }
}

export const files = new FilesState();
