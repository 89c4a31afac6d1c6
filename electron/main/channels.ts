/**
 * The single ipcRenderer channel between main and preload: main sends the core's MessagePort
 * on it. Must equal electron/preload/channels.ts (main may not import the preload; a unit
 * test checks they match).
 */
export const CORE_PORT_CHANNEL = 'cairn:port';
