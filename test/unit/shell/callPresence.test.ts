import { describe, expect, it } from 'vitest';
import { CallPresence, attentionStyle } from '../../../electron/main/callPresence';

function setup(focused = false) {
  const effects: string[] = [];
  let next = 41;
  const window = { focused };
  const presence = new CallPresence({
    preventSleep: () => {
      next += 1;
      effects.push(`prevent-sleep #${next}`);
      return next;
    },
    allowSleep: (blocker) => effects.push(`allow-sleep #${blocker}`),
    attention: (on) => effects.push(on ? 'attention on' : 'attention off'),
    isWindowFocused: () => window.focused,
  });
  return { presence, effects, window };
}

describe('the shell during calls', () => {
  it('keeps the display awake from the start of a call until it ends, with one blocker', () => {
    const { presence, effects } = setup();
    presence.update({ active: true, ringing: false });
    presence.update({ active: true, ringing: false });
    expect(effects).toEqual(['prevent-sleep #42']);
    presence.update({ active: false, ringing: false });
    expect(effects).toEqual(['prevent-sleep #42', 'allow-sleep #42']);
    presence.update({ active: false, ringing: false });
    expect(effects).toHaveLength(2);
    expect(presence.current).toEqual({ active: false, ringing: false });
  });

  it('asks for attention while a call rings and the window is not focused, and stops when the ringing stops', () => {
    const { presence, effects } = setup();
    presence.update({ active: true, ringing: true });
    expect(effects).toEqual(['prevent-sleep #42', 'attention on']);
    // Answered: the call goes on, the taskbar calms down, the display stays awake.
    presence.update({ active: true, ringing: false });
    expect(effects).toEqual(['prevent-sleep #42', 'attention on', 'attention off']);
  });

  it('stops asking for attention once the user looks at the window, and does not ask while it is focused', () => {
    const looked = setup();
    looked.presence.update({ active: true, ringing: true });
    looked.presence.windowFocused();
    looked.presence.update({ active: true, ringing: true });
    expect(looked.effects).toEqual(['prevent-sleep #42', 'attention on', 'attention off']);
    looked.presence.update({ active: false, ringing: false });
    expect(looked.effects.at(-1)).toBe('allow-sleep #42');

    const focused = setup(true);
    focused.presence.update({ active: true, ringing: true });
    expect(focused.effects).toEqual(['prevent-sleep #42']);
  });

  it('lets the computer sleep again and stops asking when the core dies during a ringing call', () => {
    const { presence, effects } = setup();
    presence.update({ active: true, ringing: true });
    // The supervisor reports NO_CALL when the core exits (coreSupervisor.test.ts).
    presence.update({ active: false, ringing: false });
    expect(effects).toEqual(['prevent-sleep #42', 'attention on', 'allow-sleep #42', 'attention off']);
  });

  it('asks again for a call still ringing when a closed window comes back', () => {
    const { presence, effects } = setup();
    presence.update({ active: true, ringing: true });
    presence.windowClosed();
    presence.update({ active: true, ringing: true });
    expect(effects.filter((effect) => effect === 'attention on')).toHaveLength(2);
  });

  it('bounces the Dock icon on macOS and flashes the taskbar button on Windows and Linux', () => {
    expect(attentionStyle('darwin')).toBe('dock-bounce');
    expect(attentionStyle('win32')).toBe('flash-frame');
    expect(attentionStyle('linux')).toBe('flash-frame');
  });
});
