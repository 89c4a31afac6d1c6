/**
 * Session-wide locks on what pages may do. Permissions: the request handler answers prompts
 * (getUserMedia…), the check handler answers silent queries (permissions.query, device
 * labels); both must say the same thing, so both go through `decidePermission`. Network:
 * `installNetworkLock` cancels web requests, made by pages or not.
 */
import type { Session } from 'electron';
import type { CallActivity } from './callActivity';
import { NETWORK_REQUEST_FILTER, decideSessionRequest } from './networkPolicy';
import { decidePermission } from './permissionPolicy';

export function installPermissionHandlers(session: Session, currentCall: () => CallActivity): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? (details.mediaTypes ?? []) : [];
    const decision = decidePermission({
      permission,
      requestingUrl: details.requestingUrl,
      isMainFrame: details.isMainFrame,
      mediaTypes,
      call: currentCall(),
    });
    callback(decision.granted);
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    decidePermission({
      permission,
      requestingUrl: requestingOrigin,
      isMainFrame: details.isMainFrame,
      mediaTypes: details.mediaType ? [details.mediaType] : [],
      call: currentCall(),
    }).granted,
  );
  // USB, HID, serial and Bluetooth devices are never needed by a messenger.
  session.setDevicePermissionHandler(() => false);
}

/** Cancels any network request of the app's session, a page's or not; see networkPolicy.ts for why. */
export function installNetworkLock(session: Session, log: (message: string) => void): void {
  session.webRequest.onBeforeRequest({ urls: [...NETWORK_REQUEST_FILTER] }, (details, callback) => {
    const decision = decideSessionRequest(details.url, details.webContentsId !== undefined);
    if (decision.cancel) log(`blocked a network request: ${decision.reason}`);
    callback({ cancel: decision.cancel });
  });
}
