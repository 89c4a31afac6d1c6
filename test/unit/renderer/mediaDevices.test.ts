import { describe, expect, it } from 'vitest';
import { callMediaConstraints, deviceList, inputsToUnlock, namesHidden } from '../../../renderer/lib/mediaDevices';

const listed = [
  { kind: 'audioinput', deviceId: 'default', label: 'Default - Headset' },
  { kind: 'audioinput', deviceId: 'mic-1', label: 'Headset microphone ' },
  { kind: 'audioinput', deviceId: 'mic-2', label: '' },
  { kind: 'audioinput', deviceId: 'mic-1', label: 'Headset microphone' },
  { kind: 'videoinput', deviceId: 'cam-1', label: 'USB camera' },
  { kind: 'audiooutput', deviceId: 'communications', label: 'Communications - Speakers' },
  { kind: 'audiooutput', deviceId: 'spk-1', label: 'Speakers' },
];

describe('the microphone, camera and speaker choice', () => {
  it('offers the system default first, then each device of the kind once, without the pseudo-devices', () => {
    expect(deviceList(listed, 'microphone', null)).toEqual({
      options: [
        { id: null, label: null },
        { id: 'mic-1', label: 'Headset microphone' },
        { id: 'mic-2', label: null },
      ],
      selected: null,
    });
    expect(deviceList(listed, 'camera', 'cam-1').options.map((option) => option.id)).toEqual([null, 'cam-1']);
    expect(deviceList(listed, 'speaker', null).options.map((option) => option.id)).toEqual([null, 'spk-1']);
  });

  it('keeps a remembered device that is unplugged now, marked absent, instead of forgetting the choice', () => {
    const list = deviceList(listed, 'camera', 'cam-gone');
    expect(list.selected).toBe('cam-gone');
    expect(list.options.at(-1)).toEqual({ id: 'cam-gone', label: null, missing: 'absent' });
  });

  it('offers only the system default when the browser hides the devices until permission', () => {
    const hidden = [
      { kind: 'audioinput', deviceId: '', label: '' },
      { kind: 'videoinput', deviceId: '', label: '' },
    ];
    expect(deviceList(hidden, 'microphone', null).options).toEqual([{ id: null, label: null }]);
    // Outside a call in the shell: the remembered camera cannot be seen, which is not "unplugged".
    expect(deviceList(hidden, 'camera', 'cam-1').options.at(-1)).toEqual({ id: 'cam-1', label: null, missing: 'unlisted' });
    expect(namesHidden(hidden)).toBe(true);
    expect(namesHidden(listed.filter((device) => device.label !== ''))).toBe(false);
  });

  it('asks only for the kinds of input that exist, so a computer without a camera still gets names', () => {
    expect(inputsToUnlock([{ kind: 'audioinput', deviceId: '', label: '' }])).toEqual({ audio: true, video: false });
    expect(inputsToUnlock(listed)).toEqual({ audio: true, video: true });
  });

  it('opens a call with the chosen devices as ideal, the system default otherwise, and no camera for a voice call', () => {
    const choices = { microphone: 'mic-1', camera: null, speaker: 'spk-1' };
    expect(callMediaConstraints(choices, true)).toEqual({ audio: { deviceId: { ideal: 'mic-1' } }, video: true });
    expect(callMediaConstraints({ ...choices, camera: 'cam-1' }, false)).toEqual({ audio: { deviceId: { ideal: 'mic-1' } }, video: false });
  });
});
