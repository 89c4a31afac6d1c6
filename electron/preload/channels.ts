/**
 * The single ipcRenderer channel between main and preload: main sends the core's MessagePort
 * on it. Everything else travels over that port, not over ipcMain.
 */
export const CORE_PORT_CHANNEL = 'cairn:port';
