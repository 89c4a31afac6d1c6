/**
 * Sends a file: encrypted with a fresh key (seed 002 "Assets"), uploaded and shared with the
 * conversation, then announced in an E2EE message carrying the key and the hash. The
 * ciphertext stays in the local file cache, so the sender's previews need no download. The
 * message row is stored only after the upload finished (resend.ts relies on it).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Content } from '../../../protocol/content/schema';
import { encryptAssetFile } from '../crypto/assets/assetCipher';
import type { StoredMessage } from '../ipc/contract';
import type { Logger } from '../log';
import { uploadAsset } from '../net/assetTransfer';
import { mimeTypeOf } from '../services/mimeTypes';
import { saveAsset } from '../store/assets';
import { writeTransaction } from '../store/handles';
import { checkFileToSend } from '../services/filePaths';
import type { FileTransfers } from '../services/fileTransfers';
import type { DeviceContext } from './device';
import type { OutgoingMessages } from './outgoingMessages';

export class FileSending {
  constructor(
    private readonly device: DeviceContext,
    private readonly outgoing: OutgoingMessages,
    private readonly files: FileTransfers,
    private readonly log: Logger,
  ) {}

  async send(conversationId: string, filePath: string, transferId: string = randomUUID()): Promise<StoredMessage> {
    const { api, filesDir } = this.device;
    this.outgoing.requireSendable(conversationId);
    const source = await checkFileToSend(filePath, this.device.profileDir);
    const name = path.basename(filePath).slice(0, 255) || 'file';
    const mime = mimeTypeOf(name);
    await mkdir(filesDir, { recursive: true, mode: 0o700 });
    const temporary = path.join(filesDir, `upload-${randomUUID()}.enc`);
    const progress = this.files.progress('upload', { transferId, conversationId, name, assetId: null, messageId: null });
    let sealed: Awaited<ReturnType<typeof encryptAssetFile>>;
    let uploaded: { key: string };
    try {
      sealed = await encryptAssetFile(source, temporary);
      uploaded = await uploadAsset(api, temporary, sealed.cipherSize, conversationId, progress);
      await this.files.cache.adopt(uploaded.key, temporary).catch((error: unknown) => this.log.warn('caching a sent file failed', { error }));
    } finally {
      await rm(temporary, { force: true });
    }
    const content: Content = {
      type: 'asset',
      name,
      mime,
      size: sealed.plainSize,
      key: new Uint8Array(sealed.key),
      sha256: new Uint8Array(sealed.sha256),
      assetId: uploaded.key,
      domain: this.device.domain,
    };
    return this.outgoing.sendOwn(
      conversationId,
      content,
      () => ({ kind: 'asset', body: name }),
      // Inside the send's transaction (a savepoint): outgoingMessages.ts hands a plain connection
      // until its transaction is a writeTransaction too (store/README.md, "Data layer").
      (tx, messageId) => writeTransaction(tx, (w) => saveAsset(w, { ...content, conversationId, messageId, localPath: filePath })),
    );
  }
}
