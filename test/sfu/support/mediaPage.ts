import http from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { launchChromium } from '../../host/chromium';

/**
 * A page with RTCPeerConnections named by the test, fed by Chromium's fake camera and
 * microphone. Offers and answers are complete (ICE gathered) because the Janus client sends
 * no trickle candidates. The page is served from 127.0.0.1 so getUserMedia has a secure context.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><title>sfu media</title><body><script>
const pcs = {};
let local;
async function gathered(pc) {
  if (pc.iceGatheringState !== 'complete') {
    await new Promise((resolve) => pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); }));
  }
  return pc.localDescription.sdp;
}
window.publishOffer = async (name) => {
  local = local || await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 180 } });
  const pc = new RTCPeerConnection({ iceServers: [] });
  pcs[name] = pc;
  for (const track of local.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [local] });
  await pc.setLocalDescription(await pc.createOffer());
  return gathered(pc);
};
window.applyAnswer = async (name, sdp) => { await pcs[name].setRemoteDescription({ type: 'answer', sdp }); };
window.subscribeAnswer = async (name, sdp) => {
  // A later offer for the same name renegotiates the connection it made (the SFU's re-offer).
  if (pcs[name]) {
    await pcs[name].setRemoteDescription({ type: 'offer', sdp });
    await pcs[name].setLocalDescription(await pcs[name].createAnswer());
    return gathered(pcs[name]);
  }
  const pc = new RTCPeerConnection({ iceServers: [] });
  pcs[name] = pc;
  pc.ontrack = (event) => {
    const element = document.createElement(event.track.kind);
    element.muted = true; element.autoplay = true; element.srcObject = new MediaStream([event.track]);
    document.body.append(element);
  };
  await pc.setRemoteDescription({ type: 'offer', sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  return gathered(pc);
};
window.connectionState = (name) => pcs[name].connectionState;
window.framesDecoded = async (name) => {
  let frames = 0;
  (await pcs[name].getStats()).forEach((report) => { if (report.type === 'inbound-rtp' && report.kind === 'video') frames += report.framesDecoded || 0; });
  return frames;
};
window.closeAll = () => { for (const pc of Object.values(pcs)) pc.close(); };
</script>`;

export type MediaPage = Readonly<{
  publishOffer(name: string): Promise<string>;
  applyAnswer(name: string, sdp: string): Promise<void>;
  /** Answers an SFU offer; a later offer under the same name renegotiates that connection. */
  subscribeAnswer(name: string, offerSdp: string): Promise<string>;
  connectionState(name: string): Promise<string>;
  framesDecoded(name: string): Promise<number>;
  close(): Promise<void>;
}>;

export async function openMediaPage(): Promise<MediaPage> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page: Page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    const call = async <S extends z.ZodType>(schema: S, fn: string, ...args: readonly string[]): Promise<z.infer<S>> =>
      schema.parse(await page.evaluate(([name, values]) => {
        const target: unknown = Reflect.get(globalThis, name);
        if (typeof target !== 'function') throw new Error(`page has no ${name}`);
        return Reflect.apply(target, globalThis, values) as unknown;
      }, [fn, args] as const));
    const opened = browser;
    return {
      publishOffer: (name) => call(z.string(), 'publishOffer', name),
      applyAnswer: async (name, sdp) => {
        await call(z.undefined(), 'applyAnswer', name, sdp);
      },
      subscribeAnswer: (name, offerSdp) => call(z.string(), 'subscribeAnswer', name, offerSdp),
      connectionState: (name) => call(z.string(), 'connectionState', name),
      framesDecoded: (name) => call(z.number(), 'framesDecoded', name),
      close: async () => {
        await call(z.undefined(), 'closeAll').catch(() => undefined);
        await opened.close();
        server.close();
      },
    };
  } catch (error) {
    await browser?.close();
    server.close();
    throw error;
  }
}

/** Polls `check` until it holds or `ms` pass; returns whether it held. */
export async function waitUntil(check: () => Promise<boolean>, ms: number, stepMs = 100): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return check();
}
