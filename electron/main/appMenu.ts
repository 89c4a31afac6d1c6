/**
 * The application menu. Electron's default menu has "Toggle Developer Tools" (and its shortcut)
 * and "Force Reload"; a packaged build gets only what a user needs: the app menu on macOS, Edit
 * (so copy, paste and undo work, also by shortcut), View zoom and full screen, and Window.
 * Development runs add reload and the developer tools. Pure: a type-only import of Electron.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { ShellBuild } from './shellBuild';
import { devToolsAllowed } from './shellBuild';

export function appMenuTemplate(build: ShellBuild): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = [
    ...(devToolsAllowed(build)
      ? ([{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as const satisfies MenuItemConstructorOptions[])
      : []),
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  return [
    ...(build.platform === 'darwin' ? [{ role: 'appMenu' } as const] : [{ role: 'fileMenu' } as const]),
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
  ];
}
