/**
 * The last resort when the core or the window keeps crashing: a plain native dialog (the
 * renderer may be the thing that is broken) that says what happened, that no data is lost,
 * and offers a restart. Never shows a stack trace.
 */
import { app, dialog } from 'electron';

export async function showFatalDialog(message: string, detail: string): Promise<void> {
  const { response } = await dialog.showMessageBox({
    type: 'error',
    title: 'Cairn stopped working',
    message,
    detail: `Your messages stay encrypted on this computer. Restart Cairn; if this keeps happening, reinstall it or contact support.${detail ? `\n\n${detail}` : ''}`,
    buttons: ['Restart Cairn', 'Quit'],
    defaultId: 0,
    cancelId: 1,
  });
  if (response === 0) app.relaunch();
  app.exit(0);
}
