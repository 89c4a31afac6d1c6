/**
 * Makes the conference buttons work: a ConferenceController on the app's IPC bridge, with the
 * real media session, analysers and sounds, set as `conferences.actions` (App.svelte calls it).
 */
import { onEvent, request } from '../api';
import { conferences, CONFERENCES_UNWIRED } from '../state/conferences.svelte';
import { ConferenceController } from './conferenceController';
import { ConferenceSession } from './conferenceSession';
import { playConferenceSound } from './conferenceSounds';
import { SpeakerDetector } from './speakerDetector';

export function wireConferences(): () => void {
  const controller = new ConferenceController({
    port: { request, onEvent },
    store: conferences,
    openMedia: (options) => ConferenceSession.start(options),
    speakers: (onChange) => new SpeakerDetector(onChange),
    sound: playConferenceSound,
    setInterval: (run, ms) => {
      const timer = setInterval(run, ms);
      return () => clearInterval(timer);
    },
  });
  const stop = controller.follow();
  conferences.actions = controller;
  return () => {
    stop();
    conferences.actions = CONFERENCES_UNWIRED;
  };
}
