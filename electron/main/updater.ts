/**
 * electron-updater, wired so that nothing is installed that Cairn's release key did not sign
 * (updateSignature.ts): it downloads nothing by itself and installs nothing on quit; metadata
 * is checked before the download, the downloaded file after it, and only then is the user asked
 * "Update ready — restart" (they may postpone). A restart never happens during a call: the offer
 * waits until the call ends. A refusal is logged and told to the user in a plain sentence.
 *
 * On macOS Squirrel.Mac stages the zip as part of the download and would apply it on quit; the
 * metadata check before the download and electron-updater's SHA-512 check of the file against
 * that signed metadata are what guard it there.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { autoUpdater } from 'electron-updater';
import type { UpdatePlan } from './updatePlan';
import type { SignedUpdate } from './updateSignature';
import { verifyDownloadedFile, verifyUpdateInfo } from './updateSignature';

/** How often a running copy looks for a new release. */
const CHECK_EVERY_MS = 4 * 60 * 60 * 1000;

export interface UpdaterDeps {
  readonly currentVersion: string;
  readonly releaseKeys: readonly string[];
  readonly log: (message: string) => void;
  /** Tells the user something went wrong with an update (a desktop notification). */
  readonly tell: (title: string, body: string) => void;
  /** "Update ready — restart": true to restart now, false to postpone. */
  readonly askRestart: (version: string) => Promise<boolean>;
  readonly callActive: () => boolean;
}

export interface Updater {
  /** The call ended: an update that was waiting for it is offered now. */
  callEnded(): void;
}

async function hashFile(file: string): Promise<Readonly<{ sha512: string; size: number }>> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) {
    if (Buffer.isBuffer(chunk)) hash.update(chunk);
  }
  return { sha512: hash.digest('base64'), size: (await stat(file)).size };
}

export function startUpdater(plan: UpdatePlan, deps: UpdaterDeps): Updater {
  if (plan.kind === 'off') {
    deps.log(`updates off: ${plan.reason}`);
    return { callEnded: () => undefined };
  }
  if (plan.feed.kind === 'mirror') autoUpdater.setFeedURL({ provider: 'generic', url: plan.feed.url });
  autoUpdater.autoDownload = false;
  autoUpdater.autoInstallOnAppQuit = false;
  autoUpdater.allowDowngrade = false;
  autoUpdater.allowPrerelease = false;

  let signed: SignedUpdate | undefined;
  let ready: string | undefined;
  let asking = false;

  const refuse = (message: string): void => {
    deps.log(`update refused: ${message}`);
    deps.tell('Cairn did not install an update', message);
  };

  const offerRestart = (): void => {
    if (ready === undefined || asking) return;
    if (deps.callActive()) {
      deps.log(`update ${ready} is ready; waiting for the call to end`);
      return;
    }
    asking = true;
    const version = ready;
    deps
      .askRestart(version)
      .then((now) => {
        asking = false;
        if (!now) deps.log(`update ${version} postponed by the user`);
        else if (deps.callActive()) deps.log(`update ${version} waits: a call started`);
        else autoUpdater.quitAndInstall();
      })
      .catch((error: unknown) => {
        asking = false;
        deps.log(`could not offer the update: ${error instanceof Error ? error.message : 'unknown error'}`);
      });
  };

  autoUpdater.on('update-available', (info: unknown) => {
    const check = verifyUpdateInfo(info, deps.releaseKeys, deps.currentVersion);
    if (!check.ok) {
      refuse(check.message);
      return;
    }
    signed = check.update;
    deps.log(`update ${check.update.version} is signed by the release key; downloading`);
    autoUpdater.downloadUpdate().catch((error: unknown) => deps.log(`update download failed: ${error instanceof Error ? error.message : 'unknown error'}`));
  });

  autoUpdater.on('update-downloaded', (event) => {
    const update = signed;
    if (update === undefined) {
      refuse('A download finished that no signed update announced.');
      return;
    }
    hashFile(event.downloadedFile)
      .then(({ sha512, size }) => {
        const check = verifyDownloadedFile(update, sha512, size);
        if (!check.ok) {
          refuse(check.message);
          return;
        }
        ready = update.version;
        offerRestart();
      })
      .catch((error: unknown) => refuse(`The downloaded update could not be read (${error instanceof Error ? error.message : 'unknown error'}).`));
  });

  autoUpdater.on('error', (error: Error) => deps.log(`updater: ${error.message}`));

  const check = (): void => {
    offerRestart();
    autoUpdater.checkForUpdates().catch((error: unknown) => deps.log(`update check failed: ${error instanceof Error ? error.message : 'unknown error'}`));
  };
  check();
  setInterval(check, CHECK_EVERY_MS).unref();
  return { callEnded: offerRestart };
}
